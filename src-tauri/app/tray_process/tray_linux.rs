//! The Linux tray: a StatusNotifierItem (ksni) that serves `ToolTip`, `Title`,
//! `Activate` (left click opens the dashboard) and a dbusmenu. Tauri's own tray on
//! Linux has no tooltip and no click, so it is not used here.

use super::{actions, TrayProcess};
use crate::webview::Page;
use chrono::Utc;
use heygen_tray_core::snapshot::IconState;
use heygen_tray_core::tray_icon::{Drawn, Pixels};
use heygen_tray_core::view::menu::Entry;
use heygen_tray_core::view::{tray_view_with, Forecasts, TrayOptions, TrayView};
use ksni::menu::{StandardItem, SubMenu};
use ksni::{MenuItem, ToolTip, TrayMethods};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use tauri::AppHandle;

pub struct Tray {
    tray: Arc<TrayProcess>,
    /// The latest frame's tray part: every property the host reads comes from it.
    view: TrayView,
    /// The drawn icon (figure or gauge), redrawn only when what it shows changes.
    drawn: Drawn,
    /// `drawn` as the pixmaps the host reads; empty: the plain icon.
    pixmaps: Vec<ksni::Icon>,
}

pub type Handle = ksni::Handle<Tray>;

impl Tray {
    /// Brings the drawn icon up to date with the view.
    fn redraw(&mut self) {
        match &self.view.drawing {
            Some(d) => {
                if self.drawn.update(d, super::icons::panel_theme()) {
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

fn items(entries: &[Entry]) -> Vec<MenuItem<Tray>> {
    entries
        .iter()
        .map(|e| match e {
            Entry::Item { label: text, action, .. } => {
                let action = *action;
                let activate = Box::new(move |t: &mut Tray| actions::perform(&t.tray, action));
                StandardItem { label: label(text), activate, ..Default::default() }.into()
            }
            Entry::Separator => MenuItem::Separator,
            Entry::Submenu { label: text, entries, .. } => {
                SubMenu { label: label(text), submenu: items(entries), ..Default::default() }.into()
            }
        })
        .collect()
}

impl ksni::Tray for Tray {
    fn id(&self) -> String {
        "heygen-tray".into()
    }

    fn title(&self) -> String {
        if self.view.title.is_empty() {
            "HeyGen Tray".into()
        } else {
            self.view.title.clone()
        }
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        if !self.pixmaps.is_empty() {
            return self.pixmaps.clone();
        }
        icons().get(&self.view.icon).cloned().unwrap_or_default()
    }

    fn tool_tip(&self) -> ToolTip {
        let v = &self.view;
        // A StatusNotifierItem tooltip may be read as markup by the tray host.
        let description = heygen_tray_core::text::escape_markup(&v.tooltip_lines.join("\n"));
        ToolTip { title: v.tooltip_title.clone(), description, ..Default::default() }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        actions::open_window(&self.tray, Page::Dashboard);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        items(&self.view.menu)
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::debug!("the tray host is gone: {reason:?}");
        super::tray_host::TrayHost::offline(&self.tray);
        true
    }

    fn watcher_online(&self) {
        super::tray_host::TrayHost::online(&self.tray);
    }
}

/// Starts the tray; it shows up as soon as a tray host (StatusNotifierWatcher) is there.
pub fn start(_app: &AppHandle, tray_process: Arc<TrayProcess>) -> Result<Handle, ksni::Error> {
    let tray = Tray {
        tray: tray_process,
        view: tray_view_with(&[], &Forecasts::new(), None, Utc::now(), &TrayOptions::default()),
        drawn: Drawn::default(),
        pixmaps: Vec::new(),
    };
    tauri::async_runtime::block_on(tray.assume_sni_available(true).spawn())
}

/// Hands the tray a new frame; the host re-reads what changed (ksni sends only the
/// properties that differ, so an unchanged icon sends nothing).
pub async fn update(handle: &Handle, view: TrayView) {
    handle
        .update(move |t| {
            t.view = view;
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
