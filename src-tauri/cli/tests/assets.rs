//! The generated man pages and shell completions, checked as a user meets them:
//! pages with their sections and no reference to a page that is not shipped; bash
//! completion sourced in bash and asked below the top level; no internal flag offered.

use std::path::Path;
use std::process::Command;

fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    heygen_tray_cli::docs::write_all(dir.path()).unwrap();
    dir
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// What bash completion offers after `words` (the last one being completed).
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prog = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n_heygen__tray heygen-tray '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words[cword],
        if cword > 0 { words[cword - 1] } else { "" },
    );
    let out = Command::new("bash").arg("-c").arg(prog).output().expect("bash runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_at_every_level_and_never_internal_flags() {
    let dir = generated();
    let bash = dir.path().join("completions/heygen-tray.bash");
    let top = bash_complete(&bash, &["heygen-tray", ""]);
    for want in ["status", "accounts", "history", "simulator", "--demo", "--open"] {
        assert!(top.iter().any(|w| w == want), "top level lacks {want}: {top:?}");
    }
    let accounts = bash_complete(&bash, &["heygen-tray", "accounts", ""]);
    for want in ["add", "list", "remove"] {
        assert!(accounts.iter().any(|w| w == want), "`accounts <TAB>` lacks {want}: {accounts:?}");
    }
    let flags = bash_complete(&bash, &["heygen-tray", "status", "--"]);
    assert!(flags.iter().any(|w| w == "--json") && flags.iter().any(|w| w == "--fresh"), "{flags:?}");
    let add = bash_complete(&bash, &["heygen-tray", "accounts", "add", "--"]);
    assert!(add.iter().any(|w| w == "--no-verify"), "{add:?}");
    let top_flags = bash_complete(&bash, &["heygen-tray", "--"]);
    assert!(!top_flags.iter().any(|w| w == "--window"), "{top_flags:?}");
    for file in ["heygen-tray.bash", "_heygen-tray", "heygen-tray.fish"] {
        let text = read(&dir.path().join("completions").join(file));
        assert!(!text.contains("--window") && !text.contains("-l window"), "{file} offers the internal --window flag");
        assert!(!text.contains("until-stdin-closes"), "{file} offers an internal flag");
        assert!(text.contains("accounts"), "{file} has no subcommands");
    }
}

#[test]
fn man_pages_have_their_sections_and_refer_only_to_shipped_pages() {
    let dir = generated();
    let man = dir.path().join("man");
    let pages: Vec<String> = std::fs::read_dir(&man).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(pages.contains(&"heygen-tray.1".to_string()) && pages.contains(&"heygen-tray-accounts-add.1".to_string()), "{pages:?}");
    assert!(!pages.iter().any(|p| p.contains("help")), "{pages:?}");
    let top = read(&man.join("heygen-tray.1"));
    for s in ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
        assert!(top.contains(&format!(".SH \"{s}\"")), "heygen-tray(1) lacks {s}");
    }
    assert!(top.contains("HEYGEN\\_API\\_KEY") || top.contains("HEYGEN_API_KEY"));
    let status = read(&man.join("heygen-tray-status.1"));
    for s in ["EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
        assert!(status.contains(&format!(".SH \"{s}\"")), "heygen-tray-status(1) lacks {s}");
    }
    for page in &pages {
        let text = read(&man.join(page));
        if page != "heygen-tray.1" {
            assert!(text.contains(".SH \"EXAMPLES\"") || page == "heygen-tray-accounts.1", "{page} has no EXAMPLES");
        }
        // Every page named like heygen-tray-x(1) is one that is shipped.
        for (i, _) in text.match_indices("(1)") {
            let start = text[..i].rfind(|c: char| c.is_whitespace() || c == 'B').map_or(0, |s| s + 1);
            let name = text[start..i].replace("\\-", "-").replace("\\fB", "").replace("\\fR", "");
            if name.starts_with("heygen-tray") {
                assert!(pages.contains(&format!("{name}.1")), "{page} refers to {name}(1), which is not shipped");
            }
        }
    }
}

#[test]
fn a_source_build_prints_its_completions_and_renders_its_man_pages() {
    let bin = env!("CARGO_BIN_EXE_heygen-tray");
    let out = Command::new(bin).args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("heygen-tray.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    // Sourced as a user's shell does, it completes below the top level.
    let offered = bash_complete(&script, &["heygen-tray", "accounts", ""]);
    assert!(offered.iter().any(|w| w == "add"), "{offered:?}");
    assert!(bash_complete(&script, &["heygen-tray", ""]).iter().any(|w| w == "prices"));
    for shell in ["zsh", "fish"] {
        let out = Command::new(bin).args(["completions", shell]).output().unwrap();
        assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("guard"), "{shell}");
    }
    // A page, rendered by man(1) from the roff the command prints.
    let out = Command::new(bin).args(["man", "accounts", "add"]).output().unwrap();
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(roff.contains(".TH") && roff.contains(".SH \"EXAMPLES\""), "{roff}");
    let page = dir.path().join("page.1");
    std::fs::write(&page, &out.stdout).unwrap();
    // man-db comes with the test command's system packages.
    let shown = Command::new("man").args(["-l"]).arg(&page).env("MANPAGER", "cat").env("MANWIDTH", "80").output().expect("man(1) runs");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success() && text.contains("EXAMPLES") && text.contains("accounts add work"), "{text}");
    let none = Command::new(bin).args(["man", "nonsense"]).output().unwrap();
    assert_eq!(none.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&none.stderr).contains("accounts-add"), "{}", String::from_utf8_lossy(&none.stderr));
}
