//! One demo per desktop session, beside the real app. The demo has its own settings
//! folder, so the real app's single-instance name is not its own: a running demo holds
//! an owner-only socket in `$XDG_RUNTIME_DIR` instead, and a second `--demo` asks it
//! over that socket to show its dashboard, then ends. Without `$XDG_RUNTIME_DIR` (or
//! Unix sockets) every `--demo` starts a demo.

#[cfg(unix)]
use std::time::Duration;

/// The word a second demo sends; a bare connection (the stale-socket probe of
/// `live::bind`) shows nothing.
#[cfg(unix)]
const SHOW: &[u8] = b"show dashboard\n";
#[cfg(unix)]
const SHOWN: &[u8] = b"shown\n";
/// How long a second demo waits for the running one to answer.
#[cfg(unix)]
const ANSWER: Duration = Duration::from_secs(5);

/// What `--demo` found.
pub enum Claim {
    /// This process is the session's demo (the socket, while it runs, if any).
    Mine(Presence),
    /// Another demo runs and was asked to show its dashboard (Unix sockets only).
    #[cfg_attr(not(unix), allow(dead_code))]
    Shown,
}

/// The running demo's socket; removed when dropped.
pub struct Presence {
    #[cfg(unix)]
    socket: Option<(std::os::unix::net::UnixListener, heygen_tray_core::live::Bound)>,
}

/// Becomes the session's demo, or hands over to the one that runs.
pub fn claim() -> Claim {
    #[cfg(unix)]
    if let Some(path) = heygen_tray_core::live::runtime_file("heygen-tray-demo.sock") {
        match heygen_tray_core::live::bind(&path) {
            Ok(bound) => return Claim::Mine(Presence { socket: Some(bound) }),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => match ask(&path) {
                Ok(()) => return Claim::Shown,
                Err(e) => tracing::warn!("a demo seems to run but did not answer ({e}); starting another"),
            },
            Err(e) => tracing::warn!("the demo's socket {} could not be made ({e}); a second --demo will start another", path.display()),
        }
    }
    Claim::Mine(Presence {
        #[cfg(unix)]
        socket: None,
    })
}

/// Asks the demo serving on `path` to show its dashboard and waits for its answer.
#[cfg(unix)]
fn ask(path: &std::path::Path) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    stream.set_read_timeout(Some(ANSWER))?;
    stream.set_write_timeout(Some(ANSWER))?;
    stream.write_all(SHOW)?;
    let mut answer = [0u8; 16];
    let n = stream.read(&mut answer)?;
    if answer[..n] == *SHOWN {
        Ok(())
    } else {
        Err(std::io::Error::other("no answer"))
    }
}

impl Presence {
    /// Shows the dashboard (`show`) whenever a second demo asks, until the runtime ends.
    pub fn serve(&self, show: impl Fn() + Send + Sync + 'static) {
        #[cfg(unix)]
        if let Some(listener) = self.socket.as_ref().and_then(|(l, _)| l.try_clone().ok()) {
            tauri::async_runtime::spawn(async move {
                if let Err(e) = serve(listener, show).await {
                    tracing::warn!("the demo stopped answering a second --demo: {e}");
                }
            });
        }
        #[cfg(not(unix))]
        let _ = show;
    }
}

#[cfg(unix)]
async fn serve(listener: std::os::unix::net::UnixListener, show: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    listener.set_nonblocking(true)?;
    let listener = tokio::net::UnixListener::from_std(listener)?;
    loop {
        let (mut stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("demo socket: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        // Only this user reaches the socket: it is 0600 in the user's own runtime folder.
        let mut word = [0u8; 32];
        let read = tokio::time::timeout(ANSWER, stream.read(&mut word)).await;
        if matches!(read, Ok(Ok(n)) if word[..n] == *SHOW) {
            tracing::info!("another --demo: showing the demo's dashboard");
            show();
            let _ = stream.write_all(SHOWN).await;
        }
    }
}
