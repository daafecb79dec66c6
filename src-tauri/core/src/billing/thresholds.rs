//! Levels (`ok` / `low` / `critical` / `unknown`) and the thresholds that set them.

use super::Unit;
use serde::{Deserialize, Serialize};

/// How close an account is to running dry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Low,
    Critical,
    Unknown,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Low => "low",
            Level::Critical => "critical",
            Level::Unknown => "unknown",
        }
    }
}

/// Levels in one unit: `critical` at or below `critical`, `low` at or below `low`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub low: f64,
    pub critical: f64,
}

impl Thresholds {
    /// $10 low, $2 critical: a few minutes of API video left.
    pub const USD: Thresholds = Thresholds { low: 10.0, critical: 2.0 };
    /// 20 credits low, 5 critical.
    pub const CREDITS: Thresholds = Thresholds { low: 20.0, critical: 5.0 };

    pub fn default_for(unit: Unit) -> Thresholds {
        match unit {
            Unit::Usd => Self::USD,
            Unit::Credits => Self::CREDITS,
        }
    }

    pub fn level(&self, remaining: f64) -> Level {
        if remaining <= self.critical {
            Level::Critical
        } else if remaining <= self.low {
            Level::Low
        } else {
            Level::Ok
        }
    }
}

/// Thresholds chosen by the user, in the account's own unit; what is not set
/// falls back to the default for the unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<f64>,
}

impl ThresholdOverride {
    /// Checks that the numbers are usable: finite, not negative, critical not above low.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [("low", self.low), ("critical", self.critical)] {
            if let Some(v) = v {
                if !v.is_finite() || v < 0.0 {
                    return Err(format!("the {name} threshold must be a number of 0 or more, not {v}"));
                }
            }
        }
        if let (Some(low), Some(critical)) = (self.low, self.critical) {
            if critical > low {
                return Err(format!("the critical threshold ({critical}) must not be above the low threshold ({low})"));
            }
        }
        Ok(())
    }

    /// The thresholds for `unit`; an override of one bound keeps the pair ordered.
    pub fn resolve(&self, unit: Unit) -> Thresholds {
        let default = Thresholds::default_for(unit);
        match (self.low, self.critical) {
            (Some(low), Some(critical)) => Thresholds { low, critical },
            (Some(low), None) => Thresholds { low, critical: default.critical.min(low) },
            (None, Some(critical)) => Thresholds { low: default.low.max(critical), critical },
            (None, None) => default,
        }
    }

    /// This override with `other`'s values on top.
    pub fn with(&self, other: &ThresholdOverride) -> ThresholdOverride {
        ThresholdOverride { low: other.low.or(self.low), critical: other.critical.or(self.critical) }
    }
}

/// How far above a threshold the balance must climb before its alert re-arms.
pub fn margin(threshold: f64, unit: Unit) -> f64 {
    let floor = match unit {
        Unit::Usd => 1.0,
        Unit::Credits => 2.0,
    };
    (threshold * 0.1).max(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_inclusive_at_each_threshold() {
        let t = Thresholds { low: 10.0, critical: 2.0 };
        assert_eq!(t.level(10.01), Level::Ok);
        assert_eq!(t.level(10.0), Level::Low);
        assert_eq!(t.level(2.01), Level::Low);
        assert_eq!(t.level(2.0), Level::Critical);
        assert_eq!(t.level(-5.0), Level::Critical);
    }

    #[test]
    fn a_single_override_keeps_the_pair_ordered() {
        let o = ThresholdOverride { low: Some(1.0), critical: None };
        assert_eq!(o.resolve(Unit::Usd), Thresholds { low: 1.0, critical: 1.0 });
        let o = ThresholdOverride { low: None, critical: Some(50.0) };
        assert_eq!(o.resolve(Unit::Credits), Thresholds { low: 50.0, critical: 50.0 });
        assert_eq!(ThresholdOverride::default().resolve(Unit::Usd), Thresholds::USD);
    }

    #[test]
    fn invalid_overrides_are_explained() {
        assert!(ThresholdOverride { low: Some(1.0), critical: Some(5.0) }.validate().is_err());
        assert!(ThresholdOverride { low: Some(-1.0), critical: None }.validate().is_err());
        assert!(ThresholdOverride { low: Some(f64::NAN), critical: None }.validate().is_err());
        assert!(ThresholdOverride { low: Some(5.0), critical: Some(5.0) }.validate().is_ok());
    }
}
