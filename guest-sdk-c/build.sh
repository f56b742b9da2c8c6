#!/bin/sh
# Builds a C (or C++) sio-host handler into a component of the
# `stateful-endpoint` world (guest-sdk-c/README.md):
#
#   sh guest-sdk-c/build.sh handler.c [more.c ...] [-o handler.wasm] [--adapter FILE]
#
# 1. clang compiles the handler with this SDK and its generated bindings for
#    wasm32-wasi (a WASI preview1 reactor module);
# 2. `wasm-tools component embed` adds the world's type, from wit/;
# 3. `wasm-tools component new` makes the component, adapting the preview1
#    imports libc makes (stdio behind vsnprintf) to WASI 0.2 with the
#    reactor adapter: --adapter, else $SIO_WASI_ADAPTER, else
#    target/wasi_snapshot_preview1.reactor.wasm (`cargo xtask wasi-adapter`
#    writes it, from the crate matching the host's wasmtime).
#
# Environment: CC (clang), WASM_TOOLS (wasm-tools), CFLAGS (-Os -Wall),
# LDFLAGS (-Wl,--strip-debug: wasi-libc's debug info is most of the bytes
# otherwise), SIO_WIT (the WIT folder, default the repository's wit/).
set -eu

sdk=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$sdk")
out=handler.wasm
adapter=${SIO_WASI_ADAPTER:-}
world=stateful-endpoint
sources=

while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    --adapter) adapter=$2; shift 2 ;;
    --world)
      # One world: stateful-endpoint (its `state` is optional in the SDK).
      [ "$2" = stateful-endpoint ] || { echo "build.sh: only --world stateful-endpoint is supported (got $2)" >&2; exit 2; }
      shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) sources="$sources $1"; shift ;;
  esac
done
[ -n "$sources" ] || { echo "build.sh: name the handler's source files (build.sh --help)" >&2; exit 2; }
if [ -z "$adapter" ] && [ -f "$root/target/wasi_snapshot_preview1.reactor.wasm" ]; then
  adapter=$root/target/wasi_snapshot_preview1.reactor.wasm
fi

cc=${CC:-clang}
wasm_tools=${WASM_TOOLS:-wasm-tools}
wit=${SIO_WIT:-$root/wit}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found (Debian: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32)" >&2; exit 1; }
command -v "$wasm_tools" >/dev/null || { echo "build.sh: $wasm_tools not found (cargo install --locked wasm-tools@1.258.3 --no-default-features --features component)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2086 # CFLAGS, LDFLAGS and the sources are word lists
"$cc" --target=wasm32-wasi -mexec-model=reactor ${CFLAGS:--Os -Wall} ${LDFLAGS:--Wl,--strip-debug} \
  -I"$sdk" -I"$sdk/gen" $sources \
  "$sdk/sio.c" "$sdk/sio_json.c" "$sdk/gen/stateful_endpoint.c" \
  -o "$tmp/core.wasm"
"$wasm_tools" component embed "$wit" --world "$world" "$tmp/core.wasm" -o "$tmp/embedded.wasm"
if [ -n "$adapter" ]; then
  "$wasm_tools" component new "$tmp/embedded.wasm" --adapt "wasi_snapshot_preview1=$adapter" -o "$tmp/component.wasm"
else
  "$wasm_tools" component new "$tmp/embedded.wasm" -o "$tmp/component.wasm" || {
    echo "build.sh: no WASI adapter given (--adapter; \`cargo xtask wasi-adapter\` writes one)" >&2
    exit 1
  }
fi
# Replaced at once, as a hot-reloading host wants (a rename).
cp "$tmp/component.wasm" "$out.tmp"
mv "$out.tmp" "$out"
