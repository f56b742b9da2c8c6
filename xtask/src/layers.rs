//! `cargo xtask layers`: the host's modules import only modules of lower
//! layers ([`LAYERS`]).
//!
//! Every `.rs` file under `host/src` belongs to the top-level module it sits
//! in (`host/src/endpoint/actor.rs` to `endpoint`, `host/src/server.rs` to
//! `server`); `lib.rs` only declares the modules and `main.rs` is the binary,
//! which may use anything, so both are skipped. A reference to another
//! top-level module is a path through the crate root: `crate::X...` (in a
//! `use` or anywhere in code, `use crate::{X, Y::..}` groups included), or a
//! `super::` chain that climbs to the root. Comments, doc comments and string
//! literals are not code and are skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The host's layers, top first: a module may import only modules of the
/// layers below its own, never one of its own layer (the modules of a layer
/// are independent of each other). `cargo xtask layers` fails on any other
/// import, and on a module missing here.
///
/// This mirrors the layer table of docs/architecture.md (a unit test
/// compares them); a new top-level module of `host/src` must be added to
/// both.
pub const LAYERS: &[&[&str]] = &[
    &["devkit"],
    &["server"],
    &["router", "admin"],
    &["transport", "static_files"],
    &["session", "admin_ui"],
    &["endpoint"],
    &["adapter", "kv"],
    &["outbox", "cors"],
    &["stats", "config"],
    &["http"],
];

/// The folder checked, from the workspace root.
const HOST_SRC: &str = "host/src";

/// The index in [`LAYERS`] of `module`'s layer (0 is the top).
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// What one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Files read (`lib.rs` and `main.rs` not counted).
    pub files: usize,
    /// References from one top-level module to another.
    pub imports: usize,
    /// `file:line: A -> B (why)`, one per offending reference, and
    /// `file: module A is not in the layer table`.
    pub problems: Vec<String>,
}

/// `cargo xtask layers`: checks `host/src` and prints what is wrong and a
/// summary line.
pub fn run(root: &Path) -> crate::Result {
    let report = check(root)?;
    for p in &report.problems {
        println!("{p}");
    }
    if report.problems.is_empty() {
        println!(
            "layers: {} files, {} cross-module imports, all downward",
            report.files, report.imports
        );
        Ok(())
    } else {
        println!(
            "layers: {} files, {} cross-module imports, {} against the layer table",
            report.files,
            report.imports,
            report.problems.len()
        );
        Err(format!(
            "{} of the host's imports break its layers (xtask/src/layers.rs LAYERS, \
             docs/architecture.md)",
            report.problems.len()
        ))
    }
}

/// Reads every `.rs` file under `root/host/src` and checks its references
/// to other top-level modules against [`LAYERS`].
pub fn check(root: &Path) -> crate::Result<Report> {
    let src = root.join(HOST_SRC);
    let mut files = Vec::new();
    rust_files(&src, &mut files)?;
    files.sort();
    let mut report = Report::default();
    let mut unlisted = BTreeSet::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap_or(path);
        let Some(module_path) = module_path(rel) else {
            continue; // lib.rs, main.rs
        };
        let shown = format!("{HOST_SRC}/{}", rel.display()).replace('\\', "/");
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        report.files += 1;
        let from = module_path[0].as_str();
        let from_layer = layer_of(from);
        if from_layer.is_none() && unlisted.insert(from.to_string()) {
            report
                .problems
                .push(format!("{shown}: module {from} is not in the layer table"));
        }
        for (line, to) in references(&text, &module_path) {
            if to == from {
                continue;
            }
            report.imports += 1;
            let why = match (from_layer, layer_of(&to)) {
                (_, None) => format!("{to} is not in the layer table"),
                (None, Some(_)) => format!("{from} is not in the layer table"),
                (Some(a), Some(b)) if a == b => format!("both in layer {}", a + 1),
                (Some(a), Some(b)) if b < a => {
                    format!("layer {} imports layer {}, above it", a + 1, b + 1)
                }
                _ => continue,
            };
            report
                .problems
                .push(format!("{shown}:{line}: {from} -> {to} ({why})"));
        }
    }
    if report.files == 0 {
        return Err(format!("no .rs files under {}", src.display()));
    }
    Ok(report)
}

/// The `.rs` files under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> crate::Result {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The module a file under `host/src` defines, as a path from the crate
/// root (`endpoint/namespace/mod.rs` is `[endpoint, namespace]`); `None` for
/// `lib.rs` and `main.rs`.
fn module_path(rel: &Path) -> Option<Vec<String>> {
    let mut path: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let file = path.pop()?;
    let stem = file.strip_suffix(".rs")?;
    if path.is_empty() && matches!(stem, "lib" | "main") {
        return None;
    }
    if stem != "mod" {
        path.push(stem.to_string());
    }
    (!path.is_empty()).then_some(path)
}

/// A token of Rust source, comments and literals left out.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
}

/// The identifiers, `::`s and punctuation of `src`, each with its line
/// (1-based). Comments (doc comments too), string, byte-string, raw-string
/// and character literals are skipped; numbers and lifetimes are dropped or
/// kept as harmless identifiers.
fn tokenize(src: &str) -> Vec<(usize, Tok)> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied();
    let is_ident = |ch: char| ch == '_' || ch.is_alphanumeric();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while let Some(ch) = at(i) {
        match ch {
            '\n' => {
                line += 1;
                i += 1;
            }
            _ if ch.is_whitespace() => i += 1,
            '/' if at(i + 1) == Some('/') => {
                while at(i).is_some_and(|ch| ch != '\n') {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('*') => {
                let mut depth = 1;
                i += 2;
                while depth > 0 && i < c.len() {
                    if at(i) == Some('/') && at(i + 1) == Some('*') {
                        depth += 1;
                        i += 2;
                    } else if at(i) == Some('*') && at(i + 1) == Some('/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        line += usize::from(at(i) == Some('\n'));
                        i += 1;
                    }
                }
            }
            '"' => i = skip_string(&c, i + 1, &mut line),
            '\'' => i = skip_char_or_lifetime(&c, i),
            ':' if at(i + 1) == Some(':') => {
                out.push((line, Tok::PathSep));
                i += 2;
            }
            _ if ch.is_ascii_digit() => {
                while at(i).is_some_and(is_ident) {
                    i += 1;
                }
            }
            _ if is_ident(ch) => {
                let start = i;
                while at(i).is_some_and(is_ident) {
                    i += 1;
                }
                let word: String = c[start..i].iter().collect();
                match (word.as_str(), at(i)) {
                    ("b" | "c", Some('"')) => i = skip_string(&c, i + 1, &mut line),
                    ("b", Some('\'')) => i = skip_char_or_lifetime(&c, i),
                    ("r" | "br" | "cr", Some('"' | '#')) => {
                        let mut j = i;
                        while at(j) == Some('#') {
                            j += 1;
                        }
                        if at(j) == Some('"') {
                            i = skip_raw_string(&c, j + 1, j - i, &mut line);
                        } else {
                            // A raw identifier, `r#type`: the identifier follows.
                            i += 1;
                        }
                    }
                    _ => out.push((line, Tok::Ident(word))),
                }
            }
            _ => {
                out.push((line, Tok::Punct(ch)));
                i += 1;
            }
        }
    }
    out
}

/// Past the closing quote of a string whose body starts at `i`.
fn skip_string(c: &[char], mut i: usize, line: &mut usize) -> usize {
    while let Some(&ch) = c.get(i) {
        match ch {
            '\\' => {
                *line += usize::from(c.get(i + 1) == Some(&'\n'));
                i += 2;
            }
            '"' => return i + 1,
            _ => {
                *line += usize::from(ch == '\n');
                i += 1;
            }
        }
    }
    i
}

/// Past the `"` and `hashes` `#`s closing a raw string whose body starts
/// at `i`.
fn skip_raw_string(c: &[char], mut i: usize, hashes: usize, line: &mut usize) -> usize {
    while let Some(&ch) = c.get(i) {
        if ch == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
            return i + 1 + hashes;
        }
        *line += usize::from(ch == '\n');
        i += 1;
    }
    i
}

/// At a `'`: past a character literal (`'a'`, `'\n'`, `'\u{1F600}'`,
/// `'"'`), or just past the quote of a lifetime or label (its name is then
/// read as an identifier).
fn skip_char_or_lifetime(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        let mut j = i + 3;
        while c.get(j).is_some_and(|ch| *ch != '\'' && *ch != '\n') {
            j += 1;
        }
        j + 1
    } else if c.get(i + 2) == Some(&'\'') {
        i + 3
    } else {
        i + 1
    }
}

/// The top-level modules `src` refers to through the crate root, each with
/// the line it is named on, in order. `module` is the module the file
/// defines (see [`module_path()`]), for resolving `super::`.
fn references(src: &str, module: &[String]) -> Vec<(usize, String)> {
    let toks = tokenize(src);
    let ident = |k: usize, name: &str| matches!(toks.get(k), Some((_, Tok::Ident(s))) if s == name);
    let sep = |k: usize| matches!(toks.get(k), Some((_, Tok::PathSep)));
    let mut out = Vec::new();
    // Inline modules (`mod tests { .. }`) open at a brace depth.
    let mut depth = 0;
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut pending_mod = None;
    for (k, (_, tok)) in toks.iter().enumerate() {
        let path_start = k == 0 || !sep(k - 1);
        match tok {
            Tok::Punct('{') => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some((_, Tok::Ident(name))), Some((_, Tok::Punct('{')))) =
                    (toks.get(k + 1), toks.get(k + 2))
                {
                    pending_mod = Some(name.clone());
                }
            }
            Tok::Ident(w) if w == "crate" && path_start && sep(k + 1) => {
                out.extend(root_items(&toks, k + 2));
            }
            Tok::Ident(w) if w == "super" && path_start => {
                let mut j = k;
                let mut ups = 0;
                while ident(j, "super") && sep(j + 1) {
                    ups += 1;
                    j += 2;
                }
                if ups > 0 && ups == module.len() + inline.len() {
                    out.extend(root_items(&toks, j));
                }
            }
            _ => {}
        }
    }
    out
}

/// The crate-root items named at `toks[k]`, right after `crate::`: one
/// identifier, or the first identifier of each entry of a `{..}` group.
fn root_items(toks: &[(usize, Tok)], k: usize) -> Vec<(usize, String)> {
    let keep = |s: &str| !matches!(s, "self" | "super" | "crate");
    match toks.get(k) {
        Some((line, Tok::Ident(s))) if keep(s) => vec![(*line, s.clone())],
        Some((_, Tok::Punct('{'))) => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut entry_start = false;
            for (line, tok) in &toks[k..] {
                match tok {
                    Tok::Punct('{') => {
                        depth += 1;
                        entry_start = depth == 1;
                    }
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Punct(',') if depth == 1 => entry_start = true,
                    Tok::Ident(s) if depth == 1 && entry_start => {
                        if keep(s) {
                            out.push((*line, s.clone()));
                        }
                        entry_start = false;
                    }
                    _ if depth == 1 => entry_start = false,
                    _ => {}
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<(usize, String)> {
        references(src, &["session".to_string()])
    }

    fn names(src: &str) -> Vec<String> {
        refs(src).into_iter().map(|(_, m)| m).collect()
    }

    #[test]
    fn use_groups() {
        let src = "use crate::{stats::Stats, outbox, config::{self, Config as C}};\n\
                   use crate::{\n    adapter::Adapter,\n    http,\n};";
        assert_eq!(
            refs(src),
            [
                (1, "stats".to_string()),
                (1, "outbox".to_string()),
                (1, "config".to_string()),
                (3, "adapter".to_string()),
                (4, "http".to_string()),
            ]
        );
        assert_eq!(names("use crate::{self as root, endpoint};"), ["endpoint"]);
    }

    #[test]
    fn paths_in_code() {
        let src = "fn f() -> crate::stats::Stats {\n    let x = crate::config::Config::default();\n    \
                   crate::endpoint::call(&x, <crate::outbox::Frame>::new());\n}";
        assert_eq!(
            refs(src),
            [
                (1, "stats".to_string()),
                (2, "config".to_string()),
                (3, "endpoint".to_string()),
                (3, "outbox".to_string()),
            ]
        );
        // `pub(crate)` names no module; `$crate::` in a macro does.
        assert_eq!(
            names("pub(crate) fn f() {}\nmacro_rules! m { () => { $crate::stats::X } }"),
            ["stats"]
        );
    }

    #[test]
    fn use_as() {
        assert_eq!(names("use crate::server as srv;"), ["server"]);
        assert_eq!(
            names("use crate::server::State as S; use crate :: router;"),
            ["server", "router"]
        );
    }

    #[test]
    fn comments_and_literals_ignored() {
        let src = r####"
// use crate::server;
/// Held by [`crate::server::State`].
//! crate::router
/* crate::admin /* nested crate::admin */ crate::admin */
/** crate::admin */
const A: &str = "crate::server::X \" crate::server";
const B: &str = r#"crate::server "quoted" "#;
const C: &[u8] = br##"crate::server"##;
const D: char = '"';
const E: &[u8] = b"crate::server";
fn f<'a>(x: &'a str) -> char { '\'' }
use crate::stats; // crate::server
"####;
        assert_eq!(refs(src), [(13, "stats".to_string())]);
    }

    #[test]
    fn super_to_the_root() {
        let endpoint_actor = ["endpoint".to_string(), "actor".to_string()];
        let src = "use super::runtime::X;\nuse super::super::stats::Stats;\n\
                   mod tests {\n    use super::*;\n    use super::super::super::config;\n}\n\
                   use super::super::{adapter, outbox::Frame};";
        assert_eq!(
            references(src, &endpoint_actor),
            [
                (2, "stats".to_string()),
                (5, "config".to_string()),
                (7, "adapter".to_string()),
                (7, "outbox".to_string()),
            ]
        );
        // `config/sio1.rs`'s tests name `super::super::FileConfig`: `config`'s
        // own item, not the root's.
        let config_sio1 = ["config".to_string(), "sio1".to_string()];
        let src = "#[cfg(test)]\nmod tests {\n    fn f() { let _: super::super::FileConfig; }\n}";
        assert!(references(src, &config_sio1).is_empty());
        assert!(references("pub(super) fn f() {}", &config_sio1).is_empty());
    }

    #[test]
    fn module_paths() {
        let m = |p: &str| module_path(Path::new(p));
        assert_eq!(m("server.rs"), Some(vec!["server".to_string()]));
        assert_eq!(
            m("endpoint/actor.rs"),
            Some(vec!["endpoint".to_string(), "actor".to_string()])
        );
        assert_eq!(
            m("endpoint/namespace/mod.rs"),
            Some(vec!["endpoint".to_string(), "namespace".to_string()])
        );
        assert_eq!(m("stats/mod.rs"), Some(vec!["stats".to_string()]));
        assert_eq!(m("lib.rs"), None);
        assert_eq!(m("main.rs"), None);
    }

    #[test]
    fn table_names_each_module_once() {
        let all: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len(), "{all:?}");
        assert_eq!(layer_of("devkit"), Some(0));
        assert_eq!(layer_of("server"), Some(1));
        assert!(layer_of("stats") > layer_of("outbox"));
        assert!(layer_of("http") > layer_of("config"));
        assert_eq!(layer_of("nonesuch"), None);
    }

    /// The `| 1 | `server` | ... |` rows of docs/architecture.md's layer
    /// table, as module names per layer.
    fn documented_layers(doc: &str) -> Vec<Vec<String>> {
        doc.lines()
            .skip_while(|l| !l.starts_with("| layer |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|row| {
                let modules = row.split('|').nth(2).unwrap_or("");
                modules
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn table_mirrors_the_architecture_doc() {
        let path = crate::root().join("docs/architecture.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let documented = documented_layers(&doc);
        let ours: Vec<Vec<String>> = LAYERS
            .iter()
            .map(|l| l.iter().map(|m| m.to_string()).collect())
            .collect();
        assert_eq!(ours, documented, "LAYERS and {}'s table", path.display());
    }

    #[test]
    fn checks_a_tree() {
        let dir = std::env::temp_dir().join(format!("xtask-layers-{}", std::process::id()));
        let src = dir.join(HOST_SRC);
        std::fs::create_dir_all(src.join("session")).unwrap();
        let write = |p: &str, text: &str| std::fs::write(src.join(p), text).unwrap();
        write(
            "lib.rs",
            "pub mod server;\npub mod session;\npub mod stats;\n",
        );
        write("main.rs", "use sio_host::server;\nuse crate::anything;\n");
        write(
            "server.rs",
            "use crate::session::Session;\nuse crate::stats::Stats;\n",
        );
        write("session/mod.rs", "mod conns;\nuse crate::stats::Stats;\n");
        write(
            "session/conns.rs",
            "use crate::session::X;\nfn f() { crate::server::g() }\n",
        );
        write("stats.rs", "use crate::{stats, wobble};\n");
        let report = check(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let report = report.unwrap();
        assert_eq!(report.files, 4);
        assert_eq!(report.imports, 5);
        assert_eq!(
            report.problems,
            [
                "host/src/session/conns.rs:2: session -> server (layer 5 imports layer 2, above it)",
                "host/src/stats.rs:1: stats -> wobble (wobble is not in the layer table)",
            ]
        );
    }
}
