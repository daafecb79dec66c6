//! Demo mode: simulated accounts and a week of made-up history, so a new user sees
//! the tray, the windows, the chart and the alerts without a key. The simulator is
//! the command line's (`heygen-tray simulator`), run as a child that ends with the app;
//! settings and history live in a fresh private folder removed when the demo ends.

use heygen_tray_core::api::{ApiBase, Credential};
use heygen_tray_core::history::History;
use heygen_tray_core::poller::AccountConfig;
use heygen_tray_core::secret::Secret;
use heygen_tray_core::sign_in::SignIn;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The demo's simulated accounts: a wallet that drains within a minute, a creator
/// plan and a usage-based account.
pub fn configs() -> Vec<AccountConfig> {
    let config = AccountConfig::new;
    // The creator plan is signed in the way HeyGen's CLI signs in: for about 10 days.
    let sign_in = SignIn {
        expires_at: Some(chrono::Utc::now() + chrono::Duration::days(8)),
        renewable: false,
        linked: Some(heygen_tray_core::heygen_cli::credentials_path()),
        username: Some("sam_creator".into()),
    };
    vec![
        config("Demo wallet", Credential::ApiKey(Secret::new("sim-drain-key"))),
        AccountConfig { sign_in: Some(sign_in), ..config("Demo creator plan", Credential::OAuth(Secret::new("sim-oauth-token"))) },
        config("Demo usage", Credential::ApiKey(Secret::new("sim-usage-key"))),
    ]
}

/// A week of made-up history for the demo accounts, so the chart and the forecast
/// show at once: steady spending with a top-up on the wallet three days ago.
pub fn seed_history(h: &History, now: chrono::DateTime<chrono::Utc>) {
    for hours_ago in (1..=168i64).rev() {
        let at = now - chrono::Duration::hours(hours_ago);
        let wallet = if hours_ago > 72 { 12.0 + 0.45 * (hours_ago - 72) as f64 } else { 12.0 + 0.55 * hours_ago as f64 };
        let _ = h.record("Demo wallet", at, (wallet * 100.0).round() / 100.0, "usd");
        let _ = h.record("Demo creator plan", at, 200.0 + (hours_ago / 3) as f64, "credits");
        let _ = h.record("Demo usage", at, 57.5 + 0.2 * hours_ago as f64, "usd");
    }
}

/// A running demo: the simulator child and the demo's private folder.
pub struct Demo {
    pub base: ApiBase,
    child: Child,
    dir: tempfile::TempDir,
}

impl Demo {
    /// Starts `heygen-tray simulator` from this app's folder on a free loopback port.
    pub fn start() -> Result<Demo, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let cli = exe.with_file_name(format!("heygen-tray{}", std::env::consts::EXE_SUFFIX));
        let mut folder = tempfile::Builder::new();
        folder.prefix("heygen-tray-demo-");
        // Elsewhere the temp folder is the user's own (%TEMP% under the profile).
        #[cfg(unix)]
        folder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = folder.tempdir().map_err(|e| format!("no private temporary folder: {e}"))?;
        let mut child = Command::new(&cli)
            .args(["simulator", "--port", "0", "--until-stdin-closes"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{} could not run: {e}", cli.display()))?;
        // The first line names the address: "HeyGen API simulator on http://127.0.0.1:PORT".
        let mut line = String::new();
        let read = child.stdout.take().map(|out| std::io::BufReader::new(out).read_line(&mut line));
        let url = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
        match (read, ApiBase::parse(&url)) {
            (Some(Ok(n)), Ok(base)) if n > 0 => Ok(Demo { base, child, dir }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the simulator ({}) did not say where it listens", cli.display()))
            }
        }
    }

    /// The demo's settings (and history) folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
