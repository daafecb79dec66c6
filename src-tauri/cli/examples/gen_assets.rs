//! Writes the man pages and shell completions of `heygen-tray`, generated from the
//! command line's own definition, into a folder (used by scripts/package.sh):
//! `man/heygen-tray*.1`, `completions/heygen-tray.bash`, `_heygen-tray`, `heygen-tray.fish`.
//!
//! `cargo run -p heygen-tray-cli --example gen_assets -- OUT_DIR`

use clap::CommandFactory;
use clap_complete::Shell;
use std::path::{Path, PathBuf};

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args_os().nth(1).expect("usage: gen_assets OUT_DIR"));
    let cmd = heygen_tray_cli::Cli::command();
    std::fs::create_dir_all(out.join("man"))?;
    man_pages(&cmd, "heygen-tray", "heygen-tray", &out.join("man"))?;
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd.clone(), "heygen-tray", &completions)?;
    }
    Ok(())
}

/// One page for the command and one for each visible subcommand, at any depth
/// (`heygen-tray-accounts-add.1`), as man(1) users look them up.
fn man_pages(cmd: &clap::Command, name: &str, bin_name: &str, dir: &Path) -> std::io::Result<()> {
    // clap takes static names here; a generator that runs once may leak them.
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let cmd = cmd.clone().name(leak(name)).bin_name(leak(bin_name));
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    std::fs::write(dir.join(format!("{name}.1")), page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), &format!("{bin_name} {}", sub.get_name()), dir)?;
    }
    Ok(())
}
