//! `heygen-tray`: the command line; with no subcommand it starts the tray app.

fn main() {
    std::process::exit(heygen_tray_cli::main());
}
