//! The dashboard and settings webview windows, in whichever process shows them:
//! created on demand, destroyed when closed (so an idle app holds no webview), and
//! never opened on their own except Settings on a first run with no account.

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Dashboard,
    Settings,
}

impl Page {
    pub fn label(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard",
            Page::Settings => "settings",
        }
    }

    pub fn parse(s: &str) -> Option<Page> {
        match s {
            "dashboard" => Some(Page::Dashboard),
            "settings" => Some(Page::Settings),
            _ => None,
        }
    }
}

/// Said after a window that could not open, where the cause is usually known.
#[cfg(windows)]
pub const MISSING_HINT: &str =
    " (windows need Microsoft Edge WebView2: install the WebView2 Runtime from https://developer.microsoft.com/microsoft-edge/webview2/)";
#[cfg(not(windows))]
pub const MISSING_HINT: &str = "";

/// Shows the window, creating it if needed.
pub fn open(app: &AppHandle, page: Page) -> tauri::Result<()> {
    if let Some(w) = app.get_webview_window(page.label()) {
        w.unminimize()?;
        w.show()?;
        w.set_focus()?;
        return Ok(());
    }
    let (file, title, w, h): (&str, &str, f64, f64) = match page {
        Page::Dashboard => ("dashboard.html", "HeyGen balance", 460.0, 600.0),
        Page::Settings => ("settings.html", "HeyGen Tray settings", 560.0, 720.0),
    };
    // On a small screen (1366×768, panels and a title bar) the window fits in what is
    // left; its page scrolls, with the actions kept in view.
    let fits = app.primary_monitor().ok().flatten().map(|m| m.size().height as f64 / m.scale_factor().max(1.0) - 120.0);
    let h = fits.map_or(h, |room: f64| h.min(room).max(320.0));
    let mut builder = WebviewWindowBuilder::new(app, page.label(), WebviewUrl::App(file.into()))
        .title(title)
        .inner_size(w, h)
        .min_inner_size(340.0, 320.0)
        .resizable(true)
        .center();
    if let Ok(theme) = std::env::var("HEYGEN_TRAY_THEME") {
        builder = builder.theme(match theme.as_str() {
            "dark" => Some(tauri::Theme::Dark),
            "light" => Some(tauri::Theme::Light),
            _ => None,
        });
    }
    let window = builder.build()?;
    #[cfg(target_os = "linux")]
    load_again_when_the_page_process_ends(&window);
    #[cfg(not(target_os = "linux"))]
    drop(window);
    Ok(())
}

/// How many times a window loads its page again after its page process ended.
#[cfg(target_os = "linux")]
const RELOADS: u32 = 3;

/// WebKitGTK runs each page in a process of its own. Should that process end (it was
/// seen crashing as a window opened, which left the window blank and unreadable for
/// good), the page is loaded again in a new one, a few times at most.
#[cfg(target_os = "linux")]
fn load_again_when_the_page_process_ends(window: &tauri::WebviewWindow) {
    use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
    let label = window.label().to_string();
    let hooked = window.with_webview(move |platform| {
        let reloads = std::cell::Cell::new(0);
        platform.inner().connect_web_process_terminated(move |view, reason| {
            if matches!(reason, Reason::TerminatedByApi) || reloads.get() >= RELOADS {
                tracing::error!("the {label} window's page process ended ({reason:?}); not loading it again");
                return;
            }
            reloads.set(reloads.get() + 1);
            tracing::warn!("the {label} window's page process ended ({reason:?}): loading the page again");
            view.reload();
        });
    });
    if let Err(e) = hooked {
        tracing::warn!("could not watch the window's page process: {e}");
    }
}
