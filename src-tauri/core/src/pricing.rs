//! What a dollar balance buys: HeyGen's API price table (dollars per second of
//! output video, per engine), the user's overrides from the settings file
//! (`"prices": {"avatar_iv": 0.05}`) and their usual engine (`"video_engine"`), and
//! the seconds of video a balance pays for. Credit balances buy nothing here: HeyGen
//! documents no rate from its current credits to seconds, and nothing is guessed.
//!
//! The table is HeyGen's pricing page as read on [`AS_OF`]; rates change, which is
//! why the user may override any of them.

use crate::billing::{Summary, Unit};
use crate::settings::Settings;
use serde::Serialize;
use std::collections::BTreeMap;

/// Where the table comes from, and when it was read.
pub const SOURCE: &str = "https://developers.heygen.com/docs/pricing";
pub const AS_OF: &str = "2026-12-03";

/// The engine a balance is counted in when the settings name none (HeyGen's default
/// v3 engine, with a photo avatar).
pub const DEFAULT_ENGINE: &str = "avatar_iv";

/// One line of HeyGen's table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listed {
    pub id: &'static str,
    pub name: &'static str,
    pub usd_per_second: f64,
}

const fn listed(id: &'static str, name: &'static str, usd_per_second: f64) -> Listed {
    Listed { id, name, usd_per_second }
}

/// HeyGen's API prices at 720p/1080p, per second of output (see [`SOURCE`]).
pub const TABLE: [Listed; 14] = [
    listed("avatar_iv", "Avatar IV", 0.05),
    listed("avatar_iv_digital_twin", "Avatar IV digital twin", 0.0667),
    listed("avatar_iv_studio", "Avatar IV studio avatar", 0.0667),
    listed("avatar_v", "Avatar V digital twin", 0.0667),
    listed("avatar_iii_photo", "Avatar III photo avatar", 0.0433),
    listed("avatar_iii_digital_twin", "Avatar III digital twin", 0.0167),
    listed("avatar_iii_studio", "Avatar III studio avatar", 0.0167),
    listed("video_agent", "Video Agent", 0.0333),
    listed("avatar_realtime", "Avatar Realtime", 0.05),
    listed("translation_audio", "video translation (audio only)", 0.0167),
    listed("translation_speed", "video translation (speed, lip sync)", 0.0333),
    listed("translation_precision", "video translation (precision, lip sync)", 0.0667),
    listed("lipsync_speed", "lip sync (speed)", 0.0333),
    listed("lipsync_precision", "lip sync (precision)", 0.0667),
];

/// Priced per video, not per second: listed by `prices`, never used for seconds.
pub const FLAT: [(&str, f64); 1] = [("Cinematic Avatar (4–15 s)", 7.0)];

/// An engine's price as the app uses it: the table's, or the user's override.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    pub engine: String,
    pub name: String,
    pub usd_per_second: f64,
    /// HeyGen's figure, when the engine is in the table.
    pub table_usd_per_second: Option<f64>,
    pub overridden: bool,
}

/// The table with the settings' overrides, and the engine balances are counted in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prices {
    pub engine: String,
    pub prices: Vec<Price>,
    /// Why an override or the chosen engine was not used, in words.
    pub ignored: Vec<String>,
}

/// What a dollar balance buys in the chosen engine (`status --json`'s `buys`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Buys {
    pub engine: String,
    pub seconds: u64,
    pub usd_per_second: f64,
    #[serde(skip)]
    pub name: String,
}

impl Prices {
    /// HeyGen's table with no override.
    pub fn table() -> Prices {
        Prices::with(&BTreeMap::new(), DEFAULT_ENGINE)
    }

    pub fn from_settings(s: &Settings) -> Prices {
        Prices::with(&s.prices, s.video_engine.as_deref().unwrap_or(DEFAULT_ENGINE))
    }

    /// The table with `overrides` (dollars per second by engine ID, as the settings
    /// file holds them; an ID not in the table adds an engine) and `engine` chosen
    /// (the default when it is unknown).
    pub fn with(overrides: &BTreeMap<String, serde_json::Value>, engine: &str) -> Prices {
        let mut ignored = Vec::new();
        let mut prices: Vec<Price> = TABLE
            .iter()
            .map(|l| Price {
                engine: l.id.into(),
                name: l.name.into(),
                usd_per_second: l.usd_per_second,
                table_usd_per_second: Some(l.usd_per_second),
                overridden: false,
            })
            .collect();
        for (id, value) in overrides {
            let usd = value.as_f64().unwrap_or(f64::NAN);
            if !(usd.is_finite() && usd > 0.0 && usd < 1000.0 && valid_id(id)) {
                ignored.push(format!("price for \"{id}\" ignored: it must be a number of dollars per second above 0"));
                continue;
            }
            match prices.iter_mut().find(|p| p.engine == *id) {
                Some(p) => {
                    p.usd_per_second = usd;
                    p.overridden = true;
                }
                None => prices.push(Price {
                    engine: id.clone(),
                    name: id.replace('_', " "),
                    usd_per_second: usd,
                    table_usd_per_second: None,
                    overridden: true,
                }),
            }
        }
        let engine = if prices.iter().any(|p| p.engine == engine) {
            engine.to_string()
        } else {
            ignored.push(format!("video engine \"{engine}\" is not in the price table: counting in {DEFAULT_ENGINE}"));
            DEFAULT_ENGINE.to_string()
        };
        Prices { engine, prices, ignored }
    }

    pub fn get(&self, engine: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.engine == engine)
    }

    /// The chosen engine's price.
    pub fn chosen(&self) -> &Price {
        self.get(&self.engine).unwrap_or(&self.prices[0])
    }

    /// Seconds of `engine` (the chosen one with `None`) that `usd` pays for, rounded down.
    pub fn seconds(&self, usd: f64, engine: Option<&str>) -> Option<Buys> {
        let p = match engine {
            Some(id) => self.get(id)?,
            None => self.chosen(),
        };
        let seconds = if usd.is_finite() && usd > 0.0 { (usd / p.usd_per_second + 1e-9).floor() as u64 } else { 0 };
        Some(Buys { engine: p.engine.clone(), seconds, usd_per_second: p.usd_per_second, name: p.name.clone() })
    }

    /// What an account's balance buys: a dollar wallet's balance, a usage-based
    /// account's room under its cap; `None` for credits and unknown figures.
    pub fn buys(&self, summary: &Summary) -> Option<Buys> {
        match (summary.remaining, summary.unit) {
            (Some(usd), Some(Unit::Usd)) => self.seconds(usd, None),
            _ => None,
        }
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// "≈ 14 min of Avatar IV": what a balance buys, rounded down to what the figure says;
/// nothing for less than a second ("≈ 0 s" beside "used up" says nothing).
pub fn words(b: &Buys) -> Option<String> {
    (b.seconds > 0).then(|| format!("≈ {} of {}", duration(b.seconds), b.name))
}

/// "45 s", "14 min", "3 h 20 min", "52 h": rounded down, so it never promises more.
pub fn duration(seconds: u64) -> String {
    match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3599 => format!("{} min", seconds / 60),
        3600..=35_999 => match (seconds % 3600) / 60 {
            0 => format!("{} h", seconds / 3600),
            m => format!("{} h {m} min", seconds / 3600),
        },
        _ => format!("{} h", seconds / 3600),
    }
}

#[cfg(test)]
#[path = "pricing_tests.rs"]
mod tests;
