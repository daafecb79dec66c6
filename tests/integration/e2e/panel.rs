//! The tray icon in a real tray host: Debian's xfce4-panel, whose systray plugin
//! shows StatusNotifierItems, on the session's Xvfb display. The drawn figure shows
//! in the panel in its level's colour and follows the figure; a new poll with the
//! same compact figure sends the host no new icon.

use super::desktop::Tray;
use super::{exclusive, stored_wallet, wait_for, wallet, App};
use crate::support::{require_session, sim, Home};
use heygen_tray_core::snapshot::IconState;
use heygen_tray_core::tray_icon::{colours, Theme};
use std::process::{Child, Command, Stdio};

/// xfconfd and xfce4-panel with one 32 px panel holding the systray (24 px icons).
struct Panel {
    children: Vec<Child>,
    _config: tempfile::TempDir,
}

impl Panel {
    fn start() -> Panel {
        let config = tempfile::tempdir().unwrap();
        let channel = config.path().join("xfce4/xfconf/xfce-perchannel-xml");
        std::fs::create_dir_all(&channel).unwrap();
        let template = include_str!("../../../scripts/xfce4-panel.xml.in");
        let xml = template.replace("@DARK@", "true").replace("@PANEL_SIZE@", "32").replace("@ICON_SIZE@", "24");
        std::fs::write(channel.join("xfce4-panel.xml"), xml).unwrap();
        let dir = config.path().to_path_buf();
        let spawn = move |cmd: &mut Command| cmd.env("XDG_CONFIG_HOME", &dir).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let xfconfd = spawn(&mut Command::new("/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd"));
        let mut panel = Panel { children: vec![xfconfd], _config: config };
        wait_for("xfconfd on the session bus", || super::bus_name_taken("org.xfce.Xfconf").then_some(()));
        let p = spawn(Command::new("xfce4-panel").arg("--disable-wm-check").env("GTK_THEME", "Adwaita:dark"));
        panel.children.push(p);
        wait_for("the xfce4-panel window", || {
            Command::new("xwininfo")
                .args(["-name", "xfce4-panel"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .ok()?
                .success()
                .then_some(())
        });
        panel
    }

    /// Pixels of the panel's left end (where the tray sits) in `colour` (give or take
    /// the host's scaling), from ImageMagick's text dump: `x,y: (…)  #…  srgb(r,g,b)`.
    fn pixels_of(&self, colour: [u8; 3]) -> usize {
        let out = Command::new("import").args(["-window", "root", "-crop", "200x32+0+0", "txt:-"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let inner = l.split("srgb(").nth(1)?.trim_end_matches(')');
                let rgb: Vec<u8> = inner.split(',').map(|v| v.trim().parse().ok()).collect::<Option<_>>()?;
                (rgb.len() == 3).then_some(())?;
                Some((0..3).map(|i| (rgb[i] as i32 - colour[i] as i32).abs()).max()? <= 16)
            })
            .filter(|near| *near)
            .count()
    }
}

impl Drop for Panel {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// NewIcon signals of every StatusNotifierItem on the session bus, counted by dbus-monitor.
struct NewIcons(Child, tempfile::NamedTempFile);

impl NewIcons {
    fn watch() -> NewIcons {
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new("dbus-monitor")
            .args(["--session", "type='signal',interface='org.kde.StatusNotifierItem',member='NewIcon'"])
            .stdout(log.reopen().unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        NewIcons(child, log)
    }

    fn count(&self) -> usize {
        std::fs::read_to_string(self.1.path()).unwrap_or_default().matches("member=NewIcon").count()
    }
}

impl Drop for NewIcons {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_figure_shows_in_xfce4_panel_in_its_colour_and_is_redrawn_only_when_it_changes() {
    require_session();
    let _one_app = exclusive();
    let panel = Panel::start();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let (name, _key) = stored_wallet(&sim, &home, "panel", "jane_doe", 42.5);
    let icons = NewIcons::watch();
    let app = App::start_binary(crate::support::cli_bin(), &home, &[], &[("HEYGEN_TRAY_PANEL", std::ffi::OsStr::new("dark"))]);
    let tray = Tray::of(app.pid());
    tray.wait_tooltip(&format!("{name}: $42.50"));
    let ok = colours(IconState::Ok, Theme::Dark).0;
    wait_for("the green $42 pill in the panel", || (panel.pixels_of(ok) > 30).then_some(()));

    // $42.10 draws the same "$42": the host is sent no new icon.
    let before = icons.count();
    assert!(before >= 1, "the figure was drawn");
    sim.set_profile(&name, wallet("jane_doe", 42.1));
    tray.refresh_until(&format!("{name}: $42.10"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(icons.count(), before, "no icon update for the same drawn figure");

    // $5 is low: a new icon, amber in the panel.
    sim.set_profile(&name, wallet("jane_doe", 5.0));
    tray.refresh_until(&format!("{name}: $5.00"));
    let low = colours(IconState::Low, Theme::Dark).0;
    wait_for("the amber $5 pill in the panel", || (panel.pixels_of(low) > 30).then_some(()));
    assert!(icons.count() > before);
    assert_eq!(tray.title(), "$5.00", "the title follows the figure");
    home.run(&[], &["accounts", "remove", &name], None);
}
