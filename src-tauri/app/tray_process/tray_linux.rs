//! The Linux tray: a StatusNotifierItem (ksni) that serves `ToolTip`, `Title`,
//! `Activate` (left click opens the dashboard) and a dbusmenu. Tauri's own tray on
//! Linux has no tooltip and no click, so it is not used here.

use super::{actions, TrayProcess};
use crate::webview::Page;
use chrono::{DateTime, Utc};
use heygen_tray_core::snapshot::AccountSnapshot;
use heygen_tray_core::snapshot::IconState;
use heygen_tray_core::tray_icon::{Drawn, Pixels};
use heygen_tray_core::view::{tray_view_with, Forecasts, TrayOptions, TrayView};
use ksni::menu::{StandardItem, SubMenu};
use ksni::{MenuItem, ToolTip, TrayMethods};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tauri::AppHandle;

pub struct Tray {
    app: AppHandle,
    tray: Arc<TrayProcess>,
    snaps: Vec<AccountSnapshot>,
    forecasts: Forecasts,
    paused_until: Option<DateTime<Utc>>,
    options: TrayOptions,
    /// The drawn icon (figure or gauge), redrawn only when what it shows changes.
    drawn: Drawn,
    /// `drawn` as the pixmaps the host reads; empty: the plain icon.
    pixmaps: Vec<ksni::Icon>,
}

pub type Handle = ksni::Handle<Tray>;

impl Tray {
    fn view(&self) -> TrayView {
        tray_view_with(&self.snaps, &self.forecasts, self.paused_until, Utc::now(), &self.options)
    }

    /// Brings the drawn icon up to date with the view.
    fn redraw(&mut self) {
        match self.view().drawing {
            Some(d) => {
                if self.drawn.update(&d, super::icons::panel_theme()) {
                    tracing::debug!("tray icon redrawn: {d:?}");
                    self.pixmaps = self.drawn.pixels().iter().map(argb).collect();
                }
            }
            None => {
                self.drawn.clear();
                self.pixmaps.clear();
            }
        }
    }
}

/// dbusmenu labels treat `_` as a mnemonic marker: double it to show it.
fn label(text: &str) -> String {
    text.replace('_', "__")
}

fn item(text: &str, activate: impl Fn(&mut Tray) + Send + 'static) -> MenuItem<Tray> {
    StandardItem { label: label(text), activate: Box::new(activate), ..Default::default() }.into()
}

impl ksni::Tray for Tray {
    fn id(&self) -> String {
        "heygen-tray".into()
    }

    fn title(&self) -> String {
        let v = self.view();
        if v.title.is_empty() {
            "HeyGen Tray".into()
        } else {
            v.title
        }
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        if !self.pixmaps.is_empty() {
            return self.pixmaps.clone();
        }
        icons().get(&self.view().icon).cloned().unwrap_or_default()
    }

    fn tool_tip(&self) -> ToolTip {
        let v = self.view();
        // A StatusNotifierItem tooltip may be read as markup by the tray host.
        let description = heygen_tray_core::text::escape_markup(&v.tooltip_lines.join("\n"));
        ToolTip { title: v.tooltip_title, description, ..Default::default() }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        actions::open_window(&self.tray, Page::Dashboard);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let v = self.view();
        let mut menu: Vec<MenuItem<Self>> =
            v.account_lines.iter().map(|l| item(l, |t: &mut Tray| actions::open_window(&t.tray, Page::Dashboard))).collect();
        menu.push(MenuItem::Separator);
        menu.push(item("Refresh now", |t: &mut Tray| actions::refresh(&t.tray, None)));
        menu.push(item("Open dashboard", |t: &mut Tray| actions::open_window(&t.tray, Page::Dashboard)));
        menu.push(item("Settings…", |t: &mut Tray| actions::open_window(&t.tray, Page::Settings)));
        menu.push(item("Open HeyGen billing", |t: &mut Tray| actions::open_link(&t.tray, actions::Link::Billing)));
        let mut pause = vec![
            item("For 1 hour", |t: &mut Tray| actions::pause(&t.tray, actions::Pause::OneHour)),
            item("Until tomorrow", |t: &mut Tray| actions::pause(&t.tray, actions::Pause::UntilTomorrow)),
        ];
        if v.paused.is_some() {
            pause.push(item("Resume alerts", |t: &mut Tray| actions::pause(&t.tray, actions::Pause::Resume)));
        }
        let pause_label = v.paused.clone().unwrap_or_else(|| "Pause alerts".into());
        menu.push(SubMenu { label: label(&pause_label), submenu: pause, ..Default::default() }.into());
        menu.push(MenuItem::Separator);
        menu.push(item("Quit", |t: &mut Tray| t.app.exit(0)));
        menu
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::debug!("the tray host is gone: {reason:?}");
        super::tray_host::TrayHost::offline(&self.tray);
        true
    }

    fn watcher_online(&self) {
        self.tray.tray_host.online();
    }
}

/// Starts the tray; it shows up as soon as a tray host (StatusNotifierWatcher) is there.
pub fn start(app: &AppHandle, tray_process: Arc<TrayProcess>) -> Result<Handle, ksni::Error> {
    let tray = Tray {
        app: app.clone(),
        tray: tray_process,
        snaps: Vec::new(),
        forecasts: Forecasts::new(),
        paused_until: None,
        options: TrayOptions::default(),
        drawn: Drawn::default(),
        pixmaps: Vec::new(),
    };
    tauri::async_runtime::block_on(tray.assume_sni_available(true).spawn())
}

/// Hands the tray new figures; the host re-reads what changed (ksni sends only the
/// properties that differ, so an unchanged icon sends nothing).
pub async fn update(
    handle: &Handle,
    snaps: Vec<AccountSnapshot>,
    forecasts: Forecasts,
    paused_until: Option<DateTime<Utc>>,
    options: TrayOptions,
) {
    handle
        .update(move |t| {
            t.snaps = snaps;
            t.forecasts = forecasts;
            t.paused_until = paused_until;
            t.options = options;
            t.redraw();
        })
        .await;
}

/// RGBA to the ARGB32 (network byte order) pixmaps of the StatusNotifierItem spec.
fn argb(p: &Pixels) -> ksni::Icon {
    let mut data = p.rgba.clone();
    for px in data.chunks_exact_mut(4) {
        px.rotate_right(1);
    }
    ksni::Icon { width: p.size as i32, height: p.size as i32, data }
}

/// Icons for each state, 24 and 48 px, as ARGB32 pixmaps.
fn icons() -> &'static HashMap<IconState, Vec<ksni::Icon>> {
    static ICONS: OnceLock<HashMap<IconState, Vec<ksni::Icon>>> = OnceLock::new();
    ICONS.get_or_init(|| {
        super::icons::ALL.iter().map(|(state, pngs)| (*state, pngs.iter().filter_map(|png| pixmap(png)).collect())).collect()
    })
}

fn pixmap(png: &[u8]) -> Option<ksni::Icon> {
    let image = tauri::image::Image::from_bytes(png).ok()?;
    let mut data = image.rgba().to_vec();
    for px in data.chunks_exact_mut(4) {
        px.rotate_right(1); // RGBA -> ARGB
    }
    Some(ksni::Icon { width: image.width() as i32, height: image.height() as i32, data })
}
