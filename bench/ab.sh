#!/usr/bin/env bash
# A/B runs for comparing builds: each server command in turn, ROUNDS
# times, pinned like run.sh (server on core 1, loadgen on core 0). Prints
# acks/s (echo) or deliveries/s (broadcast), the server's user and system
# CPU per unit, read from /proc/PID/stat over 5 s of load, and the loadgen's
# CPU (a row where it used more than 80% of its core is LOAD-BOUND: the
# loadgen, not the server, may have set the pace; one where the loadgen
# waited for a CPU more than 5% of the time is CONTENDED: other load ran on
# its core). At the end, per NAME, the
# median CPU per unit over the rounds with its spread, and the ratio of the
# medians against the first NAME. Turns, not one long run each, because the
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
# RATE runs at a fixed offered rate instead of the closed loop (loadgen
# --rate: echo emits/s over all clients, or broadcasts/s; WINDOW acks per
# client [16] or broadcasts [BCAST_WINDOW] in flight at most, as run.sh
# has them; run.sh's ECHO_RATE 20000 and BCAST_RATE 3 are the rates of its
# tables), so that every build does the same work and
# the loadgen has headroom: the CPU per unit is then the one to compare.
# LOADGEN_ARGS go to every loadgen run (e.g. "--deflate --payload 2048
# --filler words"). MSGPACK lists the NAMEs whose clients speak
# socket.io-msgpack-parser (loadgen --parser msgpack; their server must
# serve it on /socket.io/, e.g. `sio-host run --parser msgpack ...`):
#
#   MSGPACK=msgpack bench/ab.sh 5 json="$B run ... $E" msgpack="$B run --parser msgpack ... $E"
#
# TRANSPORT [websocket] is the clients' transport (polling for the
# long-polling echo; run.sh's POLL_RATE is 4000). RAW_WS lists the NAMEs
# that are bare websocket servers (loadgen
# --transport raw-ws, e.g. bench/servers/ws-echo): the floor under any
# Socket.IO server on the same workload:
#
#   RAW_WS=ws RATE=20000 bench/ab.sh 5 sio="$B run ... $E" ws="bench/target/release/ws-echo {port}"
#   RATE=20000 bench/ab.sh 5 before=... after=...
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
if [ -n "${RATE:-}" ]; then
  # run.sh's windows: echo ECHO_WINDOW, broadcast BCAST_WINDOW.
  [ "$WORKLOAD" = echo ] && window=${WINDOW:-16} || window=${WINDOW:-${BCAST_WINDOW:-4}}
  EXTRA=(--rate "$RATE" --window "$window")
fi
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT
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
  local out parser=json transport=${TRANSPORT:-websocket}
  out=$(mktemp)
  [[ " ${MSGPACK:-} " == *" $name "* ]] && parser=msgpack
  [[ " ${RAW_WS:-} " == *" $name "* ]] && transport=raw-ws
  taskset -c 0 "$LOADGEN" --workload "$WORKLOAD" --transport "$transport" --addr "127.0.0.1:$port" --parser "$parser" \
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
  local acks lg_pct lg_cores bound met
  # (|| true: a run that failed has none of these; its row shows zeros.)
  field() { grep -o "\"$1\":[0-9a-z.]*" "$out" | cut -d: -f2 || true; }
  acks=$(field "${UNIT}_per_s")
  lg_pct=$(field loadgen_cpu_pct)
  lg_cores=$(field loadgen_cores)
  bound=$(field loadgen_bound)
  lg_wait=$(field loadgen_runq_wait_pct)
  met=$(field rate_met)
  rm -f "$out"
  awk -v n="$name" -v a="${acks:-0}" -v u=$((u2 - u1)) -v s=$((s2 - s1)) -v t="$tick" -v unit="$UNIT" -v w=$((w2 - w1)) \
    -v lg="${lg_pct:-0}" -v cores="${lg_cores:-?}" -v bound="${bound:-}" -v met="${met:-}" -v wait="${lg_wait:-}" -v rows="$ROWS" 'BEGIN {
    per = a > 0 ? 1e6 / (a * 5 * t) : 0
    flag = (bound == "true" ? "  LOAD-BOUND" : "") (met == "false" ? "  RATE NOT MET" : "") (wait > 5 ? sprintf("  CONTENDED (loadgen waited %.0f%% for a CPU)", wait) : "")
    printf "%-14s %9.0f %s/s   user %5.2f µs   sys %5.2f µs   total %5.2f µs   out %7.1f B per unit   loadgen %3.0f%% of %s%s\n", n, a, unit, u * per, s * per, (u + s) * per, (a > 0 ? w / (a * 5) : 0), lg, cores, flag
    printf "%s %.4f %.0f %s %.4f %.4f\n", n, (u + s) * per, a, (bound == "true" ? 1 : 0), u * per, s * per >> rows
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

# Per NAME over the rounds: the median CPU per unit and its spread, the
# median throughput, and the medians' ratio against the first NAME's.
echo
first=${1%%=*}
echo "medians over $rounds round(s): server CPU (user + sys) per unit (spread), its user and sys parts' medians, throughput, CPU against $first's (below 1x: cheaper)"

for spec in "$@"; do echo "${spec%%=*}"; done | awk -v rows="$ROWS" -v unit="$UNIT" -v first="$first" '
  function median(v, n,   i, j, x) {
    for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  FNR == NR { cpu[$1, ++n[$1]] = $2; tput[$1, n[$1]] = $3; bound[$1] += $4; usr[$1, n[$1]] = $5; sys[$1, n[$1]] = $6; next }
  { order[++names] = $1 }
  END {
    for (k = 1; k <= names; k++) {
      nm = order[k]; m = n[nm]
      if (!m) continue
      lo = hi = cpu[nm, 1]
      for (i = 1; i <= m; i++) { c[i] = cpu[nm, i]; q[i] = tput[nm, i]; us[i] = usr[nm, i]; sy[i] = sys[nm, i]; if (c[i] < lo) lo = c[i]; if (c[i] > hi) hi = c[i] }
      med[nm] = median(c, m); mt = median(q, m)
      line = sprintf("%-14s %6.2f µs (%.2f-%.2f)   user %5.2f   sys %5.2f   %9.0f %s/s", nm, med[nm], lo, hi, median(us, m), median(sy, m), mt, unit)
      if (nm != first && med[first] > 0) line = line sprintf("   %.2fx %s", med[nm] / med[first], first)
      if (bound[nm]) line = line sprintf("   load-bound in %d of %d", bound[nm], m)
      print line
    }
  }' "$ROWS" -
