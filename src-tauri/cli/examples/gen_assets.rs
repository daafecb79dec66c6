//! Writes the man pages and shell completions of `heygen-tray` into a folder (used by
//! scripts/package.sh): see `heygen_tray_cli::docs`.
//!
//! `cargo run -p heygen-tray-cli --example gen_assets -- OUT_DIR`

fn main() -> std::io::Result<()> {
    let out = std::env::args_os().nth(1).expect("usage: gen_assets OUT_DIR");
    heygen_tray_cli::docs::write_all(std::path::Path::new(&out))
}
