//! Text from outside (HeyGen's answers) made safe to show. Control characters, which
//! could retitle or recolour a terminal, and bidirectional overrides, which make a
//! line read differently from what it holds, are removed as soon as an answer is read
//! ([`clean_json`]); markup is escaped where a view interprets it ([`escape_markup`]:
//! Waybar's Pango, notification bodies, tray tooltips).

use serde_json::Value;
use std::borrow::Cow;

/// `s` without control characters (C0, DEL, C1; line breaks and tabs become spaces)
/// and without bidirectional embedding, override and isolate marks.
pub fn clean(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if unsafe_char(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Cleans every string (and key) in a parsed answer.
pub fn clean_json(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Cow::Owned(c) = clean(s) {
                *s = c;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            let dirty: Vec<String> = map.keys().filter(|k| matches!(clean(k), Cow::Owned(_))).cloned().collect();
            for k in dirty {
                if let Some(value) = map.remove(&k) {
                    map.insert(clean(&k).into_owned(), value);
                }
            }
            map.values_mut().for_each(clean_json);
        }
        _ => {}
    }
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped, for views that read markup.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_bidi_overrides_are_removed() {
        assert_eq!(clean("jane\u{1b}]0;pwned\u{7}_doe\u{1b}[31m"), "jane]0;pwned_doe[31m");
        assert_eq!(clean("a\u{9b}2Jb\u{7f}c"), "a2Jbc", "C1 CSI and DEL");
        assert_eq!(clean("evil\u{202E}txt.exe\u{2066}x"), "eviltxt.exex");
        assert_eq!(clean("two\nlines\tand tab"), "two lines and tab");
        assert!(matches!(clean("plain $42.50 · ok"), Cow::Borrowed(_)));
    }

    #[test]
    fn every_string_of_an_answer_is_cleaned() {
        let mut v = serde_json::json!({"data": {"username": "x\u{1b}[2J", "list": ["\u{7}a"], "n": 1}, "k\u{1b}": "v"});
        clean_json(&mut v);
        assert_eq!(v, serde_json::json!({"data": {"username": "x[2J", "list": ["a"], "n": 1}, "k": "v"}));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape_markup("<b>jane</b> & 'co' \"x\""), "&lt;b&gt;jane&lt;/b&gt; &amp; &#39;co&#39; &quot;x&quot;");
    }
}
