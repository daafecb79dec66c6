//! The man pages and shell completions of `heygen-tray`, generated from the command
//! line's own definition: `heygen-tray man [PAGE]` and `heygen-tray completions SHELL`
//! print them for a source build; the package ships them (`write_all`, used by
//! scripts/package.sh through the `gen_assets` example). The pages get EXIT STATUS,
//! ENVIRONMENT, FILES and EXAMPLES sections of their own; internal (hidden) flags are
//! left out of the completions.

use clap::CommandFactory;
use clap_complete::Shell;
use std::path::Path;

/// Writes `man/heygen-tray*.1` and `completions/` (`heygen-tray.bash`, `_heygen-tray`,
/// `heygen-tray.fish`) under `out`.
pub fn write_all(out: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out.join("man"))?;
    for (name, page) in pages()? {
        std::fs::write(out.join("man").join(name), page)?;
    }
    let dir = out.join("completions");
    std::fs::create_dir_all(&dir)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        std::fs::write(dir.join(completion_file(shell)), completion(shell))?;
    }
    Ok(())
}

/// Where a shell looks for the completion file.
pub fn completion_file(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "heygen-tray.bash",
        Shell::Zsh => "_heygen-tray",
        Shell::Fish => "heygen-tray.fish",
        _ => "heygen-tray.completion",
    }
}

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut without_hidden(&crate::Cli::command()), "heygen-tray", &mut out);
    if shell == Shell::Bash {
        // clap_complete names the subcommands' cases from the binary name with its
        // dash replaced in two different ways; make them agree.
        out = String::from_utf8_lossy(&out).replace("heygen__subcmd__tray", "heygen__tray").into_bytes();
    }
    out
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh or fish (also elvish, powershell).
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The page: nothing for heygen-tray(1), or a command (`status`, `accounts add`).
    pub page: Vec<String>,
}

/// `heygen-tray completions SHELL`: the script on standard output, for example
/// `heygen-tray completions bash > ~/.local/share/bash-completion/completions/heygen-tray`.
pub fn run_completions(args: CompletionsArgs) -> i32 {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(&completion(args.shell));
    0
}

/// `heygen-tray man [PAGE]`: the page through man(1) at a terminal, else its roff.
pub fn run_man(args: ManArgs) -> i32 {
    use std::io::{IsTerminal, Write};
    let pages = match pages() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::EXIT_FAILURE;
        }
    };
    let words: Vec<&str> = args.page.iter().flat_map(|w| w.split_whitespace()).filter(|w| *w != "heygen-tray").collect();
    let wanted = std::iter::once("heygen-tray").chain(words.iter().copied()).collect::<Vec<_>>().join("-");
    let wanted = wanted.trim_end_matches(".1").to_string() + ".1";
    let Some((_, page)) = pages.iter().find(|(name, _)| *name == wanted) else {
        let names: Vec<&str> =
            pages.iter().map(|(n, _)| n.trim_start_matches("heygen-tray").trim_start_matches('-').trim_end_matches(".1")).collect();
        return crate::usage_error(&format!("no manual page {wanted}; pages: {}", names.join(", ").trim_start_matches(", ")));
    };
    if std::io::stdout().is_terminal() {
        let shown = std::process::Command::new("man").args(["-l", "-"]).stdin(std::process::Stdio::piped()).spawn().and_then(|mut man| {
            man.stdin.take().map(|mut i| i.write_all(page)).transpose()?;
            man.wait()
        });
        if let Ok(status) = shown {
            return status.code().unwrap_or(0);
        }
    }
    let _ = std::io::stdout().lock().write_all(page);
    0
}

/// Every page: (`heygen-tray-accounts-add.1`, its roff).
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    man_pages(&crate::Cli::command(), "heygen-tray", "heygen-tray", &mut out)?;
    Ok(out)
}

/// The command as users see it: hidden flags and subcommands (internal ones) left out,
/// which clap_complete would otherwise offer. Only what completion needs is copied.
fn without_hidden(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(leak(cmd.get_name()));
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(v) = cmd.get_version() {
        out = out.version(leak(v));
    }
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set() && !["help", "version"].contains(&a.get_id().as_str())) {
        out = out.arg(a.clone());
    }
    for s in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        out = out.subcommand(without_hidden(s));
    }
    out
}

/// clap takes static names; a generator that runs once may leak them.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

/// One page for the command and one for each visible subcommand, at any depth
/// (`heygen-tray-accounts-add.1`), as man(1) users look them up.
fn man_pages(cmd: &clap::Command, name: &str, bin_name: &str, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    // No `help` subcommand on the page: heygen-tray-help(1) is not a page that ships.
    let cmd = cmd.clone().name(leak(name)).bin_name(leak(bin_name)).disable_help_subcommand(true);
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    page.extend_from_slice(extra_sections(name).as_bytes());
    out.push((format!("{name}.1"), page));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), &format!("{bin_name} {}", sub.get_name()), out)?;
    }
    Ok(())
}

/// A roff section of `.TP` entries.
fn section(title: &str, entries: &[(&str, &str)]) -> String {
    let mut s = format!(".SH \"{title}\"\n");
    for (term, text) in entries {
        s.push_str(&format!(".TP\n{}\n{}\n", roff(term), roff(text)));
    }
    s
}

/// Text as roff reads it: backslashes and dashes escaped, no line starting with a dot.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

const COMMON_EXIT: [(&str, &str); 2] = [
    ("64", "Bad usage: an unknown flag, a critical threshold above the low one, a bad account name, no key on standard input."),
    ("3", "The command failed: key rejected, keyring locked or missing, no such account, settings that cannot be written."),
];

const ENVIRONMENT: [(&str, &str); 8] = [
    ("HEYGEN_API_KEY", "The key status uses when no account is configured (shown as account env)."),
    ("HEYGEN_API_BASE", "The API's base URL (default https://api.heygen.com). Plain http:// is refused except for loopback hosts."),
    ("HEYGEN_OAUTH_BASE", "The OAuth token endpoint's base (default https://api2.heygen.com), same rule."),
    ("HEYGEN_OAUTH_CLIENT_ID", "The OAuth client ID used to renew tokens."),
    ("HEYGEN_CONFIG_DIR", "The folder of the HeyGen CLI's credentials file (default ~/.heygen)."),
    (
        "HEYGEN_TRAY_KEYRING_TIMEOUT",
        "Seconds a command waits for the keyring (default 120), so an unlock prompt nobody answers does not hold it for good.",
    ),
    ("HEYGEN_TRAY_LOG", "Log filter for the app's logs on standard error, for example heygen_tray=debug. Keys never appear in logs."),
    ("HTTPS_PROXY, NO_PROXY", "A proxy for HeyGen's HTTPS API, and hosts that bypass it."),
];

const FILES: [(&str, &str); 4] = [
    (
        "~/.config/heygen-tray/settings.json",
        "Accounts (names, thresholds; never keys), preferences and alert memory. Keys live in the system keyring.",
    ),
    ("~/.local/share/heygen-tray/history.sqlite3", "The balance history, for charts, forecasts and heygen-tray history."),
    ("$XDG_RUNTIME_DIR/heygen-tray-*.sock", "The running app's owner-only socket that status reads its figures from."),
    ("~/.config/autostart/heygen-tray.desktop", "Written when Start at login is on."),
];

/// The sections clap does not write, for the page `name`.
fn extra_sections(name: &str) -> String {
    let see_also = ".SH \"SEE ALSO\"\n\\fBheygen\\-tray\\fR(1)\n";
    match name {
        "heygen-tray" => [
            section(
                "EXIT STATUS",
                &[
                    ("0", "Without a subcommand: the app ran and was quit. status: every account is ok."),
                    ("1, 2", "status: the worst account is low (1) or critical (2)."),
                    ("3", "status: an account could not be read, or none is configured. Other commands: they failed (key rejected, keyring locked or missing, no such account)."),
                    COMMON_EXIT[0],
                ],
            ),
            section("ENVIRONMENT", &ENVIRONMENT),
            section("FILES", &FILES),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray", "Start the tray app (it stays in the tray; a second launch shows its window)."),
                    ("heygen-tray --demo", "Try the app against the built-in simulator, no key needed."),
                    ("heygen-tray accounts add work", "Add an account; the key is read from standard input (a hidden prompt at a terminal)."),
                    ("heygen-tray status --json", "Every account's balance as JSON, from the running app when it runs."),
                ],
            ),
        ]
        .concat(),
        "heygen-tray-status" => [
            section(
                "EXIT STATUS",
                &[
                    ("0", "Every account is ok."),
                    ("1", "The worst account is low."),
                    ("2", "The worst account is critical."),
                    ("3", "An account could not be read (offline, key rejected), or no account is configured and HEYGEN_API_KEY is not set."),
                    COMMON_EXIT[0],
                ],
            ),
            section("ENVIRONMENT", &ENVIRONMENT[..3]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray status", "One line per account: name, level, what is left."),
                    ("heygen-tray status --json | jq '.accounts[].remaining'", "The figures for a script; the JSON is a stable interface (see the README)."),
                    ("heygen-tray status --format waybar", "A Waybar custom module's JSON."),
                    ("heygen-tray status --fresh --low 20", "Ask HeyGen now, with a low threshold of 20 for this run."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-history" => [
            section("EXIT STATUS", &[("0", "The history was written."), COMMON_EXIT[1], COMMON_EXIT[0]]),
            section("FILES", &FILES[1..2]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray history --csv > history.csv", "Every sample of every account as CSV."),
                    ("heygen-tray history work --since 2026-11-01 --json", "One account's samples since a date, as JSON."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-spend" => [
            section("EXIT STATUS", &[("0", "The totals were printed."), ("3", "The history could not be read."), ("64", "No account of that name.")]),
            section("FILES", &FILES[1..2]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray spend", "Today, the last 7 days and this month, per account and for all of them."),
                    ("heygen-tray spend work --json | jq '.accounts[0].today.spent'", "One account's spend today, for a script (a stable interface, see the README)."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-guard" => [
            section(
                "EXIT STATUS",
                &[
                    ("73", "COMMAND was not started: the balance was already at or below X, or would be once the job spent what --needs or --needs-seconds says."),
                    ("74", "COMMAND was interrupted (SIGINT, then SIGTERM after 10 s): the balance reached X."),
                    ("3", "The balance could not be read at the start; COMMAND was not started."),
                    ("127", "COMMAND could not be started."),
                    ("64", "Bad usage: no COMMAND, no --below, or an unknown account."),
                    ("other", "COMMAND's own exit status (128 + the signal when a signal ended it)."),
                ],
            ),
            section("ENVIRONMENT", &ENVIRONMENT[..2]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray guard --below 20 -- ./render-batch.sh", "Run the batch only while the only account has more than $20 left."),
                    ("HEYGEN_API_KEY=... heygen-tray guard --below 5 -- python render.py", "In CI, with no account configured."),
                    ("heygen-tray guard --below 5 --needs-seconds 600 -- ./render-10-min.sh", "Start only when 10 minutes of video (at the chosen engine's price) leave more than $5."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-completions" => [
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray completions bash > ~/.local/share/bash-completion/completions/heygen-tray", "Bash completion for a source build (the package installs it)."),
                    ("heygen-tray completions zsh > ~/.zfunc/_heygen-tray", "Zsh completion, with ~/.zfunc in fpath."),
                    ("heygen-tray completions fish > ~/.config/fish/completions/heygen-tray.fish", "Fish completion."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-man" => [
            section("EXIT STATUS", &[("0", "The page was shown."), ("64", "There is no such page; the pages are listed.")]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray man", "This program's page, through man(1) at a terminal."),
                    ("heygen-tray man accounts add", "The page of one command."),
                    ("heygen-tray man guard > heygen-tray-guard.1", "The page's roff, for a folder in MANPATH."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-prices" => [
            section("FILES", &FILES[..1]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray prices", "HeyGen's price table with its source and date, your overrides and the engine balances are counted in."),
                    ("heygen-tray prices --json | jq '.prices[] | select(.engine == \"avatar_iv\")'", "One engine's price, for a script."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-watch" => [
            section(
                "EXIT STATUS",
                &[
                    ("0", "Stopped by SIGTERM or SIGINT, after saving the alerts sent."),
                    ("3", "Not started: another monitor (the tray app or a watch) uses the same settings folder, no account or key was found, or the settings file cannot be used."),
                    ("64", "Bad usage: --listen is not an address and port, or not loopback without --allow-remote."),
                ],
            ),
            section(
                "SIGNALS",
                &[("SIGTERM, SIGINT", "Stop within seconds, saving the alerts sent."), ("SIGHUP", "Read the settings file and the keys again."), ("SIGUSR1", "Poll every account now.")],
            ),
            section(
                "ENVIRONMENT",
                &[
                    ("CREDENTIALS_DIRECTORY", "systemd's credentials folder (LoadCredential=): the key of account NAME is the file NAME, used when there is no unlocked keyring."),
                    ENVIRONMENT[0],
                    ENVIRONMENT[1],
                    ENVIRONMENT[7],
                ],
            ),
            section("FILES", &[FILES[0], FILES[1], FILES[2], ("~/.local/state/heygen-tray/api-token", "The local API's bearer token (owner-only), made on first use.")]),
            section(
                "EXAMPLES",
                &[
                    ("heygen-tray watch", "Watch every account in the foreground; one log line per event on standard error."),
                    ("heygen-tray watch --listen 127.0.0.1:9877", "Also serve /v1/status and /metrics for Prometheus (bearer token: heygen-tray token)."),
                    ("systemctl --user enable --now heygen-tray-watch", "Run it as a systemd user service (the package ships the unit)."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-token" => [
            section("FILES", &[("~/.local/state/heygen-tray/api-token", "The token, owner-only; Prometheus reads it with credentials_file.")]),
            section(
                "EXAMPLES",
                &[
                    ("curl -H \"Authorization: Bearer $(heygen-tray token)\" http://127.0.0.1:9877/metrics", "Read the metrics by hand."),
                    ("heygen-tray token --path", "Where the token file is, for Prometheus's credentials_file."),
                ],
            ),
            see_also.to_string(),
        ]
        .concat(),
        "heygen-tray-simulator" => [
            section("EXAMPLES", &[("heygen-tray simulator --port 8787 & HEYGEN_API_BASE=http://127.0.0.1:8787 HEYGEN_API_KEY=sim-wallet-key heygen-tray status", "Check the command line against the simulator's wallet account.")]),
            see_also.to_string(),
        ]
        .concat(),
        accounts if accounts.starts_with("heygen-tray-accounts") => {
            let examples: &[(&str, &str)] = match accounts {
                "heygen-tray-accounts-add" => &[
                    ("heygen-tray accounts add work", "Prompts for the key (hidden), checks it with HeyGen, stores it in the keyring."),
                    ("printf '%s\\n' \"$KEY\" | heygen-tray accounts add work", "The key from a script, on standard input (never as an argument)."),
                ],
                "heygen-tray-accounts-import-heygen-cli" => &[
                    ("heygen-tray accounts import-heygen-cli", "Import the key or sign-in of HeyGen's official CLI; the account follows its credentials file from now on."),
                    ("heygen auth login", "Later, when the sign-in is about to expire: sign in again with HeyGen's CLI; the linked account takes the new tokens by itself."),
                ],
                _ => &[("heygen-tray accounts list --json", "The accounts with masked keys."), ("heygen-tray accounts remove work", "Remove an account and its keyring entry.")],
            };
            [
                section("EXIT STATUS", &[("0", "Done."), COMMON_EXIT[1], COMMON_EXIT[0]]),
                section("FILES", &FILES[..1]),
                section("EXAMPLES", examples),
                see_also.to_string(),
            ]
            .concat()
        }
        _ => see_also.to_string(),
    }
}
