fn main() {
    // Declaring the app's commands makes each one need an explicit permission in a
    // capability: the webview gets exactly what capabilities/ grants, nothing more.
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*").app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "get_dashboard",
            "get_charts",
            "refresh",
            "get_settings",
            "account_notes",
            "test_key",
            "save_account",
            "remove_account",
            "save_preferences",
            "import_heygen_cli",
            "open_link",
            "open_window",
            "quit",
            "start_demo",
            "test_hook",
        ]),
    ))
    .expect("tauri-build failed");
}
