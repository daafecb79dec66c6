//! Native notifications (notify-rust). `send` resolves only when the notification
//! daemon accepted the notification, so an alert is marked sent only after delivery.

use heygen_tray_core::alerts::{Alert, AlertKind};

pub async fn send(alert: &Alert) -> Result<(), String> {
    let alert = alert.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("HeyGen Tray").summary(&alert.summary);
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        n.body(&alert.body);
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            // Freedesktop notification daemons may read the body as markup.
            n.body(&heygen_tray_core::text::escape_markup(&alert.body));
            n.icon(match alert.kind {
                AlertKind::Low | AlertKind::Forecast | AlertKind::ReloadMissed | AlertKind::KeyExpiresInAWeek => "dialog-warning",
                AlertKind::Critical | AlertKind::KeyRejected | AlertKind::KeyExpiresTomorrow => "dialog-error",
            });
            n.urgency(match alert.kind {
                AlertKind::Low | AlertKind::Forecast | AlertKind::ReloadMissed | AlertKind::KeyExpiresInAWeek => notify_rust::Urgency::Normal,
                AlertKind::Critical | AlertKind::KeyRejected | AlertKind::KeyExpiresTomorrow => notify_rust::Urgency::Critical,
            });
        }
        n.show().map(|_| ()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}
