//! `sio-host build`: run a project's build, whatever its language.
//!
//! The command is `sio.toml`'s `[build] command`, else one picked by what
//! the folder holds: `Cargo.toml` (cargo for wasm32-wasip2), `package.json`
//! (`npm run build`), a `Makefile` (`make`). It runs through `sh -c` in the
//! project's folder, with the project's own tool folders first on `PATH`
//! (`node_modules/.bin`, `.venv/bin`), so a template's build finds the SDK
//! it installed there.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::config::{BuildSection, FileConfig};

/// How much of a build's output is kept for the page's overlay.
const KEPT_OUTPUT: usize = 64 * 1024;

/// How a build went.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    /// The command that ran.
    pub command: String,
    /// It exited with success.
    pub ok: bool,
    /// Its output, stdout and stderr as they came (the last 64 KiB).
    pub output: String,
    /// How long it took.
    pub took: Duration,
}

/// The project's `[build]` table (empty when it has none).
pub(super) fn section(dir: &Path) -> Result<BuildSection> {
    let config = super::project_config(dir)?;
    Ok(FileConfig::read(&config)?.build.unwrap_or_default())
}

/// The build command of the project in `dir`.
pub(super) fn command(dir: &Path, section: &BuildSection) -> Result<String> {
    if let Some(command) = &section.command {
        return Ok(command.clone());
    }
    let has = |f: &str| dir.join(f).is_file();
    if has("Cargo.toml") {
        Ok("cargo build --target wasm32-wasip2 --release".into())
    } else if has("package.json") {
        Ok("npm run build".into())
    } else if has("Makefile") {
        Ok("make".into())
    } else {
        bail!(
            "{}: no [build] command in sio.toml, and nothing to guess one from \
             (Cargo.toml, package.json, Makefile)",
            dir.display()
        )
    }
}

/// What `sio-host dev` watches in `dir`: `[build] watch`, else the whole
/// folder (the caller skips build output and dependency folders).
pub(super) fn watched(dir: &Path, section: &BuildSection) -> Vec<PathBuf> {
    match &section.watch {
        Some(paths) if !paths.is_empty() => paths.iter().map(|p| dir.join(p)).collect(),
        _ => vec![dir.to_path_buf()],
    }
}

/// `PATH` with the project's tool folders first.
fn path_with_project_tools(dir: &Path) -> std::ffi::OsString {
    let mut paths: Vec<PathBuf> = ["node_modules/.bin", ".venv/bin"]
        .iter()
        .map(|p| dir.join(p))
        .filter(|p| p.is_dir())
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Build the project in `dir`. Its output goes to this process's stderr as
/// it comes when `echo` is set, and is kept in the outcome. Err only when
/// the build could not be started; a failed build is `ok: false`.
pub fn build(dir: &Path, echo: bool) -> Result<BuildOutcome> {
    let section = section(dir)?;
    let command = command(dir, &section)?;
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(dir)
        .env("PATH", path_with_project_tools(dir))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting `{command}` in {}", dir.display()))?;
    let kept = Arc::new(Mutex::new(String::new()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let kept = kept.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if echo {
                    eprintln!("{line}");
                }
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                kept.push_str(&line);
                kept.push('\n');
                if kept.len() > KEPT_OUTPUT {
                    let cut = kept.len() - KEPT_OUTPUT;
                    let cut = (cut..kept.len())
                        .find(|&i| kept.is_char_boundary(i))
                        .unwrap_or(kept.len());
                    kept.drain(..cut);
                }
            }
        })
    })
    .collect();
    let status = child
        .wait()
        .with_context(|| format!("waiting for `{command}`"))?;
    for reader in readers {
        let _ = reader.join();
    }
    let output = std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(BuildOutcome {
        command,
        ok: status.success(),
        output,
        took: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sio-build-{}-{}", std::process::id(), files.len()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn the_command_comes_from_sio_toml_or_the_folder() {
        let dir = project(&[("sio.toml", "[build]\ncommand = \"echo hi\"\n")]);
        assert_eq!(command(&dir, &section(&dir).unwrap()).unwrap(), "echo hi");
        let dir = project(&[("sio.toml", ""), ("Cargo.toml", "")]);
        assert!(
            command(&dir, &section(&dir).unwrap())
                .unwrap()
                .starts_with("cargo build")
        );
        let dir = project(&[("sio.toml", ""), ("x.txt", ""), ("y.txt", "")]);
        assert!(command(&dir, &section(&dir).unwrap()).is_err());
    }

    #[test]
    fn a_build_reports_its_output_and_failure() {
        let dir = project(&[
            (
                "sio.toml",
                "[build]\ncommand = \"echo out; echo err >&2; exit 3\"\n",
            ),
            ("a", ""),
            ("b", ""),
            ("c", ""),
        ]);
        let outcome = build(&dir, false).unwrap();
        assert!(!outcome.ok);
        assert!(outcome.output.contains("out\n") && outcome.output.contains("err\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
