//! The contract between the pages (`ui/*.js`) and the commands (`commands.rs`): every
//! command a page invokes exists, is registered and allowed, and gets exactly the
//! argument names it takes (Tauri reads the page's camelCase keys as the Rust
//! parameters' snake_case names). Read from the sources, so a renamed parameter or a
//! typo in a page fails here rather than as a silent error in a window.

use std::collections::{BTreeMap, BTreeSet};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A command's parameters (beyond the role): name and whether it may be left out.
type Params = BTreeMap<String, bool>;

/// `#[tauri::command] pub async fn NAME(role: Page<'_>, a: A, b: Option<B>)` in commands.rs.
fn commands() -> BTreeMap<String, Params> {
    let source = read("src-tauri/app/commands.rs");
    let mut found = BTreeMap::new();
    for part in source.split("#[tauri::command]").skip(1) {
        let signature = &part[part.find("pub async fn ").expect("a command is a pub async fn") + "pub async fn ".len()..];
        let (name, rest) = signature.split_once('(').unwrap();
        let params = top_level(&rest[..closing(rest, '(', ')', &RUST)], ',', &RUST)
            .into_iter()
            .filter_map(|p| {
                let (name, ty) = p.split_once(':')?;
                (name.trim() != "role").then(|| (name.trim().to_string(), ty.trim().starts_with("Option<")))
            })
            .collect();
        found.insert(name.trim().to_string(), params);
    }
    found
}

/// Each `invoke("name", { key: …, short })` of the pages: the command and the keys sent.
fn invocations() -> Vec<(String, String, BTreeSet<String>)> {
    let mut found = Vec::new();
    for page in ["common.js", "dashboard.js", "settings.js"] {
        let source = read(&format!("ui/{page}"));
        for part in source.split("invoke(\"").skip(1) {
            let (name, rest) = part.split_once('"').unwrap();
            let rest = rest.trim_start();
            let keys = match rest.strip_prefix(',').map(str::trim_start) {
                Some(args) if args.starts_with('{') => top_level(&args[1..1 + closing(&args[1..], '{', '}', &JS)], ',', &JS)
                    .into_iter()
                    .map(|entry| entry.split_once(':').map_or(entry.as_str(), |(k, _)| k).trim().to_string())
                    .filter(|k| !k.is_empty())
                    .collect(),
                Some(other) => panic!("{page}: invoke(\"{name}\") takes an object literal, not {:?}", &other[..other.len().min(30)]),
                None => BTreeSet::new(),
            };
            found.push((page.to_string(), name.to_string(), keys));
        }
    }
    found
}

/// What counts as a string's quotes and as brackets: Rust's `'` is a lifetime and its
/// `<>` bracket generics; in JavaScript `'` quotes and `>` compares.
struct Lang {
    quotes: &'static str,
    brackets: (&'static str, &'static str),
}
const RUST: Lang = Lang { quotes: "\"", brackets: ("([{<", ")]}>") };
const JS: Lang = Lang { quotes: "\"'`", brackets: ("([{", ")]}") };

/// Where the bracket opened just before `s` closes, skipping strings.
fn closing(s: &str, open: char, close: char, lang: &Lang) -> usize {
    let (mut depth, mut quote) = (0, None);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c) if lang.quotes.contains(c) => quote = Some(c),
            (None, c) if c == open => depth += 1,
            (None, c) if c == close && depth == 0 => return i,
            (None, c) if c == close => depth -= 1,
            _ => {}
        }
    }
    panic!("unclosed {open} in {s:.60}")
}

/// `s` split at each `sep` outside brackets and strings.
fn top_level(s: &str, sep: char, lang: &Lang) -> Vec<String> {
    let (mut parts, mut current, mut depth, mut quote) = (Vec::new(), String::new(), 0, None);
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, c) if lang.quotes.contains(c) => quote = Some(c),
            (None, c) if lang.brackets.0.contains(c) => depth += 1,
            (None, c) if lang.brackets.1.contains(c) => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[test]
fn every_command_a_page_invokes_exists_with_the_arguments_it_sends() {
    let commands = commands();
    let registered = read("src-tauri/app/main.rs");
    let allowed = read("src-tauri/capabilities/windows.json");
    let invoked = invocations();
    assert!(invoked.len() > 15, "the pages' invocations were not found: {invoked:?}");
    for (page, name, sent) in &invoked {
        let Some(params) = commands.get(name) else { panic!("{page} invokes {name:?}, which commands.rs does not have") };
        let expected: BTreeSet<String> = params.keys().map(|p| camel(p)).collect();
        for key in sent {
            assert!(expected.contains(key), "{page}: {name} gets {key:?}, which it does not take (it takes {expected:?})");
        }
        for (param, optional) in params {
            assert!(*optional || sent.contains(&camel(param)), "{page}: {name} is invoked without {:?}", camel(param));
        }
    }
    for name in commands.keys() {
        assert!(registered.contains(&format!("commands::{name},")), "{name} is not in generate_handler!");
        assert!(allowed.contains(&format!("\"allow-{}\"", name.replace('_', "-"))), "{name} is not allowed in capabilities/windows.json");
        assert!(invoked.iter().any(|(_, n, _)| n == name), "no page invokes {name}");
    }
}

#[test]
fn the_reader_takes_what_pages_and_commands_are_written_with() {
    let keys = |js: &str| {
        top_level(js, ',', &JS).into_iter().map(|e| e.split_once(':').map_or(e.clone(), |(k, _)| k.trim().to_string())).collect::<Vec<_>>()
    };
    assert_eq!(keys(r#"name: $("n").value, key: key || null, isNew: editing === null,"#), ["name", "key", "isNew"]);
    assert_eq!(keys(r#"label: `a, ${b(c, d)}`, name"#), ["label", "name"]);
    assert_eq!(closing(r#"a: "}", b: { c } } rest"#, '{', '}', &JS), 17);
    assert_eq!(camel("is_new"), "isNew");
    assert_eq!(top_level("role: Page<'_>, charts: Vec<ChartWanted>", ',', &RUST), ["role: Page<'_>", "charts: Vec<ChartWanted>"]);
}
