//! `run --watch`: reload an endpoint when its component file changes.
//!
//! The folders holding the component files (and `sio.toml`) are watched,
//! not the files: editors and build tools often replace a file by renaming
//! a new one over it, which would end a watch on the file itself. Events
//! are debounced per file: a reload starts once the file has been quiet for
//! [`DEBOUNCE`], so a file written in several steps is read once, whole. A
//! reload that still catches a half-written file is refused (it does not
//! compile) and the next write triggers another. A file whose bytes are
//! those running already is not reloaded. A change to `sio.toml` reloads
//! the endpoints whose entry changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::time::Instant;

use super::reload::{Reloader, Trigger};

/// Quiet time after the last event before a file is read.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// `dir/name` with `dir` canonical: how events name a file in a watched
/// folder, whatever path the configuration used.
fn key(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

fn relevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Remove(_) | EventKind::Other => false,
    }
}

/// Start watching; runs until the process ends.
pub async fn start(reloader: Arc<Reloader>) -> Result<()> {
    let mut files: Vec<PathBuf> = reloader
        .components()
        .await
        .into_iter()
        .map(|(_, path)| path)
        .collect();
    if let Some(config) = reloader.config_file() {
        files.push(config.to_path_buf());
    }
    let keys: Vec<PathBuf> = files.iter().filter_map(|f| key(f)).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let wanted = keys.clone();
    let mut watcher =
        notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
            Ok(event) if relevant(&event.kind) => {
                for p in event.paths {
                    if wanted.contains(&p) {
                        let _ = tx.send(p);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("file watcher: {e}"),
        })
        .context("starting the file watcher")?;
    let mut dirs: Vec<&Path> = keys.iter().filter_map(|k| k.parent()).collect();
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .with_context(|| format!("watching {}", dir.display()))?;
    }
    tracing::info!(
        folders = dirs.len(),
        files = keys.len(),
        "watching component files for changes"
    );
    let config_key = reloader.config_file().and_then(key);
    tokio::spawn(async move {
        // The watcher stops when dropped: it lives as long as this task.
        let _watcher = watcher;
        let mut pending: HashMap<PathBuf, Instant> = HashMap::new();
        loop {
            let next = pending.values().min().copied();
            tokio::select! {
                path = rx.recv() => match path {
                    Some(path) => {
                        pending.insert(path, Instant::now() + DEBOUNCE);
                    }
                    None => break,
                },
                _ = sleep_until(next), if next.is_some() => {
                    let now = Instant::now();
                    let due: Vec<PathBuf> = pending
                        .iter()
                        .filter(|(_, t)| **t <= now)
                        .map(|(p, _)| p.clone())
                        .collect();
                    for path in due {
                        pending.remove(&path);
                        changed(&reloader, &path, config_key.as_deref()).await;
                    }
                }
            }
        }
    });
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// A watched file settled: reload what uses it.
async fn changed(reloader: &Reloader, path: &Path, config_key: Option<&Path>) {
    if !path.is_file() {
        // Removed, or between the two steps of a rename: the next event
        // brings it back.
        tracing::debug!(file = %path.display(), "changed file is not there; waiting");
        return;
    }
    if config_key == Some(path) {
        tracing::info!(file = %path.display(), "config file changed; reloading changed endpoints");
        for (_, outcome) in reloader.reload_all(Trigger::Watch).await {
            let _ = outcome; // each reload logs its own outcome
        }
        return;
    }
    for (nsp, component) in reloader.components().await {
        if key(&component).as_deref() == Some(path) {
            reloader.reload(&nsp, Trigger::Watch).await;
        }
    }
}
