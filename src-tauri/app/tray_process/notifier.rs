//! Native notifications (notify-rust). `send` resolves only when the notification
//! daemon accepted the notification, so an alert is marked sent only after delivery.
//! On Linux a click on the notification (its default action) opens the HeyGen page
//! that fixes it: billing for a low balance, API keys for a key problem.

#[cfg(all(unix, not(target_os = "macos")))]
use super::actions::Site;
use heygen_tray_core::alerts::Alert;
#[cfg(all(unix, not(target_os = "macos")))]
use heygen_tray_core::alerts::AlertKind;

/// The page a click on the notification opens.
#[cfg(all(unix, not(target_os = "macos")))]
fn site_for(kind: AlertKind) -> Site {
    match kind {
        AlertKind::Low
        | AlertKind::Critical
        | AlertKind::Forecast
        | AlertKind::ReloadMissed
        | AlertKind::Spike
        | AlertKind::Overage
        | AlertKind::ResetReminder => Site::Billing,
        AlertKind::KeyRejected | AlertKind::KeyExpiresInAWeek | AlertKind::KeyExpiresTomorrow => Site::ApiKeys,
        AlertKind::SignInEnded | AlertKind::SignInEndsIn2Days | AlertKind::SignInEndsTomorrow => Site::HeyGenCli,
    }
}

/// A notification that only informs (no alert, no action).
#[cfg_attr(any(not(target_os = "linux"), feature = "tauri-tray"), allow(dead_code))]
pub async fn tell(summary: &'static str, body: &'static str) -> Result<(), String> {
    tauri::async_runtime::spawn_blocking(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("HeyGen Tray").summary(summary).body(body);
        #[cfg(windows)]
        n.app_id(crate::windows_shell::APP_ID);
        #[cfg(all(unix, not(target_os = "macos")))]
        n.icon("dialog-information");
        n.show().map(|_| ()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

pub async fn send(alert: &Alert) -> Result<(), String> {
    let alert = alert.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let mut n = notify_rust::Notification::new();
        n.appname("HeyGen Tray").summary(&alert.summary);
        // Toasts show under the app's AppUserModelID (registered at start and by the installer).
        #[cfg(windows)]
        n.app_id(crate::windows_shell::APP_ID);
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            n.body(&alert.body);
            n.show().map(|_| ()).map_err(|e| e.to_string())
        }
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            // Freedesktop notification daemons may read the body as markup.
            n.body(&heygen_tray_core::text::escape_markup(&alert.body));
            n.icon(match alert.kind {
                AlertKind::Low
                | AlertKind::Forecast
                | AlertKind::ReloadMissed
                | AlertKind::KeyExpiresInAWeek
                | AlertKind::Spike
                | AlertKind::Overage
                | AlertKind::SignInEndsIn2Days => "dialog-warning",
                AlertKind::ResetReminder => "dialog-information",
                AlertKind::Critical
                | AlertKind::KeyRejected
                | AlertKind::KeyExpiresTomorrow
                | AlertKind::SignInEnded
                | AlertKind::SignInEndsTomorrow => "dialog-error",
            });
            n.urgency(match alert.kind {
                AlertKind::Low
                | AlertKind::Forecast
                | AlertKind::ReloadMissed
                | AlertKind::KeyExpiresInAWeek
                | AlertKind::Overage
                | AlertKind::ResetReminder
                | AlertKind::SignInEndsIn2Days => notify_rust::Urgency::Normal,
                AlertKind::Spike => notify_rust::Urgency::Critical,
                AlertKind::Critical
                | AlertKind::KeyRejected
                | AlertKind::KeyExpiresTomorrow
                | AlertKind::SignInEnded
                | AlertKind::SignInEndsTomorrow => notify_rust::Urgency::Critical,
            });
            let site = site_for(alert.kind);
            n.action(
                "default",
                match site {
                    Site::ApiKeys => "Open HeyGen API keys",
                    Site::HeyGenCli => "How to sign in with HeyGen's CLI",
                    _ => "Open HeyGen billing",
                },
            );
            let handle = n.show().map_err(|e| e.to_string())?;
            // Waits, on a small thread of its own, until the notification is clicked or
            // closed; it ends with the notification.
            let waiting = std::thread::Builder::new().name("notification".into()).stack_size(128 * 1024).spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        if let Err(e) = tauri_plugin_opener::open_url(site.url(), None::<&str>) {
                            tracing::error!("could not open {}: {e}", site.url());
                        }
                    }
                })
            });
            if let Err(e) = waiting {
                tracing::warn!("a click on the notification will not open anything: {e}");
            }
            Ok(())
        }
    })
    .await
    .map_err(|e| e.to_string())?
}
