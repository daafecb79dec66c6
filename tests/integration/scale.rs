//! A heavy user's files: a long history exported with bounded memory, and a settings
//! folder that cannot be written still lists its accounts.

use crate::support::{require_session, stderr, stdout, unique, Home};
use chrono::{Duration, Utc};
use heygen_tray_core::history::{History, Sample};
use std::process::Stdio;

/// `rows` raw samples over as many 5-minute steps, spread over `accounts` accounts.
fn long_history(home: &Home, accounts: usize, rows: usize) {
    let path = home.history_path();
    let (h, _) = History::open(&path).unwrap();
    let start = Utc::now() - Duration::minutes(5 * (rows / accounts) as i64);
    let batch: Vec<Sample> = (0..rows)
        .map(|i| Sample {
            account: format!("account-{:02}", i % accounts),
            at: start + Duration::minutes(5 * (i / accounts) as i64),
            remaining: 1000.0 - (i / accounts) as f64 * 0.01,
            unit: "usd".into(),
            spent: 0.01,
            added: 0.0,
        })
        .collect();
    h.append(&batch).unwrap();
}

/// Runs the command line and returns its output and its peak resident memory
/// (VmHWM), read while it waits on a full pipe: at the first write (an exporter that
/// loads every row first has them all in memory by then) and every few MiB after.
/// (`wait4`'s maxrss would count the test binary's own pages, which the forked child
/// holds until it execs.)
fn run_measured(home: &Home, args: &[&str]) -> (std::process::Output, u64) {
    use std::io::Read;
    let mut child = home.command(&[], args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let hwm = || -> Option<u64> {
        let status = std::fs::read_to_string(&status_file).ok()?;
        let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse::<u64>().ok()?;
        Some(kb * 1024)
    };
    let mut out = child.stdout.take().unwrap();
    let (mut stdout, mut buf, mut peak, mut next_look) = (Vec::new(), vec![0u8; 64 * 1024], 0u64, 1usize);
    loop {
        if stdout.len() >= next_look {
            // The child fills the pipe and waits: it is alive, and as full as it gets.
            std::thread::sleep(std::time::Duration::from_millis(150));
            peak = peak.max(hwm().unwrap_or(0));
            next_look = stdout.len() + (4 << 20);
        }
        match out.read(&mut buf).unwrap() {
            0 => break,
            n => stdout.extend_from_slice(&buf[..n]),
        }
    }
    let mut stderr = Vec::new();
    child.stderr.take().unwrap().read_to_end(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(peak > 0, "the memory of {args:?} was never read");
    (std::process::Output { status, stdout, stderr }, peak)
}

#[test]
fn exporting_a_long_history_streams_with_bounded_memory() {
    let home = Home::new("http://127.0.0.1:9");
    long_history(&home, 10, 400_000);
    let (out, peak) = run_measured(&home, &["history", "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    assert_eq!(csv.lines().count(), 400_001, "a header and every row");
    assert!(csv.starts_with("account,at,remaining,unit,spent,added\naccount-00,"));
    eprintln!("history --csv of 400,000 rows: peak {:.1} MiB", peak as f64 / 1048576.0);
    // Holding the rows would take well over 40 MiB here; streaming needs a few.
    assert!(peak < 30 << 20, "peak resident memory {:.1} MiB", peak as f64 / 1048576.0);

    let (out, peak) = run_measured(&home, &["history", "account-03", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 40_000);
    assert!(peak < 30 << 20, "peak resident memory {:.1} MiB", peak as f64 / 1048576.0);
}

#[test]
fn a_settings_folder_that_cannot_be_written_lists_its_accounts_and_add_says_why() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    let name = unique("ro");
    let out = home.run(&[], &["accounts", "add", &name, "--no-verify"], Some("hg_ro_key_for_a_test"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = home.settings_path().parent().unwrap().to_path_buf();
    // Read-only for this user: for root (who ignores permissions) a read-only mount, a
    // bind mount or else a read-only tmpfs holding the same files; never skipped.
    let root = unsafe { libc::geteuid() } == 0;
    let mounted = root && read_only_mount(&dir);
    let unmount = || {
        let _ = std::process::Command::new("umount").arg(&dir).status();
    };
    assert!(mounted || !root, "root could not make {} read-only (neither a bind mount nor a tmpfs)", dir.display());
    if !mounted {
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    }
    assert!(std::fs::write(dir.join("probe"), "x").is_err(), "the folder is still writable");
    let list = home.run(&[], &["accounts", "list", "--json"], None);
    let other = unique("ro-other");
    let add = home.run(&[], &["accounts", "add", &other, "--no-verify"], Some("hg_ro_other_key"));
    if mounted {
        unmount();
    } else {
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(listed["accounts"][0]["name"], serde_json::json!(name), "{listed}");
    assert_eq!(add.status.code(), Some(3), "{}", stderr(&add));
    assert!(stderr(&add).contains("could not save settings") && stderr(&add).contains("can be written"), "{}", stderr(&add));
    let after = home.run(&[], &["accounts", "list", "--json"], None);
    let after: serde_json::Value = serde_json::from_str(&stdout(&after)).unwrap();
    assert_eq!(after["accounts"].as_array().unwrap().len(), 1, "nothing half-added: {after}");
    assert!(crate::support::keyring_items(&other).is_empty(), "no key left behind in the keyring");
    home.run(&[], &["accounts", "remove", &name], None);
}

/// Makes `dir` read-only with a mount: a read-only bind mount of itself, or, where that
/// is refused, a tmpfs with a copy of its files, remounted read-only.
fn read_only_mount(dir: &std::path::Path) -> bool {
    let mount = |args: &[&str], target: &std::path::Path| {
        std::process::Command::new("mount").args(args).arg(target).status().is_ok_and(|s| s.success())
    };
    let bound = std::process::Command::new("mount").args(["--bind", "-o", "ro"]).arg(dir).arg(dir).status().is_ok_and(|s| s.success())
        && mount(&["-o", "remount,ro,bind"], dir);
    if bound {
        return true;
    }
    let _ = std::process::Command::new("umount").arg(dir).status();
    let copy = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        std::fs::copy(e.path(), copy.path().join(e.file_name())).unwrap();
    }
    if !mount(&["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs"], dir) {
        return false;
    }
    for e in std::fs::read_dir(copy.path()).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    mount(&["-o", "remount,ro"], dir) || {
        let _ = std::process::Command::new("umount").arg(dir).status();
        false
    }
}
