//! The core's modules form layers: no top-level module reaches, through `crate::`
//! paths in its code (tests aside), back to itself. Read from the sources, so a new
//! `use` that closes a circle fails here with the circle named.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its test module and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules named by `crate::a` and `crate::{a::…, b}`.
fn named(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let Some(group) = rest.strip_prefix('{') else {
            out.insert(ident(rest));
            continue;
        };
        let (mut depth, mut start) = (0, true);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => start = true,
                c if start && !c.is_whitespace() => {
                    out.insert(ident(&group[j..]));
                    start = false;
                }
                _ => {}
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if name == "tests.rs" || name.ends_with("_tests.rs") || name == "lib.rs" {
            continue;
        }
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let uses = named(&code(&std::fs::read_to_string(&file).unwrap()));
        edges.entry(top.clone()).or_default().extend(uses.into_iter().filter(|m| *m != top && !m.is_empty()));
    }
    let modules: BTreeSet<String> = edges.keys().cloned().collect();
    edges.values_mut().for_each(|to| to.retain(|m| modules.contains(m)));
    edges
}

/// A circle through `from`, as the path that closes it.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        for next in &edges[path.last().unwrap()] {
            let mut longer = path.clone();
            longer.push(next.clone());
            if next == from {
                return Some(longer);
            }
            if seen.insert(next.clone()) {
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_of_the_core_reaches_back_to_itself() {
    let edges = graph();
    assert!(edges.len() > 20 && edges["monitor"].contains("poller"), "the sources were read: {edges:?}");
    let circles: Vec<String> = edges.keys().filter_map(|m| circle(&edges, m)).map(|c| c.join(" → ")).collect();
    assert!(circles.is_empty(), "import circles in the core:\n{}", circles.join("\n"));
}

#[test]
fn grouped_and_nested_paths_are_read() {
    let found = named("use crate::{accounts::{A, B}, api::C};\nlet x = crate::poller::X;");
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["accounts", "api", "poller"]);
}
