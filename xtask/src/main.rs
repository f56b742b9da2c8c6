//! `cargo xtask` — project tasks, std only (plus the bytes of the WASI
//! adapter for C handlers, a crate of constants).
//!
//! * `cargo xtask build-wasm` — the handler components (workspace members under
//!   `examples/` and `tests/handlers/`: chat, conformance, ...), release,
//!   for wasm32-wasip2; and the JavaScript, Python and C chat handlers
//!   (`examples/chat-js`, `examples/chat-py`, `examples/chat-c`) with their
//!   SDKs' build scripts (ComponentizeJS from npm, componentize-py from PyPI;
//!   clang and wasm-tools for C), when changed.
//! * `cargo xtask demo [ARGS...]` — builds chat.wasm and the host (release) and
//!   serves the chat page on http://127.0.0.1:8000 (ARGS go to `sio-host run`).
//! * `cargo xtask example NAME [ARGS...]` — the same for any example with an
//!   `examples/NAME/sio.toml` (`demo` is `example chat`): builds its handler
//!   and the host (release), serves its page (a second server on another port
//!   when it has a `page.toml`, for crosssite).
//! * `cargo xtask gen-c-bindings` — regenerates the C SDK's `wit-bindgen c`
//!   bindings (`guest-sdk-c/gen/`, committed) from wit/ (`c`).
//! * `cargo xtask wasi-adapter [FILE]` — writes the WASI preview1 reactor
//!   adapter C handlers are made components with (`c`).
//! * `cargo xtask layers` — checks that each top-level module of `host/src`
//!   imports only modules of lower layers (`layers::LAYERS`, the table of
//!   docs/architecture.md); prints each import that does not.
//! * `cargo xtask package-sdks` — the three SDKs as packages in `target/sdk/`:
//!   the crate `sio-guest` (`cargo package`), the npm package `sio-guest`
//!   (`npm pack`) and the wheel `sio-guest` (`pip wheel`), each with the WIT
//!   it was written for; prints their paths.
//! * `cargo xtask test` — checks the layers, builds the handlers (release) and
//!   the host (debug), then runs `cargo test --workspace` and `node --test
//!   tests/node/`; fails if any of them fails, and ends with the summary lines
//!   of both runners.

use std::env;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

mod c;
mod layers;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build-wasm") => handlers()
            .and_then(|h| build_wasm(&h))
            .and_then(|()| build_script_handlers()),
        Some("demo") => example(Some("chat"), &args[1..]),
        Some("example") => example(
            args.get(1).map(String::as_str),
            args.get(2..).unwrap_or_default(),
        ),
        Some("gen-c-bindings") => c::gen_bindings(&args[1..]),
        Some("wasi-adapter") => c::wasi_adapter(&args[1..]),
        Some("layers") => match args.get(1) {
            None => layers::run(&root()),
            Some(a) => Err(format!(
                "`cargo xtask layers` takes no arguments (got {a:?})"
            )),
        },
        Some("package-sdks") => match args.get(1) {
            None => package_sdks(),
            Some(a) => Err(format!(
                "`cargo xtask package-sdks` takes no arguments (got {a:?})"
            )),
        },
        Some("test") => test(&args[1..]),
        Some("-h" | "--help" | "help") => {
            usage();
            return ExitCode::SUCCESS;
        }
        other => {
            usage();
            if let Some(other) = other {
                eprintln!("\nunknown task {other:?}");
            }
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         build-wasm      build the handler components (examples/*, tests/handlers/*) for {WASM_TARGET}, release,\n                  \
         and the JavaScript, Python and C ones (examples/chat-js, chat-py, chat-c)\n  \
         demo [ARGS...]  build chat.wasm + the host (release) and serve the chat page on\n                  \
         http://127.0.0.1:8000; ARGS are passed to `sio-host run`\n  \
         example NAME [ARGS...]  the same for examples/NAME (its sio.toml): ackping,\n                  \
         crosssite, multiplexed, rpcping, transports, ...\n  \
         gen-c-bindings  regenerate guest-sdk-c/gen/ with wit-bindgen c (wit-bindgen-cli {wit_bindgen})\n  \
         wasi-adapter [FILE]  write the WASI preview1 reactor adapter (default {adapter})\n  \
         layers          check that host/src's modules import only lower layers (docs/architecture.md)\n  \
         package-sdks    the SDKs as packages in target/sdk/: sio-guest .crate, npm .tgz, Python .whl\n  \
         test            check the layers, build handlers (release) + host (debug), run\n                  \
         `cargo test --workspace` and `node --test tests/node/`, print both runners' summaries",
        wit_bindgen = c::WIT_BINDGEN_VERSION,
        adapter = c::ADAPTER_PATH,
    );
}

type Result<T = ()> = std::result::Result<T, String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut c = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

fn step(msg: &str) {
    eprintln!("\n==> {msg}");
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a command with inherited stdio; errors if it fails.
fn run(mut cmd: Command) -> Result {
    let shown = show(&cmd);
    eprintln!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

// ------------------------------------------------------------------ set-up

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output();
    match installed {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
            {
                return Ok(());
            }
            step(&format!("adding the {WASM_TARGET} target"));
            let mut c = Command::new("rustup");
            c.args(["target", "add", WASM_TARGET]).current_dir(root());
            run(c)
        }
        _ => {
            eprintln!("xtask: rustup not usable; assuming the {WASM_TARGET} target is present");
            Ok(())
        }
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    p.metadata().and_then(|m| m.modified()).ok()
}

/// `npm ci` at the top (the Node test dependencies) when needed.
fn ensure_node_modules() -> Result {
    npm_ci(&root(), "the Node test dependencies")
}

/// `npm ci` in `dir` when its node_modules is missing or older than its
/// package(-lock).json.
fn npm_ci(dir: &Path, what: &str) -> Result {
    let lock = dir.join("package-lock.json");
    let manifest = dir.join("package.json");
    // npm writes its own copy of the lock file last when it installs.
    let installed = dir.join("node_modules/.package-lock.json");
    let stale = match mtime(&installed) {
        None => true,
        Some(t) => [&lock, &manifest]
            .iter()
            .filter_map(|p| mtime(p))
            .any(|src| src > t),
    };
    if !stale {
        return Ok(());
    }
    step(&format!("installing {what} (npm ci in {})", dir.display()));
    let mut c = Command::new("npm");
    c.args(["ci", "--no-audit", "--no-fund"]).current_dir(dir);
    run(c)
}

/// The handler crates: workspace members under `examples/` and `tests/handlers/`
/// (chat, conformance, and test-only handlers such as `hostile`).
fn handlers() -> Result<Vec<String>> {
    let root = root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("reading Cargo.toml: {e}"))?;
    let mut out = Vec::new();
    for dir in ["examples", "tests/handlers"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let member = format!("{dir}/{}", e.file_name().to_string_lossy());
            if !manifest.contains(&format!("\"{member}\"")) {
                continue; // not a workspace member (yet)
            }
            let Ok(toml) = std::fs::read_to_string(e.path().join("Cargo.toml")) else {
                continue;
            };
            if !toml.contains("cdylib") {
                continue;
            }
            if let Some(name) = package_name(&toml) {
                out.push(name);
            }
        }
    }
    if out.is_empty() {
        return Err("no handler crates found under examples/ or tests/handlers/".into());
    }
    Ok(out)
}

/// `name = "..."` of the `[package]` table.
fn package_name(toml: &str) -> Option<String> {
    let mut in_package = false;
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if in_package
            && let Some(v) = line.strip_prefix("name")
            && let Some(v) = v.trim_start().strip_prefix('=')
        {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

fn build_wasm<S: AsRef<str>>(packages: &[S]) -> Result {
    let packages: Vec<&str> = packages.iter().map(AsRef::as_ref).collect();
    ensure_wasm_target()?;
    step(&format!(
        "building handlers {packages:?} ({WASM_TARGET}, release)"
    ));
    let mut c = cargo();
    c.args(["build", "--target", WASM_TARGET, "--release"]);
    for p in &packages {
        c.args(["-p", p]);
    }
    run(c)?;
    for p in &packages {
        // Cargo names a library's artifact after the crate: `-` becomes `_`.
        let file = p.replace('-', "_");
        let out = root().join(format!("target/{WASM_TARGET}/release/{file}.wasm"));
        if !out.is_file() {
            return Err(format!("{} was not produced", out.display()));
        }
    }
    Ok(())
}

/// A handler written in another language, built by its SDK's build script
/// into `target/wasm32-wasip2/release/<name>.wasm` beside the Rust ones.
struct ScriptHandler {
    /// The component's file stem.
    name: &'static str,
    /// The handler's entry file; its folder holds its sources.
    entry: &'static str,
    /// The SDK folder: the build script and, for JavaScript, its npm packages.
    sdk: &'static str,
    /// The interpreter running the SDK's build script.
    interpreter: &'static str,
    /// The build script, in `sdk`.
    script: &'static str,
    /// The world to build for (`--world`); None: the script's default,
    /// `stateful-endpoint`.
    world: Option<&'static str>,
}

/// The JavaScript (ComponentizeJS), Python (componentize-py) and C (clang,
/// wasm-tools) handlers: the chat examples, the SDK probes of
/// tests/node/sdk-probe.test.mjs and the async-world probes of
/// tests/node/sdk-async.test.mjs.
const SCRIPT_HANDLERS: [ScriptHandler; 7] = [
    ScriptHandler::js("chat_js", "examples/chat-js/chat.js"),
    ScriptHandler::py("chat_py", "examples/chat-py/chat.py"),
    ScriptHandler::c("chat_c", "examples/chat-c/chat.c"),
    ScriptHandler::js("sdk_probe_js", "tests/handlers/sdk-probe-js/probe.js"),
    ScriptHandler::py("sdk_probe_py", "tests/handlers/sdk-probe-py/probe.py"),
    ScriptHandler::js("sdk_async_js", "tests/handlers/sdk-async-js/probe.js")
        .world("stateful-async-broadcast-endpoint"),
    ScriptHandler::py("sdk_async_py", "tests/handlers/sdk-async-py/probe.py")
        .world("stateful-async-broadcast-endpoint"),
];

impl ScriptHandler {
    const fn js(name: &'static str, entry: &'static str) -> Self {
        ScriptHandler {
            name,
            entry,
            sdk: "guest-sdk-js",
            interpreter: "node",
            script: "build.mjs",
            world: None,
        }
    }

    const fn py(name: &'static str, entry: &'static str) -> Self {
        ScriptHandler {
            name,
            entry,
            sdk: "guest-sdk-py",
            interpreter: "python3",
            script: "build.py",
            world: None,
        }
    }

    /// A C handler: guest-sdk-c/build.sh (clang, `wasm-tools component`,
    /// the WASI adapter of [`c::write_adapter`]).
    const fn c(name: &'static str, entry: &'static str) -> Self {
        ScriptHandler {
            name,
            entry,
            sdk: "guest-sdk-c",
            interpreter: "sh",
            script: "build.sh",
            world: None,
        }
    }

    /// Built for `world` (e.g. `stateful-async-endpoint`) instead of the
    /// build script's default.
    const fn world(self, world: &'static str) -> Self {
        ScriptHandler {
            world: Some(world),
            ..self
        }
    }
}

fn script_handler_wasm(h: &ScriptHandler) -> PathBuf {
    root().join(format!("target/{WASM_TARGET}/release/{}.wasm", h.name))
}

/// The newest modification time of the files under `dir` (installed
/// packages and caches left out).
fn newest_under(dir: &Path) -> Option<SystemTime> {
    let mut newest = mtime(dir);
    for entry in std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()) {
        let name = entry.file_name();
        if matches!(name.to_str(), Some("node_modules" | "__pycache__")) {
            continue;
        }
        let path = entry.path();
        let t = if path.is_dir() {
            newest_under(&path)
        } else {
            mtime(&path)
        };
        newest = newest.max(t);
    }
    newest
}

/// Builds the JavaScript and Python handlers, each only when its sources,
/// its SDK or wit/ changed since its component was written (componentizing
/// takes 10-20 s each).
fn build_script_handlers() -> Result {
    let root = root();
    npm_ci(&root.join("guest-sdk-js"), "the JavaScript build tools")?;
    for h in &SCRIPT_HANDLERS {
        let sdk = root.join(h.sdk);
        let out = script_handler_wasm(h);
        let entry = root.join(h.entry);
        let folder = entry.parent().unwrap_or(&root);
        let sources = [
            newest_under(folder),
            newest_under(&sdk),
            newest_under(&root.join("wit")),
        ];
        let built = mtime(&out);
        if built.is_some() && sources.iter().all(|t| *t < built) {
            eprintln!("{}: up to date", out.display());
            continue;
        }
        step(&format!("building handler {} ({})", h.name, h.entry));
        let mut c = Command::new(h.interpreter);
        c.current_dir(&root)
            .arg(sdk.join(h.script))
            .arg(&entry)
            .arg("-o")
            .arg(&out);
        if let Some(world) = h.world {
            c.args(["--world", world]);
        }
        if h.sdk == "guest-sdk-c" {
            c::check_bindings_fresh();
            c.env("SIO_WASI_ADAPTER", c::write_adapter(None)?);
        }
        run(c)?;
    }
    Ok(())
}

/// Compiles the JavaScript and Python components once with `host_bin`
/// (`sio-host check`), filling wasmtime's compilation cache before the tests
/// start servers with them in parallel (a cache hit when nothing changed).
fn warm_compilation_cache(host_bin: &Path) -> Result {
    step("compiling the JavaScript and Python handlers into wasmtime's cache");
    // One process compiles them one after another: the tests would start
    // several servers compiling the same bytes at once.
    let mut c = Command::new(host_bin);
    c.current_dir(root()).arg("check");
    for h in &SCRIPT_HANDLERS {
        c.arg(script_handler_wasm(h));
    }
    run(c)
}

fn build_host(release: bool) -> Result {
    step(&format!(
        "building the host ({})",
        if release { "release" } else { "debug" }
    ));
    let mut c = cargo();
    c.args(["build", "-p", "sio-host"]);
    if release {
        c.arg("--release");
    }
    run(c)
}

// ------------------------------------------------------------------ examples

/// The examples `cargo xtask example` runs: folders under `examples/` with a
/// `sio.toml` (the chat, TornadIO2's ackping, crosssite, multiplexed,
/// rpcping, transports, ...).
fn examples() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root().join("examples")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("sio.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `cargo xtask example NAME [ARGS...]`: builds the example's handler (the
/// crate named after it) and the host (release), then runs `sio-host run
/// --config examples/NAME/sio.toml ARGS...`. An example with a `page.toml`
/// (crosssite) gets a second server for its page, on another origin.
fn example(name: Option<&str>, extra: &[String]) -> Result {
    let known = examples();
    let Some(name) = name.filter(|n| known.iter().any(|k| k == n)) else {
        return Err(format!(
            "name an example: `cargo xtask example <{}>`",
            known.join("|")
        ));
    };
    ensure_node_modules()?;
    build_wasm(&[name])?;
    build_host(true)?;
    let root = root();
    let host = root.join("target/release/sio-host");
    let dir = format!("examples/{name}");
    let page_config = format!("{dir}/page.toml");
    let mut page_server = None;
    if root.join(&page_config).is_file() {
        let mut c = Command::new(&host);
        c.current_dir(&root).args(["run", "--config", &page_config]);
        step(&format!("serving the {name} page ({page_config})"));
        eprintln!("$ {}", show(&c));
        page_server = Some(
            c.spawn()
                .map_err(|e| format!("cannot start the page server: {e}"))?,
        );
    }
    let mut c = Command::new(&host);
    c.current_dir(&root)
        .args(["run", "--config", &format!("{dir}/sio.toml")])
        .args(extra);
    step(&format!("serving the {name} example (Ctrl-C to stop)"));
    let Some(mut page_server) = page_server else {
        eprintln!("$ {}", show(&c));
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            let e = c.exec();
            return Err(format!("cannot start sio-host: {e}"));
        }
        #[cfg(not(unix))]
        return run(c);
    };
    let served = run(c);
    let _ = page_server.kill();
    let _ = page_server.wait();
    served
}

// ------------------------------------------------------------------ package-sdks

/// The folder `cargo xtask package-sdks` writes the SDK packages into.
const SDK_DIR: &str = "target/sdk";

/// `"version"`'s string value in a JSON manifest (package.json), or
/// `version = "..."` in a TOML one's first table with it.
fn manifest_version(text: &str) -> Option<String> {
    for line in text.lines() {
        let line = line.trim();
        let rest = line
            .strip_prefix("\"version\"")
            .and_then(|r| r.trim_start().strip_prefix(':'))
            .or_else(|| {
                line.strip_prefix("version")
                    .and_then(|r| r.trim_start().strip_prefix('='))
            });
        if let Some(v) = rest {
            let v = v.trim().trim_end_matches(',').trim_matches('"');
            if !v.is_empty() {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// The one version of the three SDK packages (templates depend on all three
/// by it); an error naming each when they differ.
fn sdk_version() -> Result<String> {
    let root = root();
    let manifests = [
        "guest-sdk/Cargo.toml",
        "guest-sdk-js/package.json",
        "guest-sdk-py/pyproject.toml",
    ];
    let mut versions = Vec::new();
    for m in manifests {
        let text =
            std::fs::read_to_string(root.join(m)).map_err(|e| format!("reading {m}: {e}"))?;
        let v = manifest_version(&text).ok_or_else(|| format!("{m} names no version"))?;
        versions.push((m, v));
    }
    if versions.iter().any(|(_, v)| *v != versions[0].1) {
        let listed: Vec<String> = versions.iter().map(|(m, v)| format!("{m}: {v}")).collect();
        return Err(format!("the SDKs' versions differ ({})", listed.join(", ")));
    }
    Ok(versions.swap_remove(0).1)
}

/// Runs `cmd` and returns its stdout (stderr inherited); errors if it fails.
fn run_stdout(mut cmd: Command) -> Result<String> {
    let shown = show(&cmd);
    eprintln!("$ {shown}");
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{shown}` failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `cargo xtask package-sdks`: the crate (`cargo package`, which verifies
/// it builds from the .crate alone), the npm tarball (`npm pack`; its
/// prepack copies wit/ in and postpack removes the copy) and the wheel
/// (`pip wheel`; setup.py copies wit/ into the build), all into
/// `target/sdk/`, their paths printed one a line.
fn package_sdks() -> Result {
    let root = root();
    let version = sdk_version()?;
    let out = root.join(SDK_DIR);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;

    step(&format!(
        "the Rust SDK: crate sio-guest {version} (cargo package)"
    ));
    let mut c = cargo();
    // A work in progress packs too; .cargo_vcs_info.json then says dirty.
    c.args(["package", "-p", "sio-guest", "--allow-dirty"]);
    run(c)?;
    let name = format!("sio-guest-{version}.crate");
    let krate = out.join(&name);
    std::fs::copy(root.join("target/package").join(&name), &krate)
        .map_err(|e| format!("copying target/package/{name}: {e}"))?;

    step(&format!(
        "the JavaScript SDK: npm package sio-guest {version} (npm pack)"
    ));
    let mut c = Command::new("npm");
    c.current_dir(root.join("guest-sdk-js"))
        .args(["pack", "--pack-destination"])
        .arg(&out);
    let packed = run_stdout(c)?;
    let tgz = out.join(packed.lines().last().unwrap_or_default().trim());
    if !tgz.is_file() {
        return Err(format!("npm pack wrote no tarball (it said {packed:?})"));
    }

    step(&format!(
        "the Python SDK: wheel sio-guest {version} (pip wheel)"
    ));
    let sdk_py = root.join("guest-sdk-py");
    let mut c = Command::new("python3");
    c.current_dir(&root)
        .args([
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
        ])
        .arg(&out)
        .arg(&sdk_py)
        // stdout stays the packages' paths alone.
        .stdout(std::io::stderr());
    let built = run(c);
    // setuptools builds in the source folder; its leftovers are not sources.
    let _ = std::fs::remove_dir_all(sdk_py.join("build"));
    let _ = std::fs::remove_dir_all(sdk_py.join("sio_guest.egg-info"));
    built?;
    let whl = out.join(format!("sio_guest-{version}-py3-none-any.whl"));
    if !whl.is_file() {
        return Err(format!("{} was not produced", whl.display()));
    }

    step(&format!("the SDK packages, {version}"));
    for p in [&krate, &tgz, &whl] {
        println!("{}", p.display());
    }
    Ok(())
}

// ------------------------------------------------------------------ test

/// Runs `cmd`, echoing its output live, and returns (success, all output lines).
fn run_captured(mut cmd: Command) -> Result<(bool, Vec<String>)> {
    let shown = show(&cmd);
    eprintln!("$ {shown}");
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let l1 = lines.clone();
    let t1 = std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(|l| l.ok()) {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{line}");
            l1.lock().unwrap().push(line);
        }
    });
    let l2 = lines.clone();
    let t2 = std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
            let mut e = std::io::stderr().lock();
            let _ = writeln!(e, "{line}");
            l2.lock().unwrap().push(line);
        }
    });
    let status = child
        .wait()
        .map_err(|e| format!("waiting for `{shown}`: {e}"))?;
    let _ = t1.join();
    let _ = t2.join();
    let lines = std::mem::take(&mut *lines.lock().unwrap());
    Ok((status.success(), lines))
}

#[derive(Default, Debug)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

/// Number right after `key` in `s`, e.g. `("3 passed;", "passed")` → 3.
fn count_before(s: &str, key: &str) -> u64 {
    let Some(i) = s.find(key) else { return 0 };
    s[..i]
        .trim_end()
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Sums the `test result:` lines of `cargo test`.
fn cargo_summary(lines: &[String]) -> (Vec<String>, Counts) {
    let mut c = Counts::default();
    let mut results = Vec::new();
    for l in lines {
        if let Some(rest) = l.trim().strip_prefix("test result:") {
            c.passed += count_before(rest, " passed");
            c.failed += count_before(rest, " failed");
            c.skipped += count_before(rest, " ignored");
            results.push(l.trim().to_string());
        }
    }
    (results, c)
}

/// The closing lines of `node --test` (TAP `# pass N` or spec `ℹ pass N`).
fn node_summary(lines: &[String]) -> (Vec<String>, Counts) {
    let keys = [
        "tests",
        "suites",
        "pass",
        "fail",
        "cancelled",
        "skipped",
        "todo",
        "duration_ms",
    ];
    let mut c = Counts::default();
    let mut out = Vec::new();
    for l in lines {
        let t = l.trim();
        let body = t
            .strip_prefix("# ")
            .or_else(|| t.strip_prefix("ℹ "))
            .unwrap_or("");
        let mut parts = body.split_whitespace();
        let (Some(k), Some(v), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if !keys.contains(&k) || v.parse::<f64>().is_err() {
            continue;
        }
        let n: u64 = v.parse().unwrap_or(0);
        match k {
            "pass" => c.passed = n,
            "fail" | "cancelled" => c.failed += n,
            "skipped" | "todo" => c.skipped += n,
            _ => {}
        }
        out.push(t.to_string());
    }
    // Only the last block counts (the runner prints one at the very end).
    let tail = out.len().saturating_sub(keys.len());
    (out.split_off(tail), c)
}

fn test(extra: &[String]) -> Result {
    if let Some(a) = extra.first() {
        return Err(format!("`cargo xtask test` takes no arguments (got {a:?})"));
    }
    let started = Instant::now();
    // Before building anything: a misplaced import fails in a second.
    step("checking the host's layers (cargo xtask layers)");
    layers::run(&root())?;
    ensure_node_modules()?;
    build_wasm(&handlers()?)?;
    build_script_handlers()?;
    build_host(false)?;
    // tests/node/devkit.test.mjs installs these, as a new user would.
    package_sdks()?;

    let root = root();
    let host_bin = root.join("target/debug/sio-host");
    warm_compilation_cache(&host_bin)?;
    let wasm_dir = root.join(format!("target/{WASM_TARGET}/release"));
    let with_env = |c: &mut Command| {
        if env::var_os("SIO_HOST_BIN").is_none() {
            c.env("SIO_HOST_BIN", &host_bin);
        }
        if env::var_os("SIO_WASM_DIR").is_none() {
            c.env("SIO_WASM_DIR", &wasm_dir);
        }
    };

    step("cargo test --workspace");
    let t = Instant::now();
    let mut c = cargo();
    c.args(["test", "--workspace"]);
    with_env(&mut c);
    let (rust_ok, rust_lines) = run_captured(c)?;
    let rust_time = t.elapsed();

    step("node --test tests/node/");
    let t = Instant::now();
    let mut c = Command::new("node");
    c.current_dir(&root).args(["--test", "tests/node/"]);
    with_env(&mut c);
    let (node_ok, node_lines) = run_captured(c)?;
    let node_time = t.elapsed();

    let (rust_results, rc) = cargo_summary(&rust_lines);
    let (node_results, nc) = node_summary(&node_lines);

    let verdict = |ok: bool| if ok { "ok" } else { "FAILED" };
    println!("\n==================== summary ====================");
    println!(
        "cargo test --workspace: {} ({:.1} s)",
        verdict(rust_ok),
        rust_time.as_secs_f64()
    );
    for l in &rust_results {
        println!("  {l}");
    }
    println!(
        "  total: {} passed, {} failed, {} ignored",
        rc.passed, rc.failed, rc.skipped
    );
    println!(
        "node --test tests/node/: {} ({:.1} s)",
        verdict(node_ok),
        node_time.as_secs_f64()
    );
    for l in &node_results {
        println!("  {l}");
    }
    println!("all steps took {:.1} s", started.elapsed().as_secs_f64());
    // A plain closing line over both runners.
    let mut failed = rc.failed + nc.failed;
    if failed == 0 && !(rust_ok && node_ok) {
        failed = 1; // a runner failed without a counted test (build error, crash)
    }
    println!(
        "xtask: {} passed, {} failed, {} skipped",
        rc.passed + nc.passed,
        failed,
        rc.skipped + nc.skipped
    );
    match (rust_ok, node_ok) {
        (true, true) => Ok(()),
        (false, true) => Err("cargo test failed".into()),
        (true, false) => Err("node --test failed".into()),
        (false, false) => Err("cargo test and node --test failed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn package_names() {
        let toml = "[package]\nname = \"chat\"\nversion = \"0.1.0\"\n[lib]\nname = \"x\"\n";
        assert_eq!(package_name(toml).as_deref(), Some("chat"));
        assert_eq!(package_name("[lib]\nname = \"x\""), None);
    }

    #[test]
    fn handler_crates_found() {
        let h = handlers().unwrap();
        assert!(h.iter().any(|n| n == "chat"), "{h:?}");
        assert!(h.iter().any(|n| n == "conformance"), "{h:?}");
    }

    #[test]
    fn examples_found() {
        let e = examples();
        for name in [
            "chat",
            "ackping",
            "crosssite",
            "multiplexed",
            "rpcping",
            "transports",
        ] {
            assert!(e.iter().any(|n| n == name), "{name}: {e:?}");
        }
        assert!(example(Some("no-such-example"), &[]).is_err());
    }

    #[test]
    fn sdk_manifest_versions() {
        assert_eq!(
            manifest_version("[package]\nname = \"sio-guest\"\nversion = \"0.1.0\"\n").as_deref(),
            Some("0.1.0")
        );
        assert_eq!(
            manifest_version("{\n  \"name\": \"sio-guest\",\n  \"version\": \"0.2.0\",\n}")
                .as_deref(),
            Some("0.2.0")
        );
        assert_eq!(manifest_version("[lib]\nname = \"x\""), None);
        // The three packages carry one version (the templates depend on it).
        sdk_version().unwrap();
    }

    #[test]
    fn cargo_lines() {
        let (lines, c) = cargo_summary(&s(&[
            "running 2 tests",
            "test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: FAILED. 5 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.2s",
        ]));
        assert_eq!(lines.len(), 2);
        assert_eq!((c.passed, c.failed, c.skipped), (7, 3, 1));
    }

    #[test]
    fn node_lines_tap_and_spec() {
        let tap = s(&[
            "# Subtest: x",
            "# tests 12",
            "# suites 2",
            "# pass 10",
            "# fail 1",
            "# cancelled 0",
            "# skipped 1",
            "# todo 0",
            "# duration_ms 1234.5",
        ]);
        let (lines, c) = node_summary(&tap);
        assert_eq!(lines.len(), 8);
        assert_eq!((c.passed, c.failed, c.skipped), (10, 1, 1));
        let spec = s(&["ℹ tests 3", "ℹ pass 3", "ℹ fail 0", "ℹ skipped 0"]);
        let (_, c) = node_summary(&spec);
        assert_eq!((c.passed, c.failed, c.skipped), (3, 0, 0));
    }
}
