#!/usr/bin/env bash
# Side-by-side benchmarks: sio-host (echo handler in WASM) against
# socketioxide (native handlers), Node socket.io 4.8 and a bare
# tokio-tungstenite websocket echo. Builds everything (release), runs each
# server pinned to one core and the load generator to another, and writes the
# "Side by side" section of bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                       # everything, default sizes
#   SERVERS="sio-host socketioxide" WORKLOADS=echo bench/run.sh
#   MODES=rate DURATION=3 WRITE=0 bench/run.sh   # a quick look, fixed rates only
#
# Echo and broadcast run in two modes (MODES): `rate`, a fixed offered rate
# that every server sustains with the loadgen well below its core (the
# primary table: server CPU per ack / per delivery at the same load), and
# `max`, the closed loop (the secondary table: how far each server goes).
#
# Parameters (environment variables, defaults in brackets):
#   SERVERS        servers to run            [socketioxide sio-host node ws]
#   WORKLOADS      echo, broadcast, idle      [echo broadcast idle]
#   MODES          rate, max                  [rate max]
#   ECHO_TRANSPORTS echo over these           [websocket polling]
#   ECHO_CLIENTS   echo clients               [100]
#   ECHO_RATE      websocket echo at `rate`: emits/s over all clients  [20000]
#   POLL_RATE      polling echo at `rate`: emits/s over all clients    [4000]
#   ECHO_WINDOW    echo at `rate`: acks in flight per client at most   [16]
#   BCAST_RATE     broadcast at `rate`: broadcasts/s (× BCAST_CLIENTS deliveries) [3]
#                  (each a third to a half of what Node socket.io, the
#                  slowest, reaches closed-loop on the project's machine:
#                  52,724 acks/s, 11,816 over polling, 6.8 broadcasts/s;
#                  bench/README.md has the calibration)
#   DURATION       seconds measured per run   [10]
#   WARMUP         seconds of load first      [3]
#   PAYLOAD        filler bytes per message   [32]
#   BCAST_CLIENTS  broadcast fan-out          [10000]
#   BCAST_WINDOW   broadcasts in flight       [4; 1 makes the latency one fan-out's]
#   IDLE_CLIENTS   idle connections           [50000, capped by ulimit -n]
#   IDLE_HOLD      seconds held before RSS    [5]
#   REPEAT         rounds; the servers take turns each round, and the
#                  tables show each one's medians and the spread [1]
#   SERVER_CPU / LOADGEN_CPU  cores to pin    [1 / 0]
#   SIO_HOST_BIN   use this sio-host binary instead of building target/release/sio-host
#   SIO_HOST_REV   what to call that binary in RESULTS.md (default: the checkout's commit)
#   SKIP_BUILD=1   use what is built
#   WRITE=0        do not touch RESULTS.md (the section goes to stdout)
#   NOTE           a sentence for RESULTS.md next to the numbers (e.g. noise)
#   REPORT_ONLY=bench/target/results-TIME.jsonl  run nothing, write the section from earlier results
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench

# The command as given: the parameters set in the environment, then the script.
COMMAND=""
for v in SERVERS WORKLOADS MODES ECHO_TRANSPORTS ECHO_CLIENTS ECHO_RATE POLL_RATE ECHO_WINDOW BCAST_RATE DURATION WARMUP PAYLOAD BCAST_CLIENTS BCAST_WINDOW IDLE_CLIENTS IDLE_HOLD REPEAT SERVER_CPU LOADGEN_CPU SIO_HOST_BIN; do
  if [ -n "${!v:-}" ]; then COMMAND+="$v=\"${!v}\" "; fi
done
COMMAND+="bench/run.sh"

SERVERS=${SERVERS:-socketioxide sio-host node ws}
WORKLOADS=${WORKLOADS:-echo broadcast idle}
MODES=${MODES:-rate max}
ECHO_TRANSPORTS=${ECHO_TRANSPORTS:-websocket polling}
ECHO_CLIENTS=${ECHO_CLIENTS:-100}
ECHO_RATE=${ECHO_RATE:-20000}
POLL_RATE=${POLL_RATE:-4000}
ECHO_WINDOW=${ECHO_WINDOW:-16}
BCAST_RATE=${BCAST_RATE:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PAYLOAD=${PAYLOAD:-32}
BCAST_CLIENTS=${BCAST_CLIENTS:-10000}
BCAST_WINDOW=${BCAST_WINDOW:-4}
IDLE_CLIENTS=${IDLE_CLIENTS:-50000}
IDLE_HOLD=${IDLE_HOLD:-5}
REPEAT=${REPEAT:-1}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
WRITE=${WRITE:-1}
NOTE=${NOTE:-}
PORT=${PORT:-18500}

log() { printf '\n==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- limits
# Every connection is a file descriptor in the server and in the loadgen.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
LIMIT_NOTES=""
max_conns=$((NOFILE - 500))
if [[ " $WORKLOADS " == *" idle "* ]] && [ "$IDLE_CLIENTS" -gt "$max_conns" ]; then
  LIMIT_NOTES+="idle: ${IDLE_CLIENTS} asked, capped at ${max_conns} by \`ulimit -n\` = ${NOFILE} (hard limit; raising it needs CAP_SYS_RESOURCE). "
  IDLE_CLIENTS=$max_conns
fi
if [[ " $WORKLOADS " == *" broadcast "* ]] && [ "$BCAST_CLIENTS" -gt "$max_conns" ]; then
  LIMIT_NOTES+="broadcast: ${BCAST_CLIENTS} asked, capped at ${max_conns} by \`ulimit -n\` = ${NOFILE}. "
  BCAST_CLIENTS=$max_conns
fi
[ -n "$LIMIT_NOTES" ] && log "limits: $LIMIT_NOTES"

NCPU=$(nproc)
if [ "$NCPU" -lt 2 ]; then
  log "only $NCPU core: server and loadgen share it"
  SERVER_CPU=0 LOADGEN_CPU=0
fi

# ---------------------------------------------------------------- build
LOADGEN=$BENCH/target/release/loadgen
ECHO_WASM=$BENCH/target/wasm32-wasip2/release/echo.wasm
SIO_HOST=${SIO_HOST_BIN:-$ROOT/target/release/sio-host}
if [ -n "${REPORT_ONLY:-}" ]; then SKIP_BUILD=1; fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building loadgen, socketioxide-echo, ws-echo (release)"
  cargo build --release --manifest-path "$BENCH/Cargo.toml"
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
  fi
  log "building the echo handler (wasm32-wasip2, release)"
  cargo build --release --manifest-path "$BENCH/Cargo.toml" --target wasm32-wasip2 -p echo
  if [ -z "${SIO_HOST_BIN:-}" ]; then
    log "building sio-host (release)"
    cargo build --release -p sio-host
  fi
  log "installing Node socket.io (npm ci)"
  npm ci --prefix "$BENCH/servers/node" --no-audit --no-fund --loglevel=error >&2
fi

# ---------------------------------------------------------------- servers
SERVER_PID=""
start_server() { # name port
  local name=$1 port=$2
  case $name in
    socketioxide) taskset -c "$SERVER_CPU" "$BENCH/target/release/socketioxide-echo" "$port" >&2 & ;;
    sio-host) RUST_LOG=warn taskset -c "$SERVER_CPU" "$SIO_HOST" run --listen "127.0.0.1:$port" "$ECHO_WASM" >&2 & ;;
    node) NODE_ENV=production taskset -c "$SERVER_CPU" node "$BENCH/servers/node/server.js" "$port" >&2 & ;;
    ws) taskset -c "$SERVER_CPU" "$BENCH/target/release/ws-echo" "$port" >&2 & ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$name exited at start" >&2; return 1; }
    sleep 0.05
  done
  echo "$name did not listen on $port" >&2
  return 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap 'stop_server' EXIT

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${REPORT_ONLY:-$BENCH/target/results-$STAMP.jsonl}
[ -n "${REPORT_ONLY:-}" ] || : >"$OUT"

# loadgen runs against a fresh server process each time.
run() { # server workload transport clients [extra loadgen args]
  local server=$1 workload=$2 transport=$3 clients=$4
  shift 4
  PORT=$((PORT + 1))
  start_server "$server" "$PORT"
  log "$server: $workload, $transport, $clients clients${RATE_NOTE}"
  if taskset -c "$LOADGEN_CPU" "$LOADGEN" --workload "$workload" --transport "$transport" \
    --addr "127.0.0.1:$PORT" -n "$clients" --server-pid "$SERVER_PID" --label "$server" \
    --payload "$PAYLOAD" "$@" >>"$OUT"; then
    :
  else
    echo "{\"server\":\"$server\",\"workload\":\"$workload\",\"transport\":\"$transport\",\"clients\":$clients${RATE_FIELD},\"failed\":true}" >>"$OUT"
  fi
  stop_server
  sleep 1 # let the kernel reap the closed sockets
}

for mode in $MODES; do
  case $mode in rate | max) ;; *) echo "MODES: rate and/or max, not $mode" >&2; exit 2 ;; esac
done

# The loadgen arguments (and the failure line's field) of a mode.
RATE_ARGS=() RATE_FIELD="" RATE_NOTE=""
set_mode() { # mode rate window
  if [ "$1" = rate ]; then
    RATE_ARGS=(--rate "$2" --window "$3") RATE_FIELD=",\"rate\":$2" RATE_NOTE=", $2/s offered"
  else
    RATE_ARGS=(--window "$3") RATE_FIELD="" RATE_NOTE=", closed loop"
  fi
}

ws_transport() { if [ "$1" = ws ]; then echo raw-ws; else echo websocket; fi; }

[ -n "${REPORT_ONLY:-}" ] && REPEAT=0 # nothing to run
# Each round runs every workload in every mode on every server in turn, so
# that a drift in the machine's speed reaches all servers alike.
for round in $(seq "$REPEAT"); do
for workload in $WORKLOADS; do
  modes=$MODES
  [ "$workload" = idle ] && modes=idle
  for mode in $modes; do
  for server in $SERVERS; do
    case $workload in
      echo)
        for transport in $ECHO_TRANSPORTS; do
          if [ "$server" = ws ]; then
            [ "$transport" = websocket ] || continue
            transport=raw-ws
          fi
          rate=$ECHO_RATE
          [ "$transport" = polling ] && rate=$POLL_RATE
          set_mode "$mode" "$rate" "$ECHO_WINDOW"
          run "$server" echo "$transport" "$ECHO_CLIENTS" --warmup "$WARMUP" --duration "$DURATION" "${RATE_ARGS[@]}"
        done
        ;;
      broadcast)
        set_mode "$mode" "$BCAST_RATE" "$BCAST_WINDOW"
        run "$server" broadcast "$(ws_transport "$server")" "$BCAST_CLIENTS" \
          --warmup "$WARMUP" --duration "$DURATION" "${RATE_ARGS[@]}"
        ;;
      idle)
        set_mode max 0 0
        RATE_NOTE=""
        run "$server" idle "$(ws_transport "$server")" "$IDLE_CLIENTS" --hold "$IDLE_HOLD"
        ;;
    esac
  done
  done
done
done

# ---------------------------------------------------------------- report
export BENCH_COMMAND=$COMMAND
export BENCH_NOTE="$NOTE"
export BENCH_LIMITS="$LIMIT_NOTES"
export BENCH_CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export BENCH_NPROC=$NCPU
export BENCH_KERNEL=$(uname -r)
export BENCH_MEM=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
export BENCH_RUSTC=$(rustc --version | cut -d' ' -f2)
export BENCH_NODE=$(node --version)
export BENCH_COMMIT=${SIO_HOST_REV:-$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- host guest-sdk wit 2>/dev/null || echo " with uncommitted changes")}
export BENCH_SOCKETIOXIDE=$(grep -A1 '^name = "socketioxide"$' "$BENCH/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
export BENCH_SOCKETIO=$(node -p 'require(process.argv[1] + "/servers/node/node_modules/socket.io/package.json").version' "$BENCH" 2>/dev/null || echo "?")
export BENCH_PINNING="server on core $SERVER_CPU, loadgen on core $LOADGEN_CPU (taskset)"
export BENCH_SIO_HOST=${SIO_HOST_BIN:-target/release/sio-host}
if [ "$WRITE" = 1 ]; then
  node "$BENCH/report.mjs" "$OUT" "$BENCH/RESULTS.md"
  log "results: $OUT; table written to bench/RESULTS.md (section \"Side by side\")"
else
  node "$BENCH/report.mjs" "$OUT"
  log "results: $OUT"
fi
