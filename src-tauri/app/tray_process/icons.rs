//! The tray icons of `icons/`, one per state, embedded in the binary.

use heygen_tray_core::snapshot::IconState;

pub const ALL: [(IconState, [&[u8]; 2]); 6] = [
    (IconState::Ok, [include_bytes!("../../../icons/tray-ok-24.png"), include_bytes!("../../../icons/tray-ok-48.png")]),
    (IconState::Stale, [include_bytes!("../../../icons/tray-stale-24.png"), include_bytes!("../../../icons/tray-stale-48.png")]),
    (IconState::Low, [include_bytes!("../../../icons/tray-low-24.png"), include_bytes!("../../../icons/tray-low-48.png")]),
    (IconState::Error, [include_bytes!("../../../icons/tray-error-24.png"), include_bytes!("../../../icons/tray-error-48.png")]),
    (IconState::Critical, [include_bytes!("../../../icons/tray-critical-24.png"), include_bytes!("../../../icons/tray-critical-48.png")]),
    (IconState::NoAccount, [include_bytes!("../../../icons/tray-none-24.png"), include_bytes!("../../../icons/tray-none-48.png")]),
];

#[allow(dead_code)]
pub fn png(state: IconState, large: bool) -> &'static [u8] {
    ALL.iter().find(|(s, _)| *s == state).map(|(_, p)| p[usize::from(large)]).unwrap_or(ALL[0].1[0])
}

/// The panel's theme for the drawn icon: `HEYGEN_TRAY_PANEL=light|dark`, else a
/// GTK theme whose name says dark, else dark (most panels are).
pub fn panel_theme() -> heygen_tray_core::tray_icon::Theme {
    use heygen_tray_core::tray_icon::Theme;
    match std::env::var("HEYGEN_TRAY_PANEL").ok().as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => match std::env::var("GTK_THEME") {
            Ok(t) if !t.to_lowercase().contains("dark") && !t.is_empty() => Theme::Light,
            _ => Theme::Dark,
        },
    }
}
