#!/usr/bin/env bash
# User-space instructions per ack, counted by valgrind (callgrind): the
# deterministic figure for changes too small for the machine's noise. CPU
# time on this VM drifts 10-20% between runs (bench/ab.sh's spreads); an
# instruction count repeats to about 1%. It counts the server's own work
# only (the kernel's, 60% of the CPU per ack at 20,000/s, is outside it), at
# a low rate (RATE [1000] emits/s from CLIENTS [100] clients) because the
# server runs some 50x slower under valgrind: so every ack pays a wake-up of
# the runtime, which a busy server shares between many. Compare builds with
# it, not servers at full load.
#
#   bench/instr.sh NAME='COMMAND' [NAME='COMMAND' ...]
#
# `{port}` in a command is replaced by the port it must listen on, e.g.
#
#   E=bench/target/wasm32-wasip2/release/echo.wasm
#   bench/instr.sh before="/tmp/sio-before run --no-admin --listen 127.0.0.1:{port} $E" \
#     after="target/release/sio-host run --no-admin --listen 127.0.0.1:{port} $E" \
#     socketioxide="bench/target/release/socketioxide-echo {port}"
#
# For each NAME: the instructions per ack over WINDOW [10] seconds of load
# (after 3 s of warm-up), and the share by crate (self cost of each
# function, grouped by its path's first segment). RAW_WS lists the NAMEs
# that are bare websocket servers (loadgen --transport raw-ws). TOP [0]
# also prints that many of the costliest functions. The raw callgrind
# profiles stay in bench/target/instr-NAME.out (callgrind_annotate reads
# them). Needs valgrind and the loadgen built (bench/run.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=bench/target/release/loadgen
RATE=${RATE:-1000}
CLIENTS=${CLIENTS:-100}
WINDOW=${WINDOW:-10}
port=${PORT:-19600}
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 2; }

one() { # name command
  local name=$1 cmd=${2//\{port\}/$port} out=bench/target/instr-$1.out transport=websocket
  [[ " ${RAW_WS:-} " == *" $name "* ]] && transport=raw-ws
  rm -f "$out" "$out".*
  # shellcheck disable=SC2086 # the command is split on purpose
  RUST_LOG=warn valgrind --tool=callgrind --smc-check=all-non-file --compress-strings=no \
    --compress-pos=no --callgrind-out-file="$out" $cmd >/dev/null 2>&1 &
  local vg=$!
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
  done
  local lgout
  lgout=$(mktemp)
  "$LOADGEN" --workload echo --transport "$transport" --addr "127.0.0.1:$port" -n "$CLIENTS" \
    --rate "$RATE" --window 16 --warmup 3 --duration "$WINDOW" >"$lgout" 2>/dev/null &
  local lg=$!
  # Count from inside the loadgen's warm-up to the end of its window.
  sleep 2.5
  callgrind_control -z "$vg" >/dev/null 2>&1
  sleep "$WINDOW"
  callgrind_control -d "$vg" >/dev/null 2>&1
  wait "$lg" || true
  kill "$vg" 2>/dev/null || true
  wait "$vg" 2>/dev/null || true
  local acks
  acks=$(grep -o '"acks_per_s":[0-9.]*' "$lgout" | cut -d: -f2 || true)
  rm -f "$lgout"
  port=$((port + 1))
  local dump
  dump=$(ls "$out".* 2>/dev/null | head -1 || true)
  if [ -z "$dump" ] || [ -z "$acks" ]; then
    echo "$name: no profile or no acks (is the server up under valgrind?)"
    return
  fi
  mv "$dump" "$out"
  local units sums
  units=$(awk -v a="$acks" -v w="$WINDOW" 'BEGIN { print a * w }')
  sums=$(mktemp)
  # Self cost per function: cost lines after `fn=`, except the line after
  # `calls=` (that one is the callee's inclusive cost).
  awk '
    /^fn=/ { fn = substr($0, 4); next }
    /^calls=/ { skip = 1; next }
    /^[0-9+*-]/ { if (skip) { skip = 0; next } self[fn] += $2 }
    function crate(f,   g) {
      if (f ~ /^0x/) return "(JIT: guest code)"
      sub(/^<+/, "", f)
      if (f !~ /::/) return "(libc and other C)"
      g = f; sub(/::.*/, "", g); return g
    }
    END { for (f in self) { print "F", self[f], f; by[crate(f)] += self[f] } for (g in by) print "G", by[g], g }
  ' "$out" >"$sums"
  awk -v name="$name" -v u="$units" '$1 == "G" { t += $2 } END { printf "%-14s %9.0f instructions per ack\n", name, t / u }' "$sums"
  grep '^G ' "$sums" | sort -k2,2nr | head -8 | awk -v u="$units" '{ $1 = ""; c = $2; $2 = ""; printf "    %7.0f  %s\n", c / u, substr($0, 3) }' || true
  if [ "${TOP:-0}" -gt 0 ]; then
    echo "    costliest functions:"
    grep '^F ' "$sums" | sort -k2,2nr | head -"$TOP" | awk -v u="$units" '{ $1 = ""; c = $2; $2 = ""; printf "    %7.0f  %s\n", c / u, substr(substr($0, 3), 1, 110) }' || true
  fi
  rm -f "$sums"
}

for spec in "$@"; do
  one "${spec%%=*}" "${spec#*=}"
done
