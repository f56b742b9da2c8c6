//! `sio-host dev`: build the project, serve it, and on every save rebuild
//! it; a good build is hot-reloaded into the running server (the `--watch`
//! reload: clients stay connected, handler state is handed over), a failed
//! one is shown in the terminal and on the template page's overlay (it
//! polls `/__sio-dev/status.json`) while the last good build keeps serving.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use notify::{EventKind, RecursiveMode, Watcher};
use serde_json::json;

use super::build::{self, BuildOutcome};
use crate::config::{Config, FileConfig, StaticMount};

/// Quiet time after the last change before a build starts: an editor's
/// save is often several writes.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Folders whose changes never start a build: build output and
/// dependencies.
const IGNORED: &[&str] = &[
    "target",
    "node_modules",
    ".venv",
    ".git",
    "__pycache__",
    "build",
];

/// Where `/__sio-dev/` is served from.
const STATUS_PREFIX: &str = "/__sio-dev/";

/// Run the dev loop for the project whose `sio.toml` `config` was read
/// from (`--watch` on). Returns when the server does.
pub async fn dev(
    mut config: Config,
    on_listening: impl FnOnce(std::net::SocketAddr),
) -> Result<()> {
    let config_file = config
        .source
        .file
        .clone()
        .context("sio-host dev needs the project's sio.toml")?;
    let dir = super::project_dir(&config_file);
    let status_dir = std::env::temp_dir().join(format!("sio-dev-{}", std::process::id()));
    std::fs::create_dir_all(&status_dir)
        .with_context(|| format!("creating {}", status_dir.display()))?;
    config.static_mounts.push(StaticMount {
        prefix: STATUS_PREFIX.into(),
        dir: status_dir.clone(),
    });
    config.watch = true;

    let section = build::section(&dir)?;
    let watched = build::watched(&dir, &section);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && matches!(
                event.kind,
                EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
            )
            && event.paths.iter().any(|p| !ignored(p))
        {
            let _ = tx.send(());
        }
    })
    .context("starting the file watcher")?;
    for path in &watched {
        let mode = if path.is_dir() {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        watcher
            .watch(path, mode)
            .with_context(|| format!("watching {}", path.display()))?;
    }

    // `first_build` built it; the page's status starts out fine.
    write_status(
        &status_dir.join("status.json"),
        &json!({ "ok": true, "output": "" }).to_string(),
    )?;

    let builder = {
        let dir = dir.clone();
        let status_dir = status_dir.clone();
        tokio::spawn(async move {
            // The watcher stops when dropped: it lives as long as this task.
            let _watcher = watcher;
            loop {
                wait_for_change(&mut rx).await;
                if let Err(e) = run_build(&dir, &status_dir).await {
                    eprintln!("sio-host dev: {e:#}");
                }
            }
        })
    };
    let served = crate::server::serve(config, on_listening).await;
    builder.abort();
    let _ = std::fs::remove_dir_all(&status_dir);
    served
}

/// Wait for a change, then for the changes to settle.
async fn wait_for_change(rx: &mut tokio::sync::mpsc::UnboundedReceiver<()>) {
    if rx.recv().await.is_none() {
        std::future::pending::<()>().await;
    }
    while let Ok(Some(())) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {}
}

/// Whether a changed path is build output or a dependency.
fn ignored(path: &Path) -> bool {
    path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|name| IGNORED.contains(&name))
    }) || path.extension().is_some_and(|e| e == "wasm")
}

/// Build the project of `config_file` before `sio-host dev` reads its
/// configuration (which needs the components to exist). A failed build is
/// an error unless an earlier build's components are there to serve.
pub fn first_build(config_file: &Path) -> Result<()> {
    let dir = super::project_dir(config_file);
    super::project_config(&dir)?;
    eprintln!("sio-host dev: building ({})", dir.display());
    let outcome = build::build(&dir, true)?;
    if outcome.ok {
        eprintln!("sio-host dev: built in {:.1} s", outcome.took.as_secs_f64());
        return Ok(());
    }
    let endpoints = FileConfig::read(config_file)?.endpoints(config_file)?;
    if endpoints.iter().all(|e| e.component.is_file()) {
        eprintln!("sio-host dev: the build failed; serving the previous build");
        Ok(())
    } else {
        anyhow::bail!("the first build failed (`{}`)", outcome.command)
    }
}

/// Build, tell the terminal, and write the page's status file.
async fn run_build(dir: &Path, status_dir: &Path) -> Result<BuildOutcome> {
    let started = now_ms();
    eprintln!("sio-host dev: building ({})", dir.display());
    let project = dir.to_path_buf();
    let outcome = tokio::task::spawn_blocking(move || build::build(&project, true))
        .await
        .context("the build task failed")??;
    if outcome.ok {
        eprintln!(
            "sio-host dev: built in {:.1} s; the server reloads what changed",
            outcome.took.as_secs_f64()
        );
    } else {
        eprintln!(
            "sio-host dev: the build failed (`{}`); the previous build keeps serving",
            outcome.command
        );
    }
    let status = json!({
        "ok": outcome.ok,
        "command": outcome.command,
        "output": outcome.output,
        "took_ms": outcome.took.as_millis() as u64,
        "started_ms": started,
    });
    write_status(&status_dir.join("status.json"), &status.to_string())?;
    Ok(outcome)
}

/// Replace the status file whole (a rename), so the page never reads half.
fn write_status(file: &PathBuf, text: &str) -> Result<()> {
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("writing {}", file.display()))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_dependencies_start_no_build() {
        assert!(ignored(Path::new("/p/target/wasm32-wasip2/release/a.wasm")));
        assert!(ignored(Path::new("/p/node_modules/x/index.js")));
        assert!(ignored(Path::new("/p/handler.wasm")));
        assert!(!ignored(Path::new("/p/src/lib.rs")));
        assert!(!ignored(Path::new("/p/handler.py")));
    }
}
