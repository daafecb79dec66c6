//! Windows only: the user's registry (start at login's Run value) and the app's
//! AppUserModelID, which toast notifications are shown under. The installer registers
//! the same ID (with the app's name and icon) and its Start menu shortcut; the app
//! registers it too, so a copy run without the installer can still show toasts.

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
