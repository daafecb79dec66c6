//! The settings file on disk: read, written and, only as a last resort, set aside.
//!
//! Written atomically (temp file, fsync, rename) under an exclusive lock so the app and
//! a CLI command never lose each other's change. Other programs do not take that lock:
//! an editor that saves in place leaves the file empty or half-written for a moment, so
//! a file that cannot be parsed is read again for [`Store::settle`] before it counts as
//! damaged. Even then only a writer that asked for it ([`Store::update`]) moves it aside
//! (never deletes it); readers ([`Store::load`]) and background writers
//! ([`Store::update_if_usable`]) leave it as it is and say so. Anything but a regular
//! file (a FIFO, a device) is refused without being opened for a blocking read, and no
//! lock is waited for without a bound.

use super::{validate, Settings, FILE_NAME, SCHEMA_VERSION};
use chrono::Utc;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const APP_DIR: &str = "heygen-tray";
/// How long a file that cannot be parsed is read again before it counts as damaged.
pub const SETTLE: Duration = Duration::from_secs(2);
/// How long a writer waits for another process's settings lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);
/// How long a reader waits for the lock before it reads without it.
const READ_LOCK_WAIT: Duration = Duration::from_secs(2);

/// The settings file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("could not save settings to {path}: {source}; nothing was changed (check that the folder can be written and the disk is not full)")]
pub struct SaveError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// The settings file and its lock.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    settle: Duration,
}

/// What loading found, besides the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub settings: Settings,
    /// Words for the user when the file could not be used (kept as it was, or set aside).
    pub notice: Option<String>,
    /// False when a file is there that could not be used and was left as it is: the
    /// settings are defaults, not the user's, so a caller keeps what it had.
    pub usable: bool,
}

impl Loaded {
    /// The settings, or the notice when the file could not be used (for a command,
    /// which then stops instead of acting on defaults that are not the user's).
    pub fn into_usable(self) -> Result<Settings, String> {
        match self.usable {
            true => Ok(self.settings),
            false => Err(self.notice.unwrap_or_else(|| "the settings file could not be used".into())),
        }
    }
}

/// Why the file on disk could not be used.
#[derive(Debug, Clone, PartialEq)]
enum Unusable {
    /// Its content: damaged, no schema, a newer schema, invalid. May be set aside.
    Content(String),
    /// It could not be read at all (not a regular file, permissions). Never set aside.
    Unreadable(String),
}

impl Store {
    /// `$XDG_CONFIG_HOME/heygen-tray` (or the platform's equivalent).
    pub fn default_location() -> Store {
        let base = dirs::config_dir().unwrap_or_else(|| PathBuf::from("."));
        Store::at(base.join(APP_DIR))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into(), settle: SETTLE }
    }

    /// The same store, reading an unparsable file again for `settle` (tests).
    pub fn settling_for(mut self, settle: Duration) -> Store {
        self.settle = settle;
        self
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// The folder of the settings file (and of the app's other state).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads the settings. Never fails and never changes the file: one that cannot be
    /// used comes back as defaults with `usable: false` and a notice. Creates nothing
    /// when there is no settings file yet.
    pub fn load(&self) -> Loaded {
        if fs::symlink_metadata(self.path()).is_err() {
            return Loaded { settings: Settings::default(), notice: None, usable: true };
        }
        // A folder this process cannot write (read-only, full, the lock file not ours),
        // or a lock held too long: the file is only ever replaced whole by this app, so
        // reading it without the lock still sees one complete version of ours.
        let _guard =
            self.lock_within(READ_LOCK_WAIT, ".settings.lock").map_err(|e| tracing::debug!("settings read without their lock ({e})"));
        match self.read_settled() {
            Ok(settings) => Loaded { settings, notice: None, usable: true },
            Err(why) => Loaded { settings: Settings::default(), notice: Some(self.left_alone(&why)), usable: false },
        }
    }

    /// Reads, changes and writes the settings under the lock, so concurrent writers
    /// (the app and the CLI) each see the other's change. A file that stays damaged is
    /// set aside (said in the notice) and the change made to the defaults: for changes
    /// the user asked for. Returns the new settings.
    pub fn update<T>(&self, change: impl FnOnce(&mut Settings) -> T) -> Result<(Settings, T, Option<String>), SaveError> {
        self.update_with(true, change)
    }

    /// As [`Store::update`], but a file that cannot be used is left as it is and the
    /// change is not made (an error): for what the app saves by itself (alert memory,
    /// link stamps), which must never replace the user's file with defaults.
    pub fn update_if_usable<T>(&self, change: impl FnOnce(&mut Settings) -> T) -> Result<(Settings, T), SaveError> {
        self.update_with(false, change).map(|(s, t, _)| (s, t))
    }

    fn update_with<T>(
        &self,
        may_set_aside: bool,
        change: impl FnOnce(&mut Settings) -> T,
    ) -> Result<(Settings, T, Option<String>), SaveError> {
        let err = |source| SaveError { path: self.path(), source };
        let _guard = self.lock_within(LOCK_WAIT, ".settings.lock").map_err(err)?;
        let (mut settings, notice) = match self.read_settled() {
            Ok(s) => (s, None),
            Err(Unusable::Content(why)) if may_set_aside => (Settings::default(), Some(self.set_aside(&why))),
            Err(why) => return Err(err(io::Error::other(self.left_alone(&why)))),
        };
        let out = change(&mut settings);
        settings.schema_version = SCHEMA_VERSION;
        self.write_unlocked(&settings).map_err(err)?;
        Ok((settings, out, notice))
    }

    /// The lock every process of this user takes to renew or store OAuth tokens, so a
    /// refresh token is used once and a removed account is never written back.
    /// Waits at most [`LOCK_WAIT`]; held until the guard drops.
    pub fn token_lock(&self) -> io::Result<impl Send> {
        self.lock_within(LOCK_WAIT, ".tokens.lock")
    }

    /// The lock an account change (add, replace, remove, import) holds across both
    /// stores, taken before the token lock. Waits at most [`LOCK_WAIT`].
    pub fn accounts_lock(&self) -> io::Result<impl Send> {
        self.lock_within(LOCK_WAIT, ".accounts.lock")
    }

    /// Takes a lock file in the settings folder, waiting at most `wait` for another
    /// process (or thread) that holds it.
    fn lock_within(&self, wait: Duration, name: &str) -> io::Result<FileLock> {
        create_private_dir(&self.dir)?;
        let path = self.dir.join(name);
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock(file)),
                Err(fs::TryLockError::Error(e)) => return Err(e),
                Err(fs::TryLockError::WouldBlock) if Instant::now() >= deadline => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("another heygen-tray process has held {} for over {} s", path.display(), wait.as_secs()),
                    ))
                }
                Err(fs::TryLockError::WouldBlock) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
            }
        }
    }

    /// Reads the file, again and again for `settle` while its content cannot be used
    /// (an editor saving in place). A missing file is the defaults.
    fn read_settled(&self) -> Result<Settings, Unusable> {
        let deadline = Instant::now() + self.settle;
        loop {
            match self.read_once() {
                Err(Unusable::Content(why)) if Instant::now() < deadline => {
                    tracing::debug!("settings file not usable yet ({why}); reading it again");
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn read_once(&self) -> Result<Settings, Unusable> {
        let bytes = match read_regular(&self.path()) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(Unusable::Unreadable(format!("it could not be read ({e})"))),
        };
        parse(&bytes).map_err(Unusable::Content)
    }

    /// The notice for a file that could not be used and was left as it is.
    fn left_alone(&self, why: &Unusable) -> String {
        let (Unusable::Content(why) | Unusable::Unreadable(why)) = why;
        let notice = format!(
            "The settings file {} could not be used because {why}. It was left as it is and nothing was changed; fix or remove it (accounts' keys are still in the keyring).",
            self.path().display()
        );
        tracing::warn!("{notice}");
        notice
    }

    /// Moves an unusable file aside as `settings.json.bad-<time>`; returns the notice.
    fn set_aside(&self, why: &str) -> String {
        let path = self.path();
        let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let aside = self.dir.join(format!("{FILE_NAME}.bad-{stamp}"));
        let notice = match fs::rename(&path, &aside) {
            Ok(()) => format!(
                "The settings file {} could not be used because {why}. It was kept as {} and default settings are in use; accounts need to be added again (their keys are still in the keyring).",
                path.display(),
                aside.display()
            ),
            Err(e) => format!("The settings file {} could not be used because {why}, and could not be moved aside ({e}). Default settings are in use.", path.display()),
        };
        tracing::warn!("{notice}");
        notice
    }

    /// The newest file set aside in this folder (`settings.json.bad-…`), so a process
    /// that did not set it aside itself (the tray, after a command) can say so.
    pub fn newest_set_aside(&self) -> Option<PathBuf> {
        let prefix = format!("{FILE_NAME}.bad-");
        fs::read_dir(&self.dir)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .max_by_key(|e| e.file_name())
            .map(|e| e.path())
    }

    fn write_unlocked(&self, settings: &Settings) -> io::Result<()> {
        let path = self.path();
        let tmp = self.dir.join(format!(".{FILE_NAME}.tmp-{}", std::process::id()));
        let json = serde_json::to_vec_pretty(settings).map_err(io::Error::other)?;
        let result = (|| {
            let mut f = private_file(&tmp)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            replace(&tmp, &path)?;
            // Make the rename itself durable.
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }
}

/// Renames `tmp` over `path`. On Windows a rename over a file another process has
/// open (a reader, an editor, an indexer, an antivirus scan) fails with "access
/// denied" until it closes the file, usually within moments: tried again for up to 2 s.
fn replace(tmp: &Path, path: &Path) -> io::Result<()> {
    let mut tries = 0;
    loop {
        match fs::rename(tmp, path) {
            Err(e) if cfg!(windows) && e.kind() == io::ErrorKind::PermissionDenied && tries < 40 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            result => return result,
        }
    }
}

/// The settings a file's bytes hold, or why they cannot be used.
fn parse(bytes: &[u8]) -> Result<Settings, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("it is damaged ({e})"))?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v > SCHEMA_VERSION as u64 => {
            return Err(format!("it was written by a newer version of heygen-tray (schema {v}, this one reads {SCHEMA_VERSION})"))
        }
        Some(_) => {}
        None => return Err("it has no schema version".into()),
    }
    let settings = serde_json::from_value::<Settings>(value).map_err(|e| format!("it is damaged ({e})"))?;
    validate(&settings)?;
    Ok(settings)
}

/// Reads a file that must be a regular one, without ever blocking on a FIFO or a
/// device: it is opened non-blocking and refused unless it is a regular file.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | libc::O_NOCTTY);
    let mut file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{} is not a regular file", path.display())));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

struct FileLock(File);

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// 0700 on Unix. On Windows the folder, under the user's profile (%APPDATA%), inherits
/// its ACL: only the user, SYSTEM and administrators can open it; no mode to set.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A new file only this user can read. Whatever stands at `path` (a stale temp file,
/// or a symlink planted by someone else) is removed, never followed or reused.
fn private_file(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
