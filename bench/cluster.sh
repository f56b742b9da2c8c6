#!/usr/bin/env bash
# Cross-node broadcast throughput (docs/scale-out.md): NODES sio-host
# processes serving the echo handler, joined by a local redis-server with
# `--redis`, and loadgen's broadcast workload with its clients spread over
# the nodes round-robin (`--also-addr`); the sender is on the first node, so
# every broadcast reaches the other nodes through Redis. NODES=1 is the same
# run on one node (with --redis, nobody else subscribed) for comparison.
# Prints loadgen's JSON line per run; numbers go to bench/RESULTS.md by hand.
#
#   bench/cluster.sh                        # NODES=2, 1000 clients, 10 s
#   NODES=1 bench/cluster.sh
#
# Parameters (environment, defaults in brackets):
#   NODES [2]  CLIENTS [1000]  DURATION [10]  WARMUP [3]  WINDOW [4]  PAYLOAD [32]
#   SIO_HOST_BIN [target/release/sio-host]  SKIP_BUILD=1  REDIS_SERVER [/usr/bin/redis-server]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
NODES=${NODES:-2}
CLIENTS=${CLIENTS:-1000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
WINDOW=${WINDOW:-4}
PAYLOAD=${PAYLOAD:-32}
SIO_HOST=${SIO_HOST_BIN:-$ROOT/target/release/sio-host}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
ECHO_WASM=$BENCH/target/wasm32-wasip2/release/echo.wasm
LOADGEN=$BENCH/target/release/loadgen

if [ -z "${SKIP_BUILD:-}" ]; then
  [ -n "${SIO_HOST_BIN:-}" ] || cargo build --release -p sio-host
  (cd "$BENCH" && cargo build --release -p loadgen)
  (cd "$BENCH" && cargo build --release --target wasm32-wasip2 -p echo)
fi
ulimit -n "$(ulimit -Hn)"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on $1" >&2
  return 1
}

TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

REDIS_PORT=$(free_port)
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP" --save "" --appendonly no >"$TMP/redis.log" &
PIDS+=($!)
wait_port "$REDIS_PORT"

ADDRS=()
for i in $(seq "$NODES"); do
  port=$(free_port)
  RUST_LOG=warn "$SIO_HOST" run --no-admin --listen "127.0.0.1:$port" \
    --redis "redis://127.0.0.1:$REDIS_PORT/" "$ECHO_WASM" >"$TMP/node$i.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
  ADDRS+=("127.0.0.1:$port")
done
FIRST_PID=${PIDS[1]}
ALSO=()
for a in "${ADDRS[@]:1}"; do ALSO+=(--also-addr "$a"); done
# Let every node's subscription come up before measuring.
sleep 1

"$LOADGEN" --workload broadcast --addr "${ADDRS[0]}" "${ALSO[@]}" \
  --clients "$CLIENTS" --duration "$DURATION" --warmup "$WARMUP" --window "$WINDOW" \
  --payload "$PAYLOAD" --server-pid "$FIRST_PID" --label "sio-host x$NODES (redis)"
echo "node 1 /stats adapter: $(curl -s "http://${ADDRS[0]}/stats" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s).adapter)))')" >&2
