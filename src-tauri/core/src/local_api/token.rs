//! The local API's bearer token: 32 random bytes as hex, made on first use in a file
//! only this user can read (`$XDG_STATE_HOME/heygen-tray/api-token`), which Prometheus
//! reads with `credentials_file`. `heygen-tray token` prints it.

use crate::secret::Secret;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

const FILE_NAME: &str = "api-token";

/// Where the token lives: the user's state folder (`~/.local/state/heygen-tray`),
/// else the data folder.
pub fn default_path() -> PathBuf {
    dirs::state_dir().or_else(dirs::data_dir).unwrap_or_else(|| PathBuf::from(".")).join("heygen-tray").join(FILE_NAME)
}

/// The token in `path`, made there first when there is none. A file that others can
/// read is made owner-only again (and said); an empty or unreadable one is an error
/// (never replaced: a scraper may be configured with it).
pub fn load_or_create(path: &Path) -> io::Result<Secret> {
    match read(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    if let Some(dir) = path.parent() {
        crate::settings::create_private_dir(dir)?;
    }
    let token: String = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{token}\n").as_bytes())?;
            file.sync_all()?;
            Ok(Secret::new(token))
        }
        // Another process made it meanwhile: its token it is.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(e),
    }
}

fn read(path: &Path) -> io::Result<Secret> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other(format!("{} is not a regular file", path.display())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!("{} could be read by others: made owner-only", path.display());
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(4096).read_to_string(&mut text)?;
    let token = text.trim();
    if token.len() < 16 {
        return Err(io::Error::other(format!("{} holds no usable token (remove it to make a new one)", path.display())));
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_made_once_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join(FILE_NAME);
        let made = load_or_create(&path).unwrap();
        assert_eq!(made.expose().len(), 64);
        assert_eq!(load_or_create(&path).unwrap().expose(), made.expose());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            load_or_create(&path).unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "\n").unwrap();
        assert!(load_or_create(&path).unwrap_err().to_string().contains("no usable token"));
    }
}
