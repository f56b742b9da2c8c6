//! Reads the contract's version from `wit/realtime.wit` (`package
//! sio:realtime@X;`) into `SIO_WIT_VERSION` for `sio_guest::WIT_VERSION`, so
//! the constant always names the WIT the bindings were generated from.

use std::fs;

fn main() {
    let wit = "wit/realtime.wit";
    println!("cargo:rerun-if-changed={wit}");
    let text = fs::read_to_string(wit).unwrap_or_else(|e| panic!("reading {wit}: {e}"));
    let version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("package sio:realtime@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("{wit} has no `package sio:realtime@X;` line"));
    println!("cargo:rustc-env=SIO_WIT_VERSION={version}");
}
