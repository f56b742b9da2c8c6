//! The handler author's kit, for projects outside this repository:
//! `sio-host wit` (the contract, embedded in the binary), `sio-host new`
//! (a project from a template, `templates.rs`), `sio-host build` (runs the
//! project's build, `build.rs`) and `sio-host dev` (build, serve, and on
//! every save rebuild and hot-reload into the running server, `dev.rs`).
//!
//! A project is a folder with a `sio.toml`: its endpoints (the component
//! files the build writes), `[server]` settings, and a `[build]` table that
//! says what builds it and what to watch (docs/devkit.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod build;
mod dev;
mod templates;

pub use build::{BuildOutcome, build};
pub use dev::{dev, first_build};
pub use templates::{Lang, new_project};

/// The WIT contract this binary serves, as one file (`wit/realtime.wit`).
pub const WIT: &str = include_str!("../../../wit/realtime.wit");

/// The contract's package, `sio:realtime@X.Y.Z`, read from [`WIT`].
pub fn wit_package() -> &'static str {
    WIT.lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map_or("sio:realtime", |p| p.trim_end_matches(';'))
}

/// The contract's version (`0.1.0`), read from [`WIT`].
pub fn wit_version() -> &'static str {
    wit_package().rsplit_once('@').map_or("", |(_, v)| v)
}

/// `sio-host wit [DIR]`: write the contract to `DIR/realtime.wit`, or
/// return it for stdout.
pub fn write_wit(dir: Option<&Path>) -> Result<Option<PathBuf>> {
    let Some(dir) = dir else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join("realtime.wit");
    std::fs::write(&file, WIT).with_context(|| format!("writing {}", file.display()))?;
    Ok(Some(file))
}

/// The project folder of a `sio.toml` path (its parent; `.` for a bare
/// file name).
pub fn project_dir(config: &Path) -> PathBuf {
    match config.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The `sio.toml` of a project folder, which must exist.
pub fn project_config(dir: &Path) -> Result<PathBuf> {
    let file = dir.join(crate::config::DEFAULT_CONFIG_FILE);
    if !file.is_file() {
        bail!(
            "{} has no {}: run this in a project folder (`sio-host new NAME` makes one)",
            dir.display(),
            crate::config::DEFAULT_CONFIG_FILE
        );
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_contract_names_its_version() {
        assert!(wit_package().starts_with("sio:realtime@"));
        assert_eq!(wit_version().split('.').count(), 3);
        assert!(WIT.contains("world endpoint"));
    }
}
