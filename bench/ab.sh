#!/usr/bin/env bash
# A/B runs for comparing builds: each server command in turn, ROUNDS
# times, pinned like run.sh (server on core 1, loadgen on core 0). Prints
# acks/s (echo) or deliveries/s (broadcast) and the server's user and
# system CPU per unit, read from /proc/PID/stat over 5 s of load. Turns, not one long run each, because the
# machine's speed drifts by more than some differences measured.
#
#   bench/ab.sh ROUNDS NAME='COMMAND' [NAME='COMMAND' ...]
#
# `{port}` in a command is replaced by the port it must listen on, e.g.
#
#   E=bench/target/wasm32-wasip2/release/echo.wasm
#   bench/ab.sh 3 \
#     before="/tmp/sio-before run --listen 127.0.0.1:{port} $E" \
#     after="target/release/sio-host run --listen 127.0.0.1:{port} $E" \
#     socketioxide="bench/target/release/socketioxide-echo {port}"
#
# Needs the loadgen built (bench/run.sh builds it). WORKLOAD [echo] is echo
# or broadcast; CLIENTS sets the clients [echo 100, broadcast 10000];
# broadcast keeps BCAST_WINDOW [4] broadcasts in flight, as run.sh does.
# LOADGEN_ARGS go to every loadgen run (e.g. "--deflate --payload 2048
# --filler words"). MSGPACK lists the NAMEs whose clients speak
# socket.io-msgpack-parser (loadgen --parser msgpack; their server must
# serve it on /socket.io/, e.g. `sio-host run --parser msgpack ...`):
#
#   MSGPACK=msgpack bench/ab.sh 5 json="$B run ... $E" msgpack="$B run --parser msgpack ... $E"
#
# "out" is the bytes the server sent per unit: TCP
# payload (frames and their headers, compressed or not), the bytes_sent of
# its established sockets (ss) summed at the same two moments as the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
LOADGEN=bench/target/release/loadgen
WORKLOAD=${WORKLOAD:-echo}
case $WORKLOAD in
  echo) CLIENTS=${CLIENTS:-100}; UNIT=acks; EXTRA=() ;;
  broadcast) CLIENTS=${CLIENTS:-10000}; UNIT=deliveries; EXTRA=(--window "${BCAST_WINDOW:-4}") ;;
  *) echo "WORKLOAD is echo or broadcast" >&2; exit 2 ;;
esac
rounds=$1
shift
port=${PORT:-19700}
# 10,000 broadcast clients need that many descriptors in each process.
ulimit -n 65536 2>/dev/null || true
tick=$(getconf CLK_TCK)

sent() { # port: bytes sent by the server's established sockets
  ss -tinH state established "( sport = :$1 )" | grep -o 'bytes_sent:[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }'
}

one() { # name command
  local name=$1 cmd=${2//\{port\}/$port}
  # shellcheck disable=SC2086 # the command is split on purpose
  RUST_LOG=warn taskset -c 1 $cmd >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.05
  done
  local out parser=json
  out=$(mktemp)
  [[ " ${MSGPACK:-} " == *" $name "* ]] && parser=msgpack
  taskset -c 0 "$LOADGEN" --workload "$WORKLOAD" --transport websocket --addr "127.0.0.1:$port" --parser "$parser" \
    -n "$CLIENTS" --server-pid "$pid" --label "$name" --warmup 1 --duration 9 "${EXTRA[@]}" ${LOADGEN_ARGS:-} >"$out" 2>/dev/null &
  local lg=$!
  sleep 3
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  w1=$(sent "$port")
  sleep 5
  read -r u2 s2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  w2=$(sent "$port")
  wait "$lg" || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local acks
  acks=$(grep -o "\"${UNIT}_per_s\":[0-9.]*" "$out" | cut -d: -f2)
  rm -f "$out"
  awk -v n="$name" -v a="${acks:-0}" -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v t="$tick" -v unit="$UNIT" -v w=$((w2 - w1)) 'BEGIN {
    per = a > 0 ? 1e6 / (a * 5 * t) : 0
    printf "%-14s %9.0f %s/s   user %5.2f µs   sys %5.2f µs   total %5.2f µs   out %7.1f B per unit\n", n, a, unit, u * per, s * per, (u + s) * per, (a > 0 ? w / (a * 5) : 0)
  }'
  port=$((port + 1))
  sleep 1
}

for round in $(seq "$rounds"); do
  echo "round $round"
  for spec in "$@"; do
    one "${spec%%=*}" "${spec#*=}"
  done
done
