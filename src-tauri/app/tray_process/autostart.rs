//! Start at login, the way each desktop expects it:
//! - Linux: an XDG autostart entry that runs the installed `heygen-tray` (beside this app);
//! - Windows: a value under the user's `…\CurrentVersion\Run` registry key that runs
//!   this app (`heygen-tray-app.exe`, no console window);
//! - macOS: a LaunchAgent (`~/Library/LaunchAgents/com.heygen-tray.app.plist`).
//!
//! What is written is built by plain functions, tested on every platform; only the
//! writing itself differs.

/// The Run key's value (Windows).
#[cfg_attr(not(windows), allow(dead_code))]
const NAME: &str = "HeyGen Tray";
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
/// The LaunchAgent's label (macOS), Tauri's identifier.
const LABEL: &str = "com.heygen-tray.app";
#[cfg_attr(not(windows), allow(dead_code))]
pub const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";

/// Turns start at login on or off for this app.
pub fn set(enabled: bool) -> Result<(), String> {
    let app = std::env::current_exe().map_err(|e| e.to_string())?;
    imp::set(enabled, &app)
}

#[cfg(target_os = "linux")]
mod imp {
    use super::remove_file;
    use std::path::Path;

    pub fn set(enabled: bool, app: &Path) -> Result<(), String> {
        let p = dirs::config_dir().unwrap_or_default().join("autostart").join("heygen-tray.desktop");
        if !enabled {
            return remove_file(&p);
        }
        // The command line starts the app; it is what a user (or a package) installs on PATH.
        let cli = app.with_file_name("heygen-tray");
        let exe = if cli.is_file() { cli } else { app.to_path_buf() };
        super::write(&p, &super::entry(&exe.to_string_lossy())?)
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use super::remove_file;
    use std::path::Path;

    pub fn set(enabled: bool, app: &Path) -> Result<(), String> {
        let p = dirs::home_dir().unwrap_or_default().join("Library/LaunchAgents").join(format!("{}.plist", super::LABEL));
        if !enabled {
            return remove_file(&p);
        }
        super::write(&p, &super::launch_agent(&app.to_string_lossy()))
    }
}

#[cfg(windows)]
mod imp {
    use std::path::Path;

    pub fn set(enabled: bool, app: &Path) -> Result<(), String> {
        let r = if enabled {
            crate::windows_shell::set_user_string(super::RUN_KEY, super::NAME, &super::run_command(&app.to_string_lossy()))
        } else {
            crate::windows_shell::delete_user_value(super::RUN_KEY, super::NAME)
        };
        r.map_err(|e| format!("could not change the Run key in the registry: {e}"))
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod imp {
    pub fn set(_enabled: bool, _app: &std::path::Path) -> Result<(), String> {
        Err("start at login is not available on this system".into())
    }
}

#[cfg_attr(windows, allow(dead_code))]
fn write(p: &std::path::Path, content: &str) -> Result<(), String> {
    std::fs::create_dir_all(p.parent().unwrap_or(p)).map_err(|e| e.to_string())?;
    std::fs::write(p, content).map_err(|e| format!("could not write {}: {e}", p.display()))
}

#[cfg_attr(windows, allow(dead_code))]
fn remove_file(p: &std::path::Path) -> Result<(), String> {
    match std::fs::remove_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("could not remove {}: {e}", p.display())),
        _ => Ok(()),
    }
}

/// The XDG autostart entry for the program at `exe`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn entry(exe: &str) -> Result<String, String> {
    Ok(format!(
        "[Desktop Entry]\nType=Application\nName=HeyGen Tray\nComment=Watches your HeyGen balance\nExec={}\nIcon=heygen-tray\nTerminal=false\nX-GNOME-Autostart-enabled=true\n",
        exec_quote(exe)?
    ))
}

/// One argument of a desktop entry's `Exec=` key, quoted as the Desktop Entry
/// specification asks: in double quotes, with `"`, `` ` ``, `$` and `\` escaped by a
/// backslash, that backslash escaped again as a string value, and `%` doubled. A
/// path with a control character (a newline) cannot be written and is refused.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn exec_quote(arg: &str) -> Result<String, String> {
    if arg.chars().any(char::is_control) {
        return Err("the app's path has a control character; start at login cannot name it".into());
    }
    let mut out = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

/// The Run key's command: the path in double quotes (Windows paths cannot hold `"`).
#[cfg_attr(not(windows), allow(dead_code))]
fn run_command(exe: &str) -> String {
    format!("\"{exe}\"")
}

/// A LaunchAgent that starts the app at login, once (not kept alive: Quit means quit).
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
fn launch_agent(exe: &str) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n  <key>Label</key>\n  <string>{}</string>\n  <key>ProgramArguments</key>\n  <array>\n    <string>{}</string>\n  </array>\n  <key>RunAtLoad</key>\n  <true/>\n  <key>ProcessType</key>\n  <string>Interactive</string>\n</dict>\n</plist>\n",
        LABEL,
        esc(exe)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_line_escapes_shell_and_field_code_characters() {
        assert_eq!(exec_quote("/usr/bin/heygen-tray").unwrap(), "\"/usr/bin/heygen-tray\"");
        assert_eq!(exec_quote("/home/a b/$HOME/`x`/100%/q\"/b\\s").unwrap(), r#""/home/a b/\\$HOME/\\`x\\`/100%%/q\\"/b\\\\s""#);
    }

    #[test]
    fn a_path_with_a_newline_is_refused_not_written() {
        assert!(exec_quote("/tmp/x\nExec=evil").is_err());
        assert!(entry("/tmp/x\rX").is_err());
        assert!(entry("/usr/bin/heygen-tray").unwrap().lines().any(|l| l == "Exec=\"/usr/bin/heygen-tray\""));
    }

    #[test]
    fn the_run_key_names_the_app_in_quotes() {
        assert_eq!(
            run_command(r"C:\Program Files\HeyGen Tray\heygen-tray-app.exe"),
            r#""C:\Program Files\HeyGen Tray\heygen-tray-app.exe""#
        );
    }

    #[test]
    fn the_launch_agent_runs_the_app_once_at_login_with_its_path_escaped() {
        let plist = launch_agent("/Applications/A & B <x>.app/Contents/MacOS/heygen-tray-app");
        assert!(plist.contains("<string>com.heygen-tray.app</string>"));
        assert!(plist.contains("<string>/Applications/A &amp; B &lt;x&gt;.app/Contents/MacOS/heygen-tray-app</string>"), "{plist}");
        assert!(plist.contains("<key>RunAtLoad</key>\n  <true/>"));
        assert!(!plist.contains("KeepAlive"), "Quit must stay quit");
    }
}
