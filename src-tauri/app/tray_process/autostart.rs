//! Start at login: an XDG autostart entry on Linux that runs the installed
//! `heygen-tray` (beside this app). Elsewhere the setting is kept but has no effect yet.

#[cfg(target_os = "linux")]
fn path() -> std::path::PathBuf {
    dirs::config_dir().unwrap_or_default().join("autostart").join("heygen-tray.desktop")
}

#[cfg(target_os = "linux")]
pub fn set(enabled: bool) -> Result<(), String> {
    let p = path();
    if !enabled {
        return match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("could not remove {}: {e}", p.display())),
            _ => Ok(()),
        };
    }
    let app = std::env::current_exe().map_err(|e| e.to_string())?;
    // The command line starts the app; it is what a user (or a package) installs on PATH.
    let cli = app.with_file_name("heygen-tray");
    let exe = if cli.is_file() { cli } else { app };
    let entry = entry(&exe.to_string_lossy())?;
    std::fs::create_dir_all(p.parent().unwrap_or(&p)).map_err(|e| e.to_string())?;
    std::fs::write(&p, entry).map_err(|e| format!("could not write {}: {e}", p.display()))
}

#[cfg(not(target_os = "linux"))]
pub fn set(_enabled: bool) -> Result<(), String> {
    Ok(())
}

/// The autostart entry for the program at `exe`.
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
}
