//! The socket itself: the client (blocking, with a deadline) and the server (tokio).

use super::{LiveStatus, NotLive, MAX_ANSWER, VERSION};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn my_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The user of the process at the other end of a connected socket (Linux), if known.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn peer_uid(stream: &UnixStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of the sizes given.
    let rc = unsafe {
        libc::getsockopt(stream.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len)
    };
    (rc == 0).then_some(cred.uid)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn peer_uid(_: &UnixStream) -> Option<u32> {
    None
}

/// Asks the app serving on `path` for its figures, within `deadline`. A socket that
/// is not this user's, or an app that does not answer in time, is an error; the
/// caller then asks HeyGen itself.
pub fn ask(path: &Path, deadline: Duration) -> Result<LiveStatus, NotLive> {
    let start = Instant::now();
    let meta = std::fs::symlink_metadata(path).map_err(|_| NotLive::Absent(path.into()))?;
    if !meta.file_type().is_socket() || meta.uid() != my_uid() {
        return Err(NotLive::Foreign(path.into()));
    }
    let mut stream = UnixStream::connect(path).map_err(|_| NotLive::Absent(path.into()))?;
    if peer_uid(&stream).is_some_and(|uid| uid != my_uid()) {
        return Err(NotLive::Foreign(path.into()));
    }
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.checked_sub(start.elapsed()).filter(|d| !d.is_zero()).ok_or(NotLive::Timeout)?;
        stream.set_read_timeout(Some(left)).map_err(|e| NotLive::Unreadable(e.to_string()))?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&chunk[..n]);
                if answer.len() as u64 > MAX_ANSWER {
                    return Err(NotLive::Unreadable("too large".into()));
                }
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Err(NotLive::Timeout),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(NotLive::Unreadable(e.to_string())),
        }
    }
    let live: LiveStatus = serde_json::from_slice(&answer).map_err(|e| NotLive::Unreadable(e.to_string()))?;
    if live.version != VERSION {
        return Err(NotLive::Unreadable(format!("version {} (this command reads {VERSION})", live.version)));
    }
    Ok(live)
}

/// The socket file while the app serves; removed when dropped (unless another app
/// has replaced it meanwhile).
#[derive(Debug)]
pub struct Bound {
    path: PathBuf,
    inode: u64,
}

impl Drop for Bound {
    fn drop(&mut self) {
        if std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.ino() == self.inode) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates the socket, readable and writable by this user only. A leftover socket
/// of an app that ended is replaced; one that still answers is left to its app
/// (`AddrInUse`), and anything else at the path is not touched.
pub fn bind(path: &Path) -> io::Result<(UnixListener, Bound)> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() || meta.uid() != my_uid() {
            return Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{} is not this app's socket", path.display())));
        }
        if UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(io::ErrorKind::AddrInUse, format!("another app serves on {}", path.display())));
        }
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    let inode = std::fs::symlink_metadata(path)?.ino();
    Ok((listener, Bound { path: path.into(), inode }))
}

/// Answers every connection from this user with `current()`, until the runtime ends.
/// Accept errors (out of file descriptors) back off instead of spinning.
pub async fn serve(listener: UnixListener, current: impl Fn() -> LiveStatus + Send + 'static) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::UnixListener::from_std(listener)?;
    let mut pause = Duration::from_millis(50);
    loop {
        match listener.accept().await {
            Ok((mut stream, _)) => {
                pause = Duration::from_millis(50);
                if stream.peer_cred().map(|c| c.uid()).ok() != Some(my_uid()) {
                    continue;
                }
                let answer = serde_json::to_vec(&current()).unwrap_or_default();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&answer)).await;
                    let _ = stream.shutdown().await;
                });
            }
            Err(e) => {
                tracing::warn!("status socket: {e}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}
