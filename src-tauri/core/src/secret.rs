//! `Secret`: an API key or OAuth token held in memory.
//!
//! It prints as `<redacted>`, cannot be serialised, is wiped from memory when
//! dropped, and only shows its last four characters through [`Secret::mask`].

use std::fmt;
use zeroize::Zeroizing;

/// An API key or token. The only way to read it is [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a key, trimming surrounding whitespace (a pasted key often ends in a newline).
    pub fn new(value: impl Into<String>) -> Self {
        let mut value: String = value.into();
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            let t = trimmed.to_string();
            zeroize::Zeroize::zeroize(&mut value);
            value = t;
        }
        Secret(Zeroizing::new(value))
    }

    /// The raw value, for the one place that needs it: the request header or the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `…a1b2`: enough to tell keys apart, never enough to use one.
    pub fn mask(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "…".to_string();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("…{tail}")
    }

    /// Replaces every occurrence of this secret in `text` (for server messages that echo it).
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(self.0.as_str(), "<redacted>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("sk_live_abcdef123456");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&s)), "Some(<redacted>)");
    }

    #[test]
    fn mask_shows_only_the_last_four() {
        assert_eq!(Secret::new("sk_live_abcdef123456").mask(), "…3456");
        assert_eq!(Secret::new("short").mask(), "…");
    }

    #[test]
    fn new_trims_pasted_whitespace_and_scrub_hides_echoes() {
        let s = Secret::new("  key-0123456789\n");
        assert_eq!(s.expose(), "key-0123456789");
        assert_eq!(s.scrub("bad key key-0123456789!"), "bad key <redacted>!");
    }
}
