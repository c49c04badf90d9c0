//! The runtime's rooms, as docs/architecture.md draws them: no file imports a room above its
//! own, and no files import each other in a circle. Read from the source: every `crate::` and
//! `super::` path outside test modules and comments is an import of the file that defines it,
//! through nested `{}` groups, `super::super` and the crate root's re-exports; a made-up crate
//! shows the reader sees each kind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rooms from the bottom up; a file may import its own room and those below.
const ROOMS: &[(&str, u8)] = &[
    ("sync", 0),
    ("clock", 0),
    ("float_text", 0),
    ("setting_error", 0),
    ("storage", 0),
    ("error_code", 0),
    ("declared", 1),
    ("private", 1),
    ("catalogue", 2),
    ("foreign", 2),
    ("testing", 2),
    ("recorder", 3),
    ("process", 3),
    ("health", 3),
    ("logging", 3),
    ("artifacts", 3),
    ("stats", 3),
    ("server", 4),
    ("settings", 5),
    ("config", 6),
    ("vitals", 7),
    ("lib", 8),
    ("bin", 8),
];

/// The contract with generated code re-exports the health room's part of it: the one import
/// that points up, by design (generated code names only `__private`).
const FACADE: (&str, &str) = ("private/mod.rs", "health/contract.rs");

fn room(file: &str) -> (&str, u8) {
    let first = file.split(['/', '.']).next().unwrap();
    let (name, rank) = ROOMS
        .iter()
        .find(|(r, _)| *r == first)
        .unwrap_or_else(|| panic!("{file} is in no room: add it to ROOMS"));
    (name, *rank)
}

fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap()
                .to_owned();
            out.insert(name, code);
        }
    }
}

/// Every file each file of the runtime imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new("runtime/src");
    let mut files = BTreeMap::new();
    sources(root, root, &mut files);
    imports_of(&files)
}

/// The paths a use tree names, from the text right after `crate::` or `super::`, each with the
/// name it is used by: `a::b` (as `b`), `{a, b::{c, d}}`, `a::{self, b}` (as `a` and `a::b`),
/// `a::B as C` (as `C`). Reading stops at the end of the tree.
fn use_paths(text: &str) -> Vec<(Vec<String>, String)> {
    fn ident(text: &str) -> &str {
        let end = text
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        &text[..end]
    }
    /// Reads one tree under `prefix`; returns how many bytes it took.
    fn tree(text: &str, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) -> usize {
        let mut path = prefix.to_vec();
        let mut at = 0;
        loop {
            if text[at..].starts_with('{') {
                at += 1;
                loop {
                    let rest = &text[at..];
                    at += rest.len() - rest.trim_start_matches([',', ' ', '\n', '\t']).len();
                    if at >= text.len() || text[at..].starts_with('}') {
                        return (at + 1).min(text.len());
                    }
                    match tree(&text[at..], &path, out) {
                        0 => return at,
                        used => at += used,
                    }
                }
            }
            let word = ident(&text[at..]);
            at += word.len();
            if !word.is_empty() && word != "self" {
                path.push(word.to_owned());
            }
            if text[at..].starts_with("::") {
                at += 2;
                continue;
            }
            let mut name = path.last().cloned().unwrap_or_default();
            if let Some(rest) = text[at..].strip_prefix(" as ") {
                let alias = ident(rest);
                at += " as ".len() + alias.len();
                name = alias.to_owned();
            }
            if path.len() > prefix.len() || word == "self" {
                out.push((path, name));
            }
            return at;
        }
    }
    let mut out = Vec::new();
    tree(text, &[], &mut out);
    out
}

/// Every file each file imports, `files` being path → code: every `crate::` and `super::` path
/// outside test modules, through nested groups, `super::super`, and the crate root's
/// re-exports (`crate::Vitals` is an import of the file that defines `Vitals`).
fn imports_of(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let by_module: BTreeMap<Vec<String>, String> =
        files.keys().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |mut path: Vec<String>| -> Option<String> {
        while !path.is_empty() {
            if let Some(file) = by_module.get(&path) {
                return Some(file.clone());
            }
            path.pop();
        }
        None
    };
    // The crate root's `pub use room::Item;`: the item, as `crate::Item` names it, and the path
    // it stands for.
    let mut reexports: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(lib) = files.get("lib.rs") {
        for (at, _) in lib.match_indices("pub use ") {
            let rest = &lib[at + "pub use ".len()..];
            let rest = rest.strip_prefix("crate::").unwrap_or(rest);
            for (path, name) in use_paths(rest) {
                reexports.insert(name, path);
            }
        }
    }
    let mut edges = BTreeMap::new();
    for (file, code) in files {
        let me = module_of(file);
        let parent = me[..me.len().saturating_sub(1)].to_vec();
        let mut deps = BTreeSet::new();
        // `$crate::` in a macro is the path of the code the macro expands into: not an import.
        // A `super::` right after another is part of its path, not a path of its own; a path in
        // a comment (a doc link) is no import.
        let in_comment = |i: usize| {
            let line = code[..i].rfind('\n').map_or(0, |n| n + 1);
            code[line..i].contains("//")
        };
        let paths = |word: &'static str| {
            code.match_indices(word)
                .filter(|(i, _)| !code[..*i].ends_with('$'))
                .filter(move |(i, _)| !in_comment(*i))
                .filter(move |(i, _)| !(word == "super::" && code[..*i].ends_with("super::")))
                .map(move |(i, _)| (word, &code[i + word.len()..]))
        };
        for (base, rest) in paths("crate::").chain(paths("super::")) {
            for (mut path, _) in use_paths(rest) {
                if path.first().is_some_and(|p| p == "__private") {
                    path[0] = "private".into();
                }
                let full = if base == "crate::" {
                    match path.first().and_then(|p| reexports.get(p)) {
                        Some(target) if !by_module.contains_key(&path[..1]) => {
                            [target.clone(), path[1..].to_vec()].concat()
                        }
                        _ => path,
                    }
                } else {
                    // `super::super::x`: each further `super` goes one module up.
                    let ups = path.iter().take_while(|p| *p == "super").count();
                    let base = &parent[..parent.len().saturating_sub(ups)];
                    [base.to_vec(), path[ups..].to_vec()].concat()
                };
                if let Some(target) = resolve(full).filter(|t| t != file) {
                    deps.insert(target);
                }
            }
        }
        edges.insert(file.clone(), deps);
    }
    edges
}

/// The reader sees each kind of import, in a crate made up for it: a plain path, a group nested
/// in a group, `super::super`, and an item the crate root re-exports from a room above.
#[test]
fn the_reader_sees_every_kind_of_import() {
    let files: BTreeMap<String, String> = [
        ("lib.rs", "mod low;\nmod high;\npub use high::Server;\npub use crate::high::page::{Page, Plot as Drawing};\n"),
        ("high/mod.rs", "pub struct Server;\n"),
        ("high/page.rs", "pub struct Page;\npub struct Plot;\n"),
        ("low/mod.rs", "mod inner;\n"),
        ("low/plain.rs", "use crate::high::page::Page;\n"),
        ("low/nested.rs", "use crate::{low::plain, high::{page::Page, Server}};\n"),
        ("low/inner/deep.rs", "use super::super::plain;\nfn f() { super::super::super::high::Server; }\n"),
        ("low/reexport.rs", "use crate::Server;\nfn f(_: crate::Drawing) {}\n"),
        (
            "low/quiet.rs",
            "/// See [`Server`](crate::Server).\nmacro_rules! m { () => { $crate::high::Server } }\n",
        ),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c.to_owned()))
    .collect();
    let edges = imports_of(&files);
    let of = |f: &str| -> Vec<&str> { edges[f].iter().map(String::as_str).collect() };
    assert_eq!(of("low/plain.rs"), ["high/page.rs"]);
    assert_eq!(
        of("low/nested.rs"),
        ["high/mod.rs", "high/page.rs", "low/plain.rs"]
    );
    assert_eq!(of("low/inner/deep.rs"), ["high/mod.rs", "low/plain.rs"]);
    assert_eq!(of("low/reexport.rs"), ["high/mod.rs", "high/page.rs"]);
    assert!(of("low/quiet.rs").is_empty(), "{:?}", of("low/quiet.rs"));
}

#[test]
fn no_file_imports_a_room_above_its_own() {
    let mut upward = Vec::new();
    for (file, deps) in imports() {
        let (_, rank) = room(&file);
        for dep in deps {
            let (_, dep_rank) = room(&dep);
            if dep_rank > rank && (file.as_str(), dep.as_str()) != FACADE {
                upward.push(format!("{file} imports {dep}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let edges = imports();
    // Depth-first search for a back edge.
    fn visit<'a>(
        file: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|f| *f == file) {
            let mut circle: Vec<String> = path[at..].iter().map(|f| (*f).to_owned()).collect();
            circle.push(file.to_owned());
            return Some(circle);
        }
        if !done.insert(file) {
            return None;
        }
        path.push(file);
        for dep in edges.get(file).into_iter().flatten() {
            if let Some(circle) = visit(dep, edges, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for file in edges.keys() {
        if let Some(circle) = visit(file, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "files import each other in a circle: {}",
                circle.join(" → ")
            );
        }
    }
}
