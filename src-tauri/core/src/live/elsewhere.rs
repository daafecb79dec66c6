//! Where there are no Unix sockets (Windows): the app serves nothing and `status`
//! asks HeyGen itself, as it does when no app runs. The same names as `unix`, so
//! callers need no `cfg` of their own.

use super::{LiveStatus, NotLive};
use std::io;
use std::path::Path;
use std::time::Duration;

/// Never made: nothing is ever bound here.
#[derive(Debug)]
pub enum Listener {}

/// Nothing to remove when the app ends.
#[derive(Debug)]
pub struct Bound;

/// Always `Unsupported`: the caller asks HeyGen itself.
pub fn ask(_path: &Path, _deadline: Duration) -> Result<LiveStatus, NotLive> {
    Err(NotLive::Unsupported)
}

/// Always an `Unsupported` error: the app then serves nothing (and says so once).
pub fn bind(_path: &Path) -> io::Result<(Listener, Bound)> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "the running app's status is served on Unix only"))
}

/// Cannot be called: there is no listener to serve on.
pub async fn serve(listener: Listener, _current: impl Fn() -> LiveStatus + Send + 'static) -> io::Result<()> {
    match listener {}
}
