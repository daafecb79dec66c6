//! Windows: the running app's status on a named pipe (`\\.\pipe\heygen-tray-<id>`),
//! the counterpart of the Unix socket. Its security descriptor admits only this user;
//! the client trusts a pipe only when the process serving it runs as this user, and
//! the server answers only clients of this user. One answer per connection.

use super::{LiveStatus, NotLive, MAX_ANSWER, VERSION};
use std::ffi::c_void;
use std::io::{self, Read};
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle, IntoRawHandle, OwnedHandle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use windows_sys::Win32::Foundation::{LocalFree, ERROR_ACCESS_DENIED, ERROR_PIPE_BUSY, HANDLE, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{GetLengthSid, GetTokenInformation, TokenUser, SECURITY_ATTRIBUTES, TOKEN_QUERY, TOKEN_USER};
use windows_sys::Win32::Storage::FileSystem::{FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_OUTBOUND};
use windows_sys::Win32::System::Pipes::{
    CreateNamedPipeW, GetNamedPipeClientProcessId, GetNamedPipeServerProcessId, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE,
    PIPE_UNLIMITED_INSTANCES,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION};

fn wide(s: &std::ffi::OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// The user (SID, as bytes) a process runs as; `process` stays the caller's.
fn user_of(process: HANDLE) -> Option<Vec<u8>> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: `token` is valid for a write; a failure leaves it null.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return None;
    }
    // SAFETY: a handle this call opened, owned from here on.
    let token = unsafe { OwnedHandle::from_raw_handle(token) };
    let mut len = 0u32;
    // SAFETY: a size query (no buffer); `len` is valid for a write.
    unsafe { GetTokenInformation(token.as_raw_handle(), TokenUser, std::ptr::null_mut(), 0, &mut len) };
    // u64s: aligned for the TOKEN_USER at its start.
    let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
    // SAFETY: `buf` holds at least `len` bytes.
    if unsafe { GetTokenInformation(token.as_raw_handle(), TokenUser, buf.as_mut_ptr().cast(), len, &mut len) } == 0 {
        return None;
    }
    // SAFETY: filled with a TOKEN_USER whose SID points into `buf`, alive here.
    let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid };
    // SAFETY: a valid SID, `GetLengthSid` bytes long.
    Some(unsafe { std::slice::from_raw_parts(sid.cast::<u8>(), GetLengthSid(sid) as usize) }.to_vec())
}

fn my_user() -> Option<Vec<u8>> {
    // SAFETY: the current process's pseudo handle, which needs no closing.
    user_of(unsafe { GetCurrentProcess() })
}

fn user_of_pid(pid: u32) -> Option<Vec<u8>> {
    // SAFETY: OpenProcess has no preconditions; null on failure.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return None;
    }
    // SAFETY: a handle this call opened, owned from here on.
    let process = unsafe { OwnedHandle::from_raw_handle(process) };
    user_of(process.as_raw_handle())
}

/// Asks the app serving on the pipe `path` for its figures, within `deadline`. A pipe
/// served by another user's process, or an app that does not answer in time, is an
/// error; the caller then asks HeyGen itself.
pub fn ask(path: &Path, deadline: Duration) -> Result<LiveStatus, NotLive> {
    // Pipe reads have no timeout: the read runs on a thread of its own, left behind
    // when the deadline passes (it ends with the command).
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    let start = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(read_answer(&path, start + deadline));
    });
    rx.recv_timeout(deadline).unwrap_or(Err(NotLive::Timeout))
}

fn read_answer(path: &Path, until: Instant) -> Result<LiveStatus, NotLive> {
    let pipe = loop {
        match std::fs::File::open(path) {
            Ok(p) => break p,
            // Every instance is taken: the server makes the next one at once.
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) && Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return Err(NotLive::Absent(path.into())),
        }
    };
    let mut server = 0u32;
    // SAFETY: an open pipe handle; `server` is valid for a write.
    let known = unsafe { GetNamedPipeServerProcessId(pipe.as_raw_handle(), &mut server) } != 0;
    let mine = my_user().ok_or_else(|| NotLive::Unreadable("this process's user is unknown".into()))?;
    if !known || user_of_pid(server).as_ref() != Some(&mine) {
        return Err(NotLive::Foreign(path.into()));
    }
    let mut answer = Vec::new();
    pipe.take(MAX_ANSWER + 1).read_to_end(&mut answer).map_err(|e| NotLive::Unreadable(e.to_string()))?;
    if answer.len() as u64 > MAX_ANSWER {
        return Err(NotLive::Unreadable("too large".into()));
    }
    let live: LiveStatus = serde_json::from_slice(&answer).map_err(|e| NotLive::Unreadable(e.to_string()))?;
    if live.version != VERSION {
        return Err(NotLive::Unreadable(format!("version {} (this command reads {VERSION})", live.version)));
    }
    Ok(live)
}

/// A security descriptor whose only entry gives this user full access.
struct OwnerOnly(*mut c_void);

// SAFETY: an immutable block of memory, only read by the calls it is passed to.
unsafe impl Send for OwnerOnly {}

impl OwnerOnly {
    fn new() -> io::Result<Self> {
        let user = my_user().ok_or_else(|| io::Error::other("this process's user is unknown"))?;
        let mut text: *mut u16 = std::ptr::null_mut();
        // SAFETY: `user` is a valid SID; `text` receives a LocalAlloc'd string.
        if unsafe { ConvertSidToStringSidW(user.as_ptr().cast_mut().cast(), &mut text) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a NUL-terminated string from the call above, freed right after.
        let sid = unsafe { String::from_utf16_lossy(std::slice::from_raw_parts(text, (0..).take_while(|&i| *text.add(i) != 0).count())) };
        // SAFETY: allocated by ConvertSidToStringSidW.
        unsafe { LocalFree(text.cast()) };
        // Protected (no inherited entries), full access for this user alone.
        let sddl = wide(std::ffi::OsStr::new(&format!("D:P(A;;GA;;;{sid})")));
        let mut sd: *mut c_void = std::ptr::null_mut();
        // SAFETY: a NUL-terminated string; `sd` receives a LocalAlloc'd descriptor.
        if unsafe { ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.as_ptr(), SDDL_REVISION_1, &mut sd, std::ptr::null_mut()) }
            == 0
        {
            return Err(io::Error::last_os_error());
        }
        Ok(OwnerOnly(sd))
    }
}

impl Drop for OwnerOnly {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
        unsafe { LocalFree(self.0) };
    }
}

/// One instance of the pipe, for overlapped (tokio) use; the first fails when the
/// name is taken (another app, or another user's pipe of that name).
fn instance(path: &Path, sd: &OwnerOnly, first: bool) -> io::Result<OwnedHandle> {
    let name = wide(path.as_os_str());
    let mut sa = SECURITY_ATTRIBUTES { nLength: size_of::<SECURITY_ATTRIBUTES>() as u32, lpSecurityDescriptor: sd.0, bInheritHandle: 0 };
    let open = PIPE_ACCESS_OUTBOUND | FILE_FLAG_OVERLAPPED | if first { FILE_FLAG_FIRST_PIPE_INSTANCE } else { 0 };
    // SAFETY: a NUL-terminated name and security attributes alive for the call.
    let handle = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            open,
            PIPE_TYPE_BYTE | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES,
            64 * 1024,
            0,
            0,
            &mut sa,
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a handle this call made, owned from here on.
    Ok(unsafe { OwnedHandle::from_raw_handle(handle) })
}

/// What the app listens on: the pipe's first instance, made before the app starts.
pub struct Listener {
    first: OwnedHandle,
    path: PathBuf,
    sd: OwnerOnly,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").field("path", &self.path).finish()
    }
}

/// Nothing to remove when the app ends: the pipe goes with its last handle.
#[derive(Debug)]
pub struct Bound;

/// Makes the pipe's first instance, open to this user only; a name another app (or
/// another user) already serves is `AddrInUse`.
pub fn bind(path: &Path) -> io::Result<(Listener, Bound)> {
    let in_use = || io::Error::new(io::ErrorKind::AddrInUse, format!("another app serves on {}", path.display()));
    // A pipe that takes a client (or has every instance taken) is served; asked first
    // because not every implementation (Wine) refuses a second first instance.
    match std::fs::File::open(path) {
        Ok(_) => return Err(in_use()),
        Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) => return Err(in_use()),
        Err(_) => {}
    }
    let sd = OwnerOnly::new()?;
    let first = instance(path, &sd, true).map_err(|e| match e.raw_os_error() {
        Some(code) if code == ERROR_ACCESS_DENIED as i32 => in_use(),
        _ => e,
    })?;
    Ok((Listener { first, path: path.into(), sd }, Bound))
}

/// Answers every connection from this user with `current()`, until the runtime ends.
/// Failures to make the next instance back off instead of spinning.
pub async fn serve(listener: Listener, current: impl Fn() -> LiveStatus + Send + 'static) -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    use tokio::net::windows::named_pipe::NamedPipeServer;
    let Listener { first, path, sd } = listener;
    let mine = my_user().ok_or_else(|| io::Error::other("this process's user is unknown"))?;
    let mut next = first;
    let mut pause = Duration::from_millis(50);
    loop {
        // SAFETY: an overlapped pipe instance, handed over whole.
        let mut server = unsafe { NamedPipeServer::from_raw_handle(next.into_raw_handle())? };
        let connected = server.connect().await;
        next = loop {
            match instance(&path, &sd, false) {
                Ok(h) => break h,
                Err(e) => {
                    tracing::warn!("status pipe: {e}");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        };
        pause = Duration::from_millis(50);
        if connected.is_err() {
            continue;
        }
        let mut client = 0u32;
        // SAFETY: a connected pipe instance; `client` is valid for a write.
        let known = unsafe { GetNamedPipeClientProcessId(server.as_raw_handle(), &mut client) } != 0;
        if !known || user_of_pid(client).as_ref() != Some(&mine) {
            continue;
        }
        let answer = serde_json::to_vec(&current()).unwrap_or_default();
        tokio::spawn(async move {
            // Closing (not disconnecting) the instance leaves what was written readable.
            let _ = tokio::time::timeout(Duration::from_secs(2), server.write_all(&answer)).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), server.flush()).await;
        });
    }
}
