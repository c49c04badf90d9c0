//! The runtime's rooms, as docs/architecture.md draws them: no file imports a room above its
//! own, and no files import each other in a circle. Read from the source: every `crate::` and
//! `super::` path outside test modules is an import of the file that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Rooms from the bottom up; a file may import its own room and those below.
const ROOMS: &[(&str, u8)] = &[
    ("sync", 0),
    ("clock", 0),
    ("float_text", 0),
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

/// Every file each file imports.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new("runtime/src");
    let mut files = BTreeMap::new();
    sources(root, root, &mut files);
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
    let mut edges = BTreeMap::new();
    for (file, code) in &files {
        let me = module_of(file);
        let parent = me[..me.len().saturating_sub(1)].to_vec();
        let mut deps = BTreeSet::new();
        // `$crate::` in a macro is the path of the code the macro expands into: not an import.
        let paths = |word: &'static str| {
            code.match_indices(word)
                .filter(|(i, _)| !code[..*i].ends_with('$'))
                .map(move |(i, _)| (word, &code[i + word.len()..]))
        };
        for (base, rest) in paths("crate::").chain(paths("super::")) {
            let items: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group[..group.find('}').unwrap_or(0)].split(',').collect()
            } else {
                vec![
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                        .next()
                        .unwrap(),
                ]
            };
            for item in items {
                let mut path: Vec<String> = item
                    .trim()
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if path.first().is_some_and(|p| p == "__private") {
                    path[0] = "private".into();
                }
                let full = if base == "crate::" {
                    path
                } else {
                    [parent.clone(), path].concat()
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
