//! One account in two stores (the real keyring, the settings file) changed by several
//! processes, in the shapes users have: an editor that saves the file in place while
//! commands read it, a full settings folder, add and remove of one name at once, a
//! FIFO where a file should be. Nothing is lost, and "nothing was changed" is true.

use crate::cli_link::write_credentials;
use crate::support::{keyring_items, require_session, sim, stderr, stdout, unique, Home};
use serde_json::Value;
use std::io::Write;
use std::time::{Duration, Instant};

fn add(home: &Home, name: &str, key: &str) -> std::process::Output {
    home.run(&[], &["accounts", "add", name, "--no-verify"], Some(key))
}

fn set_aside_files(home: &Home) -> Vec<String> {
    let dir = home.settings_path().parent().unwrap().to_path_buf();
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".bad-"))
        .collect()
}

/// `accounts list` in a loop while an editor saves `settings.json` in place (truncate,
/// then write 30 ms later): every read sees the account, nothing is set aside.
#[test]
fn commands_reading_while_an_editor_saves_in_place_lose_nothing() {
    require_session();
    // Hundreds of processes on the keyring: not beside an app under test on two cores.
    let _no_app = crate::e2e::exclusive();
    let home = Home::new("http://127.0.0.1:9");
    let name = unique("edited");
    assert_eq!(add(&home, &name, "hg_edited_key_1234").status.code(), Some(0));
    let path = home.settings_path();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let editor = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut saves = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let content = std::fs::read(&path).unwrap();
                let mut f = std::fs::OpenOptions::new().write(true).truncate(true).open(&path).unwrap();
                std::thread::sleep(Duration::from_millis(30));
                f.write_all(&content).unwrap();
                saves += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            saves
        })
    };
    let started = Instant::now();
    let mut reads = 0;
    while started.elapsed() < Duration::from_secs(6) {
        let out = home.run(&[], &["accounts", "list", "--json"], None);
        assert_eq!(out.status.code(), Some(0), "read {reads}: {}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["accounts"][0]["name"], name.as_str(), "read {reads}: {v}");
        reads += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let saves = editor.join().unwrap();
    assert!(saves > 20 && reads > 5, "{saves} saves, {reads} reads");
    assert!(set_aside_files(&home).is_empty(), "{:?}", set_aside_files(&home));
    let _ = home.run(&[], &["accounts", "remove", &name], None);
}

/// A file that stays damaged: a reading command says so, exits 3 and leaves it; only a
/// change the user asks for sets it aside, and says where.
#[test]
fn a_damaged_file_is_left_by_readers_and_set_aside_only_by_a_change() {
    require_session();
    let home = Home::new("http://127.0.0.1:9");
    std::fs::create_dir_all(home.settings_path().parent().unwrap()).unwrap();
    std::fs::write(home.settings_path(), b"{\"schema_version\": 1, \"accounts\": [").unwrap();
    let out = home.run(&[], &["accounts", "list"], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("left as it is"), "{}", stderr(&out));
    assert!(set_aside_files(&home).is_empty());
    let out = home.run(&[], &["status"], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not be used"), "{}", stderr(&out));
    let out = home.run(&[], &["accounts", "set", "x", "--low", "5"], None);
    assert_eq!(out.status.code(), Some(3), "a threshold change does not replace the file: {}", stderr(&out));
    assert!(set_aside_files(&home).is_empty());
    let out = add(&home, "x", "hg_x_key_after_damage");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("kept as"), "{}", stderr(&out));
    assert_eq!(set_aside_files(&home).len(), 1);
    let _ = home.run(&[], &["accounts", "remove", "x"], None);
}

/// A settings folder on a full disk: adding, replacing and removing say nothing was
/// changed, and that is true in the keyring too.
#[test]
fn a_full_settings_folder_changes_nothing_in_the_keyring_either() {
    require_session();
    assert!(unsafe { libc::geteuid() } == 0 || std::env::var_os("CI").is_none(), "mounting a small tmpfs needs root");
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("note: not root: the full-disk part needs a tmpfs mount; skipped");
        return;
    }
    let home = Home::new("http://127.0.0.1:9");
    let dir = home.settings_path().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let mounted =
        std::process::Command::new("mount").args(["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs"]).arg(&dir).status().unwrap();
    assert!(mounted.success(), "root could not mount a tmpfs at {}", dir.display());
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(dir.clone());
    let (beta, gamma) = (unique("beta"), unique("gamma"));
    assert_eq!(add(&home, &beta, "hg_beta_old_key").status.code(), Some(0));
    assert_eq!(add(&home, &gamma, "hg_gamma_key").status.code(), Some(0));
    // Fill the folder to the last byte.
    let mut filler = std::fs::File::create(dir.join("filler")).unwrap();
    while filler.write_all(&[0u8; 4096]).is_ok() {}
    while filler.write_all(&[0u8; 1]).is_ok() {}
    let _ = filler.sync_all();

    let out = add(&home, &beta, "hg_beta_new_key");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing was changed"), "{}", stderr(&out));
    assert_eq!(keyring_items(&beta).into_iter().map(|i| i.1).collect::<Vec<_>>(), ["hg_beta_old_key"], "the replaced key is back");
    let fresh = unique("fresh");
    let out = add(&home, &fresh, "hg_fresh_key");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(keyring_items(&fresh).is_empty(), "a new account that was not saved leaves no key");
    let out = home.run(&[], &["accounts", "remove", &gamma], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing was changed"), "{}", stderr(&out));
    assert_eq!(keyring_items(&gamma).into_iter().map(|i| i.1).collect::<Vec<_>>(), ["hg_gamma_key"], "a failed remove keeps the key");

    // Room again: everything is as it was, and the changes go through.
    drop(filler);
    std::fs::remove_file(dir.join("filler")).unwrap();
    let out = home.run(&[], &["accounts", "list", "--json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in [&beta, &gamma] {
        assert_eq!(home.run(&[], &["accounts", "remove", name], None).status.code(), Some(0));
        assert!(keyring_items(name).is_empty());
    }
}

/// `accounts add` and `accounts remove` of one name from separate processes at once,
/// many times: afterwards the settings list the account exactly when the keyring
/// holds its key.
#[test]
fn add_and_remove_of_one_name_at_once_never_split_the_stores() {
    require_session();
    // Hundreds of processes on the keyring: not beside an app under test on two cores.
    let _no_app = crate::e2e::exclusive();
    let home = Home::new("http://127.0.0.1:9");
    let name = unique("raced");
    let spawn = |args: &[&str], input: Option<&str>| {
        let mut cmd = home.command(&[], args);
        cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(i) = input {
            let _ = stdin.write_all(i.as_bytes());
        }
        drop(stdin);
        child
    };
    for round in 0..60 {
        let key = format!("hg_raced_{round}");
        let adding = spawn(&["accounts", "add", &name, "--no-verify"], Some(&key));
        let removing = spawn(&["accounts", "remove", &name], None);
        for mut c in [adding, removing] {
            c.wait().unwrap();
        }
        let listed = std::fs::read_to_string(home.settings_path()).unwrap_or_default().contains(&format!("\"{name}\""));
        let keys = keyring_items(&name);
        assert_eq!(listed, !keys.is_empty(), "round {round}: in the settings: {listed}, in the keyring: {keys:?}");
    }
    let _ = home.run(&[], &["accounts", "remove", &name], None);
}

/// A FIFO where the settings file or a linked credentials file should be: commands
/// answer at once, saying so, instead of waiting for a writer that never comes.
#[test]
fn a_fifo_in_place_of_a_file_is_refused_at_once() {
    require_session();
    let sim = sim();
    let home = Home::new(&sim.base_url());
    let creds = home.heygen_cli_dir().join("credentials");
    write_credentials(&creds, "sim-oauth-token", chrono::Utc::now() + chrono::Duration::days(5), "sam_creator");
    let name = unique("fifo");
    let out = home.run(&[], &["accounts", "import-heygen-cli", "--name", &name], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fifo = |path: &std::path::Path| {
        std::fs::remove_file(path).unwrap();
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    };
    fifo(&creds);
    let started = Instant::now();
    let out = home.run(&[], &["status", "--json"], None);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
    assert!(stdout(&out).contains("sam_creator"), "the stored sign-in serves: {}", stdout(&out));
    let settings = home.settings_path();
    let kept = std::fs::read(&settings).unwrap();
    fifo(&settings);
    let started = Instant::now();
    let out = home.run(&[], &["accounts", "list"], None);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a regular file"), "{}", stderr(&out));
    std::fs::remove_file(&settings).unwrap();
    std::fs::write(&settings, kept).unwrap();
    let _ = home.run(&[], &["accounts", "remove", &name], None);
}
