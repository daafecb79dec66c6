//! One monitor per settings folder. The tray app and `heygen-tray watch` each hold
//! `.monitor.lock` in the settings folder while they run, with their process id and
//! role written in it, so a second monitor of the same folder is refused and told
//! which process holds it (two would poll twice and send every alert twice).
//! The lock is the operating system's: it ends with the process, however it ends.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

const FILE_NAME: &str = ".monitor.lock";

/// Which monitor holds a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The tray app (`heygen-tray-app`).
    TrayApp,
    /// `heygen-tray watch`.
    Watch,
}

impl Role {
    fn tag(self) -> &'static str {
        match self {
            Role::TrayApp => "tray-app",
            Role::Watch => "watch",
        }
    }

    /// How a user would name it.
    pub fn words(self) -> &'static str {
        match self {
            Role::TrayApp => "the tray app",
            Role::Watch => "`heygen-tray watch`",
        }
    }
}

/// The folder's lock, held until dropped.
#[derive(Debug)]
pub struct Claim {
    _file: File,
}

/// The monitor that holds the folder already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `None` when the lock file says nothing readable (a holder of an older version).
    pub role: Option<Role>,
    pub pid: Option<u32>,
    pub dir: PathBuf,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = self.role.map_or("another heygen-tray monitor", Role::words);
        match self.pid {
            Some(pid) => write!(f, "{who} (process {pid}) already watches the accounts of {}", self.dir.display()),
            None => write!(f, "{who} already watches the accounts of {}", self.dir.display()),
        }
    }
}

/// Why the folder could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum NotClaimed {
    #[error("{0}")]
    Held(Holder),
    #[error("the lock {path} could not be taken: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Claims the settings folder `dir` for a monitor of `role` (creating the folder).
pub fn claim(dir: &Path, role: Role) -> Result<Claim, NotClaimed> {
    let path = dir.join(FILE_NAME);
    let io_err = |source| NotClaimed::Io { path: path.clone(), source };
    crate::settings::create_private_dir(dir).map_err(io_err)?;
    let mut file = OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(io_err)?;
    match file.try_lock() {
        Ok(()) => {
            let said = format!("{} {}\n", std::process::id(), role.tag());
            file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(said.as_bytes())).map_err(io_err)?;
            Ok(Claim { _file: file })
        }
        Err(TryLockError::WouldBlock) => {
            let mut said = String::new();
            let _ = file.read_to_string(&mut said);
            let mut words = said.split_whitespace();
            let pid = words.next().and_then(|p| p.parse().ok());
            let role = match words.next() {
                Some("tray-app") => Some(Role::TrayApp),
                Some("watch") => Some(Role::Watch),
                _ => None,
            };
            Err(NotClaimed::Held(Holder { role, pid, dir: dir.to_path_buf() }))
        }
        Err(TryLockError::Error(e)) => Err(io_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_is_refused_with_the_holder_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path(), Role::Watch).unwrap();
        let Err(NotClaimed::Held(holder)) = claim(dir.path(), Role::TrayApp) else { panic!("claimed twice") };
        assert_eq!(holder.role, Some(Role::Watch));
        assert_eq!(holder.pid, Some(std::process::id()));
        assert!(holder.to_string().starts_with(&format!("`heygen-tray watch` (process {}) already watches", std::process::id())));
        drop(first);
        let second = claim(dir.path(), Role::TrayApp).unwrap();
        let Err(NotClaimed::Held(holder)) = claim(dir.path(), Role::Watch) else { panic!("claimed twice") };
        assert_eq!(holder.role, Some(Role::TrayApp));
        drop(second);
    }
}
