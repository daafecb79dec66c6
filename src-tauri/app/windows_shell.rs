//! Windows only: the user's registry (start at login's Run value), the app's
//! AppUserModelID, which toast notifications are shown under. The installer registers
//! the same ID (with the app's name and icon) and its Start menu shortcut; the app
//! registers it too, so a copy run without the installer can still show toasts. And
//! the close and end-of-session messages Windows ends programs with.

use std::io;
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_SUCCESS};
use windows_sys::Win32::System::Registry::{RegDeleteKeyValueW, RegSetKeyValueW, HKEY_CURRENT_USER, REG_SZ};

/// The ID notifications and the taskbar group this app under (Tauri's identifier).
pub const APP_ID: &str = "com.heygen-tray.app";

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Sets a string value under HKEY_CURRENT_USER\`key` (made if missing).
pub fn set_user_string(key: &str, name: &str, value: &str) -> io::Result<()> {
    let (key, name, value) = (wide(key), wide(name), wide(value));
    let bytes = u32::try_from(value.len() * 2).map_err(|_| io::Error::other("value too long"))?;
    // SAFETY: every pointer is to a NUL-terminated UTF-16 buffer alive for the call; the
    // data length is that buffer's size in bytes.
    let rc = unsafe { RegSetKeyValueW(HKEY_CURRENT_USER, key.as_ptr(), name.as_ptr(), REG_SZ, value.as_ptr().cast(), bytes) };
    if rc == ERROR_SUCCESS {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc as i32))
    }
}

/// Removes a value under HKEY_CURRENT_USER\`key`; one that is not there is fine.
pub fn delete_user_value(key: &str, name: &str) -> io::Result<()> {
    let (key, name) = (wide(key), wide(name));
    // SAFETY: both pointers are NUL-terminated UTF-16 buffers alive for the call.
    let rc = unsafe { RegDeleteKeyValueW(HKEY_CURRENT_USER, key.as_ptr(), name.as_ptr()) };
    if rc == ERROR_SUCCESS || rc == ERROR_FILE_NOT_FOUND {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc as i32))
    }
}

/// Names this process as the app for the shell (taskbar, toasts) and registers the ID
/// with a display name, as an unpackaged app must for its toasts to show.
pub fn register_app_id() {
    let id = wide(APP_ID);
    // SAFETY: a NUL-terminated UTF-16 string alive for the call.
    let hr = unsafe { windows_sys::Win32::UI::Shell::SetCurrentProcessExplicitAppUserModelID(id.as_ptr()) };
    if hr != 0 {
        tracing::warn!("the app's AppUserModelID could not be set (HRESULT {hr:#x}); notifications may show under another name");
    }
    let key = format!(r"Software\Classes\AppUserModelId\{APP_ID}");
    if let Err(e) = set_user_string(&key, "DisplayName", "HeyGen Tray") {
        tracing::warn!("the app's AppUserModelID could not be registered: {e}");
    }
}

/// How Windows asked the app to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A close message posted to one of its hidden windows: `taskkill` without `/F`,
    /// an installer or uninstaller.
    Close,
    /// The session ends (log off, shut down, the Restart Manager): once this returns
    /// the process may be ended at any moment.
    Session,
}

static ON_END: std::sync::OnceLock<Box<dyn Fn(Ending) + Send + Sync>> = std::sync::OnceLock::new();

/// Ends the app the way Quit does when Windows asks. `taskkill` (without `/F`) and
/// installers post WM_CLOSE to each top-level window of the process; for the hidden
/// ones (the event loop's, the tray icon's) the default answer only destroys that
/// window and the app runs on without them. A session's end sends WM_ENDSESSION.
/// Hooks on this thread see both; call it on the thread that runs the event loop.
pub fn end_on_close_messages(on_end: impl Fn(Ending) + Send + Sync + 'static) {
    use windows_sys::Win32::System::Threading::GetCurrentThreadId;
    use windows_sys::Win32::UI::WindowsAndMessaging::{SetWindowsHookExW, WH_CALLWNDPROC, WH_GETMESSAGE};
    if ON_END.set(Box::new(on_end)).is_err() {
        return;
    }
    // SAFETY: thread hooks (no module handle) with procedures that live for the process.
    unsafe {
        let thread = GetCurrentThreadId();
        if SetWindowsHookExW(WH_GETMESSAGE, Some(posted), std::ptr::null_mut(), thread).is_null() {
            tracing::warn!("close messages are not followed: {}", io::Error::last_os_error());
        }
        if SetWindowsHookExW(WH_CALLWNDPROC, Some(sent), std::ptr::null_mut(), thread).is_null() {
            tracing::warn!("the session's end is not followed: {}", io::Error::last_os_error());
        }
    }
}

/// Posted messages as the event loop takes them: a WM_CLOSE for a hidden window is
/// taken out (the window stays) and ends the app.
unsafe extern "system" fn posted(code: i32, wparam: usize, lparam: isize) -> isize {
    use windows_sys::Win32::UI::WindowsAndMessaging::{CallNextHookEx, IsWindowVisible, HC_ACTION, MSG, PM_REMOVE, WM_CLOSE, WM_NULL};
    if code == HC_ACTION as i32 && wparam == PM_REMOVE as usize && lparam != 0 {
        // SAFETY: for HC_ACTION, lparam points to the MSG being taken from the queue,
        // which a GetMessage hook may change.
        let msg = unsafe { &mut *(lparam as *mut MSG) };
        // SAFETY: IsWindowVisible takes any handle, stale ones included.
        if msg.message == WM_CLOSE && unsafe { IsWindowVisible(msg.hwnd) } == 0 {
            msg.message = WM_NULL;
            if let Some(end) = ON_END.get() {
                end(Ending::Close);
            }
        }
    }
    // SAFETY: passes the hook's own arguments on.
    unsafe { CallNextHookEx(std::ptr::null_mut(), code, wparam, lparam) }
}

/// Sent messages before their window sees them: WM_ENDSESSION with a true wParam
/// (once, though every window of the process gets it). The app's answer ends the
/// process, so the event loop's own never runs.
unsafe extern "system" fn sent(code: i32, wparam: usize, lparam: isize) -> isize {
    use windows_sys::Win32::UI::WindowsAndMessaging::{CallNextHookEx, CWPSTRUCT, HC_ACTION, WM_ENDSESSION};
    // Not a `Once`: a call made from inside the first (a message pumped while it saves)
    // must return, not wait on it.
    static ENDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if code == HC_ACTION as i32 && lparam != 0 {
        // SAFETY: for HC_ACTION, lparam points to the message's CWPSTRUCT.
        let m = unsafe { &*(lparam as *const CWPSTRUCT) };
        if m.message == WM_ENDSESSION && m.wParam != 0 {
            if !ENDED.swap(true, std::sync::atomic::Ordering::SeqCst) {
                if let Some(end) = ON_END.get() {
                    end(Ending::Session);
                }
            }
        }
    }
    // SAFETY: passes the hook's own arguments on.
    unsafe { CallNextHookEx(std::ptr::null_mut(), code, wparam, lparam) }
}
