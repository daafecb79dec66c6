//! Start at login: an XDG autostart entry on Linux. Elsewhere the setting is kept
//! but has no effect yet.

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
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let exe = exe.to_string_lossy().replace('\\', "\\\\").replace('"', "\\\"");
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=HeyGen Tray\nComment=Watches your HeyGen balance\nExec=\"{exe}\"\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    );
    std::fs::create_dir_all(p.parent().unwrap_or(&p)).map_err(|e| e.to_string())?;
    std::fs::write(&p, entry).map_err(|e| format!("could not write {}: {e}", p.display()))
}

#[cfg(not(target_os = "linux"))]
pub fn set(_enabled: bool) -> Result<(), String> {
    Ok(())
}
