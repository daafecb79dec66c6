//! `heygen-tray prices [--json]`: the price table dollar balances are counted in
//! (HeyGen's, with its source and date), the engine chosen and any override from the
//! settings file.

use heygen_tray_core::accounts::Accounts;
use heygen_tray_core::pricing::{Prices, AS_OF, FLAT, SOURCE};
use serde_json::json;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct PricesArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: PricesArgs) -> i32 {
    let store = Accounts::for_command_line();
    let loaded = store.settings.load();
    let prices = Prices::from_settings(&loaded.settings);
    let out = if args.json { json_of(&prices) } else { text(&prices, &store.settings.path().display().to_string()) };
    let _ = writeln!(std::io::stdout().lock(), "{out}");
    0
}

fn json_of(p: &Prices) -> String {
    let flat: Vec<_> = FLAT.iter().map(|(name, usd)| json!({"name": name, "usd_per_video": usd})).collect();
    json!({"source": SOURCE, "as_of": AS_OF, "engine": p.engine, "prices": p.prices, "per_video": flat, "ignored": p.ignored}).to_string()
}

fn text(p: &Prices, file: &str) -> String {
    let mut out = format!("HeyGen API prices, dollars per second of video at 720p/1080p\n(from {SOURCE}, as read {AS_OF})\n\n");
    let id_w = p.prices.iter().map(|x| x.engine.len()).max().unwrap_or(0);
    let name_w = p.prices.iter().map(|x| x.name.chars().count()).max().unwrap_or(0);
    for x in &p.prices {
        let mut line = format!("  {:<id_w$}  {:<name_w$}  ${:.4}/s", x.engine, x.name, x.usd_per_second);
        match (x.overridden, x.table_usd_per_second) {
            (true, Some(t)) => line.push_str(&format!("  (your price; HeyGen's: ${t:.4}/s)")),
            (true, None) => line.push_str("  (yours; not in HeyGen's table)"),
            _ => {}
        }
        if x.engine == p.engine {
            line.push_str("  ← balances are counted in this");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for (name, usd) in FLAT {
        out.push_str(&format!("\n  {name}: ${usd:.2} per video, whatever its length"));
    }
    for note in &p.ignored {
        out.push_str(&format!("\n  note: {note}"));
    }
    out.push_str(&format!(
        "\n\nOverride a price or add an engine in {file}: \"prices\": {{\"avatar_iv\": 0.05}} (dollars per second);\n\
         choose the engine in Settings or with \"video_engine\": \"avatar_iv\"."
    ));
    out
}
