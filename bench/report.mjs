// Turns loadgen's JSON lines (one per run) into the "Side by side" section
// of bench/RESULTS.md: for each workload the server CPU µs per unit (per ack,
// per delivery) at a fixed offered rate first, then the closed-loop maximum
// throughput, then idle memory; ratios against socketioxide, the targets of
// issue 22, the command and the machine. bench/README.md explains the method.
//
//   node bench/report.mjs RESULTS.jsonl [bench/RESULTS.md]
//
// Without the second argument the section is printed; with it, the section
// replaces the file's "## Side by side" section (or goes before the first
// "## " section when there is none). Machine facts come from BENCH_*
// environment variables (bench/run.sh sets them).
import { readFileSync, writeFileSync } from "node:fs";

const [jsonl, resultsMd] = process.argv.slice(2);
if (!jsonl) {
  console.error("usage: node bench/report.mjs RESULTS.jsonl [RESULTS.md]");
  process.exit(2);
}
const all = readFileSync(jsonl, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

// A run's mode: its offered rate (loadgen --rate), or "max" (closed loop).
const mode = (r) => (r.rate != null ? String(r.rate) : "max");
const THROUGHPUT = { echo: "acks_per_s", broadcast: "deliveries_per_s" };

// With REPEAT=N each server ran each workload N times, the servers taking
// turns. A row shows, for each figure, its median over those runs; the
// spread (lowest–highest) goes next to the CPU per unit and the throughput.
const median = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const range = (xs) => {
  const s = xs.filter((x) => x != null && Number.isFinite(x));
  return s.length ? [Math.min(...s), Math.max(...s)] : null;
};
const groups = new Map();
for (const r of all) {
  const key = `${r.server}|${r.workload}|${r.transport}|${mode(r)}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const rows = [...groups.values()].map((rs) => {
  const ok = rs.filter((r) => !r.failed);
  const first = ok[0] ?? rs[0];
  const row = { server: first.server, workload: first.workload, transport: first.transport, mode: mode(first), runs: ok, failed: rs.length - ok.length };
  const keys = new Set(ok.flatMap((r) => Object.keys(r)));
  for (const k of keys) {
    const values = ok.map((r) => r[k]);
    row[k] = typeof values.find((v) => v != null) === "number" ? median(values) : first[k];
  }
  row.server = first.server;
  return row;
});
const env = (k, d = "?") => process.env[k] || d;

const NAMES = {
  "sio-host": "sio-host (WASM echo handler)",
  socketioxide: `socketioxide ${env("BENCH_SOCKETIOXIDE", "")} (native)`.replace("  ", " "),
  node: `Node socket.io ${env("BENCH_SOCKETIO", "")}`.trim(),
  ws: "bare websocket (tokio-tungstenite)",
};
const ORDER = ["sio-host", "socketioxide", "node", "ws"];
const byOrder = (a, b) => ORDER.indexOf(a.server) - ORDER.indexOf(b.server);
const name = (r) => `${NAMES[r.server] ?? r.server}${r.transport === "raw-ws" && r.workload === "echo" ? " (raw frames)" : ""}`;

const int = (x) => (x == null ? "–" : Math.round(x).toLocaleString("en-US"));
const num = (x, d = 1) => (x == null ? "–" : Number(x).toFixed(d));
const ratio = (x, ref) => (x == null || !ref ? "–" : `${(x / ref).toFixed(2)}×`);
const mib = (kib) => (kib == null ? "–" : `${(kib / 1024).toFixed(1)} MiB`);
const kibPer = (bytes) => (bytes == null ? "–" : `${(bytes / 1024).toFixed(1)} KiB`);
const spread = (r, key, fmt) => {
  const s = range(r.runs.map((x) => x[key]));
  return s && r.runs.length > 1 ? `${fmt(s[0])}–${fmt(s[1])}` : "";
};
// "n of N" when only some of a row's runs had the property.
const some = (r, pred, word) => {
  const n = r.runs.filter(pred).length;
  if (!n) return "";
  return n === r.runs.length ? word : `${word} in ${n} of ${r.runs.length}`;
};
// The loadgen says whether it was load-bound (more than 80% of the cores it
// was allowed): its figures are then partly the loadgen's. Lines from before
// it said so came from run.sh's one pinned core.
const bound = (x) => x.loadgen_bound ?? (x.loadgen_cores == null && x.loadgen_cpu_pct > 80);
const loadBound = (r) => some(r, bound, "load-bound");
// Other load took CPU from the run: the loadgen, alone on its core, waited
// for a CPU more than 5% of the measured time. (The server's wait is shown,
// not judged: its own threads queue for its one core too, Node's GC and
// libuv threads past 100% in sum.) Lines from before the loadgen measured
// that: a closed-loop run where neither side used its core.
const contended = (x) =>
  x.loadgen_runq_wait_pct != null
    ? x.loadgen_runq_wait_pct > 5
    : x.rate == null && x.server_cpu_pct != null && x.loadgen_cpu_pct != null && x.server_cpu_pct < 85 && x.loadgen_cpu_pct < 85;
const notes = (r) =>
  [
    r.failed && `${r.failed} run(s) FAILED`,
    some(r, (x) => x.stalled, "stalled"),
    r.errors && `${int(r.errors)} errors (median)`,
    r.connect_failed && `${int(r.connect_failed)} connects failed (median)`,
    some(r, contended, "contended") &&
      `${some(r, contended, "contended")} (other load took CPU${r.loadgen_runq_wait_pct != null ? `: time waiting for a CPU, median: loadgen ${num(r.loadgen_runq_wait_pct, 0)}%, server's threads ${num(r.server_runq_wait_pct, 0)}%` : ""})`,
    r.runs.length > 1 && `median of ${r.runs.length} runs`,
  ]
    .filter(Boolean)
    .join(", ");
const rateMet = (r) => {
  const n = r.runs.filter((x) => x.rate_met === true).length;
  if (n === r.runs.length) return "yes";
  const detail = `${int(r.achieved_per_s)}/s, ${num(r.behind_pct, 1)}% behind`;
  return n ? `${n} of ${r.runs.length} (${detail})` : `**no** (${detail})`;
};

function find(server, workload, transport, m) {
  return rows.find((r) => r.server === server && r.workload === workload && r.mode === m && (!transport || r.transport === transport || (server === "ws" && r.transport === "raw-ws")));
}

const out = [];
const p = (s = "") => out.push(s);
let footnote = false;

const UNIT = { echo: "ack", broadcast: "delivery" };
const UNITS = { echo: "acks", broadcast: "deliveries" };

function title(workload, transport, m, r0) {
  const what =
    workload === "echo"
      ? `echo over ${transport}: ${int(r0.clients)} clients`
      : `broadcast: ${int(r0.clients)} websocket clients`;
  const load =
    m === "max"
      ? workload === "echo"
        ? "closed loop, one ack in flight each"
        : `closed loop, ${r0.window ?? "?"} broadcasts in flight`
      : workload === "echo"
        ? `${int(Number(m))} emits/s offered, at most ${r0.window ?? "?"} acks in flight per client`
        : `${num(Number(m), Number(m) % 1 ? 1 : 0)} broadcasts/s offered (${int(r0.offered_per_s)} deliveries/s), at most ${r0.window ?? "?"} in flight`;
  return `#### ${what}, ${load}, ${num(r0.duration_s, 0)} s`;
}

// One table: server CPU per unit first (median, spread, against
// socketioxide's), then throughput, then the rest.
function table(workload, transport, m) {
  const rs = rows
    .filter((r) => r.workload === workload && r.mode === m && (workload !== "echo" || r.transport === transport || (transport === "websocket" && r.transport === "raw-ws")))
    .sort(byOrder);
  if (!rs.length) return;
  const unit = UNIT[workload];
  const tput = THROUGHPUT[workload];
  const ref = find("socketioxide", workload, workload === "echo" ? transport : null, m);
  p(title(workload, transport, m, rs[0]));
  p();
  const fixed = m !== "max";
  const head = [
    "server",
    `server CPU µs/${unit}`,
    "spread",
    "vs socketioxide (CPU, lower is better)",
    fixed ? `achieved ${UNITS[workload]}/s` : `${UNITS[workload]}/s`,
    ...(fixed ? ["rate met"] : ["spread", "vs socketioxide"]),
    ...(workload === "broadcast" ? ["broadcasts/s"] : []),
    "p50 µs",
    "p99 µs",
    "server CPU",
    "loadgen CPU",
    "load-bound",
    ...(workload === "broadcast" ? ["server RSS"] : []),
    "note",
  ];
  p(`| ${head.join(" | ")} |`);
  p(`|${head.map((h, i) => (i === 0 || h === "note" || h === "load-bound" || h === "rate met" ? "---" : "---:")).join("|")}|`);
  for (const r of rs) {
    const lb = loadBound(r);
    if (lb) footnote = true;
    const cells = [
      name(r),
      `**${num(r.server_cpu_us_per_op, 2)}**`,
      spread(r, "server_cpu_us_per_op", (x) => num(x, 2)),
      ratio(r.server_cpu_us_per_op, ref?.server_cpu_us_per_op),
      int(r[tput]),
      ...(fixed ? [rateMet(r)] : [spread(r, tput, int), ratio(r[tput], ref?.[tput])]),
      ...(workload === "broadcast" ? [num(r.broadcasts_per_s)] : []),
      workload === "echo" ? num(r.p50_us) : int(r.p50_us),
      workload === "echo" ? num(r.p99_us) : int(r.p99_us),
      `${num(r.server_cpu_pct, 0)}%`,
      `${num(r.loadgen_cpu_pct, 0)}%${r.loadgen_cores ? ` of ${r.loadgen_cores}` : ""}`,
      lb ? `${lb} ¹` : "",
      ...(workload === "broadcast" ? [mib(r.server_rss_kib)] : []),
      notes(r),
    ];
    p(`| ${cells.join(" | ")} |`);
  }
  p();
}

function idleTable() {
  const rs = rows.filter((r) => r.workload === "idle").sort(byOrder);
  if (!rs.length) return;
  const ref = find("socketioxide", "idle", null, "max")?.server_rss_kib;
  p(`### Idle memory: ${int(rs[0].clients)} websocket connections held ${num(rs[0].hold_s, 0)} s`);
  p();
  p("| server | RSS | vs socketioxide (lower is better) | RSS / connection | spread | growth / connection | RSS before | connect time | note |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rs) {
    p(
      `| ${NAMES[r.server] ?? r.server} | ${mib(r.server_rss_kib)} | ${ratio(r.server_rss_kib, ref)} | ${kibPer(r.server_rss_per_conn_bytes)} | ${spread(r, "server_rss_per_conn_bytes", (x) => (x / 1024).toFixed(2))} | ${kibPer(r.server_rss_delta_per_conn_bytes)} | ${mib(r.server_rss_before_kib)} | ${num(r.connect_s, 1)} s | ${notes(r)} |`,
    );
  }
  p();
}

// Issue 22's targets: server CPU per ack and per delivery at most 0.85x
// socketioxide's at the fixed rates (the primary figure; the closed loop
// shown beside it), idle memory at most 6 KiB per connection.
function targets() {
  const lines = [];
  const WANT = 0.85;
  // With rounds, the ratio in each round too (the servers ran in turns).
  const byRound = (a, b, key) => {
    if (!a || !b || a.runs.length < 2 || a.runs.length !== b.runs.length) return "";
    return `; by round ${a.runs.map((r, i) => (r[key] / b.runs[i][key]).toFixed(2)).join(", ")}`;
  };
  const cpu = (a, b) => {
    if (!a?.server_cpu_us_per_op || !b?.server_cpu_us_per_op) return null;
    const x = a.server_cpu_us_per_op / b.server_cpu_us_per_op;
    const flags = [];
    if ([a, b].some((r) => r.mode !== "max" && r.runs.some((y) => y.rate_met === false))) flags.push("rate not met in some runs");
    if ([a, b].some((r) => loadBound(r))) flags.push("load-bound");
    if ([a, b].some((r) => r.runs.some(contended))) flags.push("contended");
    return { x, text: `${x.toFixed(2)}× (${num(a.server_cpu_us_per_op, 2)} vs ${num(b.server_cpu_us_per_op, 2)} µs)${byRound(a, b, "server_cpu_us_per_op")}${flags.length ? ` (${flags.join(", ")})` : ""}` };
  };
  const line = (what, workload, transport, rateMode, rateLabel) => {
    const fixed = rateMode && cpu(find("sio-host", workload, transport, rateMode), find("socketioxide", workload, transport, rateMode));
    const full = cpu(find("sio-host", workload, transport, "max"), find("socketioxide", workload, transport, "max"));
    if (!fixed && !full) return;
    const verdict = !fixed ? "no fixed-rate run" : fixed.x <= WANT ? "met" : `missed: ${fixed.x.toFixed(2)}× where ≤ ${WANT}× is wanted`;
    lines.push(`| ${what} | ≤ ${WANT}× | ${fixed ? `${rateLabel}: ${fixed.text}` : "–"} | ${full ? full.text : "–"} | ${verdict} |`);
  };
  const rateOf = (w, t) => [...new Set(rows.filter((r) => r.workload === w && r.mode !== "max" && (!t || r.transport === t)).map((r) => r.mode))];
  for (const t of ["websocket", "polling"]) {
    const ms = rateOf("echo", t);
    if (!ms.length) line(`server CPU per ack, echo over ${t}, sio-host / socketioxide`, "echo", t, null, "");
    for (const m of ms) line(`server CPU per ack, echo over ${t}, sio-host / socketioxide`, "echo", t, m, `${int(Number(m))}/s`);
  }
  const bms = rateOf("broadcast");
  if (!bms.length) line("server CPU per delivery, broadcast, sio-host / socketioxide", "broadcast", null, null, "");
  for (const m of bms) line("server CPU per delivery, broadcast, sio-host / socketioxide", "broadcast", null, m, `${num(Number(m), Number(m) % 1 ? 1 : 0)} broadcasts/s`);
  const iS = find("sio-host", "idle", null, "max");
  if (iS?.server_rss_per_conn_bytes) {
    const growth = (iS.server_rss_delta_per_conn_bytes ?? iS.server_rss_per_conn_bytes) / 1024;
    const per = iS.server_rss_per_conn_bytes / 1024;
    lines.push(`| idle memory per websocket connection | ≤ 6 KiB | growth ${growth.toFixed(2)} KiB per connection at ${int(iS.clients)} (RSS / connections ${per.toFixed(2)} KiB) | – | ${growth <= 6 ? "met" : `missed: ${growth.toFixed(2)} KiB`} |`);
  }
  if (!lines.length) return;
  p("### Issue 22's targets in this run");
  p();
  p("Ratios are sio-host's CPU per unit over socketioxide's (below 1×: sio-host is cheaper); the fixed rate is the primary figure, the closed loop is shown beside it.");
  p();
  p("| target | wanted | at a fixed rate | closed loop | verdict |");
  p("|---|---|---|---|---|");
  lines.forEach((l) => p(l));
  p();
}

const date = new Date((all.find((r) => r.unix_time)?.unix_time ?? Date.now() / 1000) * 1000).toISOString().slice(0, 10);
p("## Side by side: sio-host, socketioxide, Node socket.io, bare websocket");
p();
p(`Run ${date} with \`${env("BENCH_COMMAND", "bench/run.sh")}\` (bench/README.md explains the method and every column).`);
p();
p(`Machine: ${env("BENCH_NPROC")} cores (${env("BENCH_CPU_MODEL")}), ${env("BENCH_MEM")}, Linux ${env("BENCH_KERNEL")}; rustc ${env("BENCH_RUSTC")}, Node ${env("BENCH_NODE")}; sio-host at ${env("BENCH_COMMIT")} (${env("BENCH_SIO_HOST")}); ${env("BENCH_PINNING")}; every run against a fresh server process.`);
p();
if (env("BENCH_NOTE", "")) {
  p(`**Note:** ${env("BENCH_NOTE", "")}`);
  p();
}
if (env("BENCH_LIMITS", "")) {
  p(`**Limits:** ${env("BENCH_LIMITS", "")}`);
  p();
}
p(
  "How to read this: the first figure of every row is the server's CPU time (user + system, all its threads, from /proc) per ack or per delivery, the median over the rounds with its spread. " +
    "At a fixed offered rate every server does the same work, and the loadgen has headroom, so that figure compares the servers' cost alone. " +
    "The closed-loop tables show how far each goes when pushed; there the throughput may be the loadgen's as much as the server's (one core each), which the load-bound column marks. " +
    "A server's CPU per unit is higher at a low rate than at full load (fewer messages share each wake-up and system call), so compare rows within a table, not across tables.",
);
p();
targets();
const rateModes = (w) => [...new Set(rows.filter((r) => r.workload === w && r.mode !== "max").map((r) => r.mode))].sort((a, b) => Number(a) - Number(b));
const transports = [...new Set(rows.filter((r) => r.workload === "echo").map((r) => (r.transport === "raw-ws" ? "websocket" : r.transport)))].sort((a, b) =>
  a === "websocket" ? -1 : b === "websocket" ? 1 : a.localeCompare(b),
);
if (rows.some((r) => r.mode !== "max")) {
  p("### At a fixed offered rate: server CPU per unit (the primary figure)");
  p();
  for (const t of transports) for (const m of rateModes("echo")) table("echo", t, m);
  for (const m of rateModes("broadcast")) table("broadcast", null, m);
}
if (rows.some((r) => r.mode === "max" && r.workload !== "idle")) {
  p("### At full load (closed loop): how far each server goes");
  p();
  for (const t of transports) table("echo", t, "max");
  table("broadcast", null, "max");
}
if (footnote) {
  p(
    "¹ load-bound: the loadgen used more than 80% of the core(s) it was allowed in that run, so it may have set the pace: the throughput understates the server, and latency includes the loadgen's queueing. The server CPU per unit is still the server's own, at the load the loadgen managed.",
  );
  p();
}
idleTable();
p("<details><summary>loadgen's JSON lines</summary>");
p();
p("```");
all.forEach((r) => p(JSON.stringify(r)));
p("```");
p("</details>");
p();
const section = out.join("\n");

if (!resultsMd) {
  process.stdout.write(section);
} else {
  const md = readFileSync(resultsMd, "utf8");
  const lines = md.split("\n");
  const start = lines.findIndex((l) => l.startsWith("## Side by side"));
  let next;
  if (start >= 0) {
    next = lines.findIndex((l, i) => i > start && l.startsWith("## "));
    if (next < 0) next = lines.length;
    lines.splice(start, next - start, ...section.split("\n"));
  } else {
    next = lines.findIndex((l) => l.startsWith("## "));
    if (next < 0) next = lines.length;
    lines.splice(next, 0, ...section.split("\n"));
  }
  writeFileSync(resultsMd, lines.join("\n"));
}
