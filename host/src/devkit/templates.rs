//! `sio-host new NAME --lang LANG`: a handler project from a template
//! embedded in the binary (host/templates/): an echo handler, a page served
//! with `static`, a `sio.toml` whose `[build]` table `sio-host build` and
//! `sio-host dev` run, and a README with the commands. Each builds with its
//! language's own tools against the packaged SDK of the contract version
//! this binary serves.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The SDKs' version the templates depend on (the `sio-guest` crate, the
/// npm package and the wheel; checked against guest-sdk/Cargo.toml).
pub const SDK_VERSION: &str = "0.1.0";
/// The npm package of the JavaScript SDK.
pub const JS_PACKAGE: &str = "sio-guest";
/// The Python distribution of the Python SDK.
pub const PY_PACKAGE: &str = "sio-guest";

/// A handler language `sio-host new` has a template for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, with the `sio-guest` crate.
    Rust,
    /// JavaScript, with the npm SDK and ComponentizeJS.
    Js,
    /// Python, with the wheel and componentize-py.
    Python,
    /// C, with the C SDK (its files are copied into the project).
    C,
}

/// One file of a template: its path in the project, its text with
/// `{{placeholders}}`.
type File = (&'static str, &'static str);

const COMMON: &[File] = &[
    (
        "static/index.html",
        include_str!("../../templates/common/index.html"),
    ),
    (
        ".gitignore",
        include_str!("../../templates/common/gitignore"),
    ),
];

const RUST: &[File] = &[
    (
        "Cargo.toml",
        include_str!("../../templates/rust/Cargo.toml"),
    ),
    (
        "src/lib.rs",
        include_str!("../../templates/rust/src/lib.rs"),
    ),
    ("sio.toml", include_str!("../../templates/rust/sio.toml")),
    ("README.md", include_str!("../../templates/rust/README.md")),
];

const JS: &[File] = &[
    ("handler.js", include_str!("../../templates/js/handler.js")),
    (
        "package.json",
        include_str!("../../templates/js/package.json"),
    ),
    ("sio.toml", include_str!("../../templates/js/sio.toml")),
    ("README.md", include_str!("../../templates/js/README.md")),
];

const PYTHON: &[File] = &[
    (
        "handler.py",
        include_str!("../../templates/python/handler.py"),
    ),
    (
        "requirements.txt",
        include_str!("../../templates/python/requirements.txt"),
    ),
    ("sio.toml", include_str!("../../templates/python/sio.toml")),
    (
        "README.md",
        include_str!("../../templates/python/README.md"),
    ),
];

const C: &[File] = &[
    ("handler.c", include_str!("../../templates/c/handler.c")),
    ("Makefile", include_str!("../../templates/c/Makefile")),
    ("sio.toml", include_str!("../../templates/c/sio.toml")),
    ("README.md", include_str!("../../templates/c/README.md")),
];

/// The C SDK, copied into a C project's `sdk/` as it is (C has no package
/// manager; the project carries the SDK of the contract it was made for).
const C_SDK: &[File] = &[
    ("sdk/sio.h", include_str!("../../../guest-sdk-c/sio.h")),
    ("sdk/sio.c", include_str!("../../../guest-sdk-c/sio.c")),
    (
        "sdk/sio_json.c",
        include_str!("../../../guest-sdk-c/sio_json.c"),
    ),
    (
        "sdk/build.sh",
        include_str!("../../../guest-sdk-c/build.sh"),
    ),
    (
        "sdk/README.md",
        include_str!("../../../guest-sdk-c/README.md"),
    ),
    (
        "sdk/gen/stateful_endpoint.h",
        include_str!("../../../guest-sdk-c/gen/stateful_endpoint.h"),
    ),
    (
        "sdk/gen/stateful_endpoint.c",
        include_str!("../../../guest-sdk-c/gen/stateful_endpoint.c"),
    ),
    ("wit/realtime.wit", super::WIT),
];

impl Lang {
    fn files(self) -> &'static [File] {
        match self {
            Lang::Rust => RUST,
            Lang::Js => JS,
            Lang::Python => PYTHON,
            Lang::C => C,
        }
    }

    /// Files copied as they are, placeholders and all.
    fn verbatim(self) -> &'static [File] {
        match self {
            Lang::C => C_SDK,
            _ => &[],
        }
    }
}

/// Whether `name` can name a project: a folder, a crate and a package.
fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        bail!(
            "{name:?} cannot name a project: use letters, digits, `-` and `_`, starting with a letter"
        );
    }
    if name.len() > 64 {
        bail!("{name:?} is too long for a project name (64 characters at most)");
    }
    Ok(())
}

/// `text` with the template's placeholders filled in.
fn fill(text: &str, name: &str) -> String {
    let crate_name = name.to_ascii_lowercase();
    text.replace("{{name}}", name)
        .replace("{{crate}}", &crate_name)
        .replace("{{crate_file}}", &crate_name.replace('-', "_"))
        .replace("{{wit_version}}", super::wit_version())
        .replace("{{sdk_version}}", SDK_VERSION)
        .replace("{{js_package}}", JS_PACKAGE)
        .replace("{{py_package}}", PY_PACKAGE)
        .replace(
            "{{py_wheel}}",
            &format!(
                "{}-{SDK_VERSION}-py3-none-any.whl",
                PY_PACKAGE.replace('-', "_")
            ),
        )
}

/// Write project `name` in language `lang` into `parent/name`, which must
/// not exist or be empty. Returns the project's folder.
pub fn new_project(name: &str, lang: Lang, parent: &Path) -> Result<PathBuf> {
    check_name(name)?;
    let dir = parent.join(name);
    if dir.exists()
        && std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!("{} exists and is not empty", dir.display());
    }
    let filled = COMMON
        .iter()
        .chain(lang.files())
        .map(|(path, text)| (*path, fill(text, name).into_bytes()));
    let verbatim = lang
        .verbatim()
        .iter()
        .map(|(path, text)| (*path, text.as_bytes().to_vec()));
    // The WASI preview1 reactor adapter `wasm-tools component new` needs,
    // the one matching this host's wasmtime.
    let adapter = (lang == Lang::C).then(|| {
        (
            "sdk/wasi_snapshot_preview1.reactor.wasm",
            wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER
                .to_vec(),
        )
    });
    for (path, bytes) in filled.chain(verbatim).chain(adapter) {
        let file = dir.join(path);
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["chat", "my-app", "a_1"] {
            check_name(good).unwrap();
        }
        for bad in ["", "1app", "a b", "../x", "a/b", "é"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_fill_every_placeholder() {
        for lang in [Lang::Rust, Lang::Js, Lang::Python, Lang::C] {
            for (path, text) in COMMON.iter().chain(lang.files()) {
                let filled = fill(text, "My-App");
                assert!(!filled.contains("{{"), "{lang:?} {path}: {filled}");
            }
        }
        assert!(fill("{{crate_file}}", "My-App") == "my_app");
    }

    #[test]
    fn the_sdk_version_is_the_rust_sdks() {
        let manifest = include_str!("../../../guest-sdk/Cargo.toml");
        assert!(
            manifest.contains(&format!("version = \"{SDK_VERSION}\"")),
            "guest-sdk/Cargo.toml's version is not {SDK_VERSION}"
        );
    }

    #[test]
    fn a_project_is_written_once() {
        let parent = std::env::temp_dir().join(format!("sio-new-{}", std::process::id()));
        let dir = new_project("demo", Lang::Rust, &parent).unwrap();
        assert!(dir.join("src/lib.rs").is_file());
        assert!(dir.join("static/index.html").is_file());
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(toml.contains("name = \"demo\""));
        assert!(new_project("demo", Lang::Rust, &parent).is_err());
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
