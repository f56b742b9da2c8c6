// Turns loadgen's JSON lines (one per run) into the "Side by side" section
// of bench/RESULTS.md: one table per workload, ratios against socketioxide,
// the targets of issue 9, the command and the machine.
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

// With REPEAT=N each server ran each workload N times, the servers taking
// turns: the tables show the run with the median result, and its spread.
const MAIN = { echo: "acks_per_s", broadcast: "deliveries_per_s", idle: "server_rss_per_conn_bytes" };
const groups = new Map();
for (const r of all) {
  const key = `${r.server}|${r.workload}|${r.transport}`;
  if (!groups.has(key)) groups.set(key, []);
  groups.get(key).push(r);
}
const runs = [...groups.values()].map((rs) => {
  const metric = MAIN[rs[0].workload];
  const ok = rs.filter((r) => !r.failed && r[metric] != null);
  if (ok.length < 2) return ok[0] ?? rs[0];
  const sorted = [...ok].sort((a, b) => a[metric] - b[metric]);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const fmt = (x) => (metric === "server_rss_per_conn_bytes" ? (x / 1024).toFixed(2) : Math.round(x).toLocaleString("en-US"));
  const unit = metric === "server_rss_per_conn_bytes" ? " KiB" : "";
  return {
    ...median,
    spread: `median of ${ok.length} runs (${fmt(sorted[0][metric])}–${fmt(sorted[sorted.length - 1][metric])}${unit})`,
  };
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

const int = (x) => (x == null ? "–" : Math.round(x).toLocaleString("en-US"));
const num = (x, d = 1) => (x == null ? "–" : Number(x).toFixed(d));
const ratio = (x, ref) => (x == null || !ref ? "–" : `${(x / ref).toFixed(2)}×`);
const mib = (kib) => (kib == null ? "–" : `${(kib / 1024).toFixed(1)} MiB`);
const kibPer = (bytes) => (bytes == null ? "–" : `${(bytes / 1024).toFixed(1)} KiB`);
// Neither the server nor the loadgen used its core: something else did.
const contended = (r) => r.server_cpu_pct != null && r.loadgen_cpu_pct != null && r.server_cpu_pct < 85 && r.loadgen_cpu_pct < 85;
const flags = (r) =>
  [
    r.failed && "FAILED",
    r.stalled && "stalled",
    r.errors && `${r.errors} errors`,
    r.connect_failed && `${r.connect_failed} connects failed`,
    contended(r) && "neither side saturated: CPU taken by other load",
    r.spread,
  ]
    .filter(Boolean)
    .join(", ");

function find(server, workload, transport) {
  return runs.find((r) => r.server === server && r.workload === workload && (!transport || r.transport === transport));
}

const out = [];
const p = (s = "") => out.push(s);

function echoTable(transport) {
  const rows = runs.filter((r) => r.workload === "echo" && (r.transport === transport || (transport === "websocket" && r.transport === "raw-ws")));
  if (!rows.length) return;
  rows.sort(byOrder);
  const ref = find("socketioxide", "echo", transport)?.acks_per_s;
  const clients = rows[0].clients;
  p(`### echo over ${transport}: ${int(clients)} clients, one ack in flight each, ${num(rows[0].duration_s, 0)} s`);
  p();
  p("| server | acks/s | vs socketioxide | p50 µs | p99 µs | p99.9 µs | server CPU | server CPU µs/ack | loadgen CPU | note |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    p(
      `| ${NAMES[r.server] ?? r.server}${r.transport === "raw-ws" ? " (raw frames)" : ""} | ${int(r.acks_per_s)} | ${ratio(r.acks_per_s, ref)} | ${num(r.p50_us)} | ${num(r.p99_us)} | ${num(r.p999_us)} | ${num(r.server_cpu_pct, 0)}% | ${num(r.server_cpu_us_per_op, 2)} | ${num(r.loadgen_cpu_pct, 0)}% | ${flags(r)} |`,
    );
  }
  p();
}

function broadcastTable() {
  const rows = runs.filter((r) => r.workload === "broadcast").sort(byOrder);
  if (!rows.length) return;
  const ref = find("socketioxide", "broadcast")?.deliveries_per_s;
  p(`### broadcast: ${int(rows[0].clients)} websocket clients, ${rows[0].window ?? "?"} broadcasts in flight, ${num(rows[0].duration_s, 0)} s`);
  p();
  p("Latency is from the emit to each delivery (the fan-out latency).");
  p();
  p("| server | deliveries/s | vs socketioxide | broadcasts/s | p50 µs | p99 µs | p99.9 µs | server CPU | server CPU µs/delivery | loadgen CPU | server RSS | note |");
  p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    p(
      `| ${NAMES[r.server] ?? r.server} | ${int(r.deliveries_per_s)} | ${ratio(r.deliveries_per_s, ref)} | ${num(r.broadcasts_per_s)} | ${int(r.p50_us)} | ${int(r.p99_us)} | ${int(r.p999_us)} | ${num(r.server_cpu_pct, 0)}% | ${num(r.server_cpu_us_per_op, 2)} | ${num(r.loadgen_cpu_pct, 0)}% | ${mib(r.server_rss_kib)} | ${flags(r)} |`,
    );
  }
  p();
}

function idleTable() {
  const rows = runs.filter((r) => r.workload === "idle").sort(byOrder);
  if (!rows.length) return;
  const ref = find("socketioxide", "idle")?.server_rss_kib;
  p(`### idle: ${int(rows[0].clients)} websocket connections held ${num(rows[0].hold_s, 0)} s`);
  p();
  p("| server | RSS | vs socketioxide (lower is better) | RSS / connection | growth / connection | RSS before | connect time | note |");
  p("|---|---:|---:|---:|---:|---:|---:|---|");
  for (const r of rows) {
    p(
      `| ${NAMES[r.server] ?? r.server} | ${mib(r.server_rss_kib)} | ${ratio(r.server_rss_kib, ref)} | ${kibPer(r.server_rss_per_conn_bytes)} | ${kibPer(r.server_rss_delta_per_conn_bytes)} | ${mib(r.server_rss_before_kib)} | ${num(r.connect_s, 1)} s | ${flags(r)} |`,
    );
  }
  p();
}

function targets() {
  const lines = [];
  const verdict = (r, want, ...rows) =>
    (r >= want ? "met" : `missed: ${r.toFixed(2)}× where ${want.toFixed(1)}× is wanted`) +
    (rows.some((x) => x && contended(x)) ? " (contended run: see the CPU line)" : "");
  // With rounds, the ratio in each round too (the servers ran in turns).
  const rounds = (workload, transport, metric, theirs = "socketioxide") => {
    const mine = all.filter((r) => r.server === "sio-host" && r.workload === workload && r.transport === transport);
    const ref = all.filter((r) => r.server === theirs && r.workload === workload && (r.transport === transport || theirs === "ws"));
    if (mine.length < 2 || mine.length !== ref.length) return "";
    return `; by round ${mine.map((r, i) => (r[metric] / ref[i][metric]).toFixed(2)).join(", ")}`;
  };
  const eS = find("sio-host", "echo", "websocket");
  const eX = find("socketioxide", "echo", "websocket");
  const eW = find("ws", "echo", "raw-ws");
  if (eS?.acks_per_s && eX?.acks_per_s) {
    lines.push(`| echo acks/s, sio-host vs socketioxide (websocket) | ≥ 1.0× | ${ratio(eS.acks_per_s, eX.acks_per_s)}${rounds("echo", "websocket", "acks_per_s")} | ${verdict(eS.acks_per_s / eX.acks_per_s, 1, eS, eX)} |`);
  }
  if (eS?.acks_per_s && eW?.acks_per_s) {
    lines.push(`| echo acks/s, sio-host vs bare websocket | ≥ 0.7× | ${ratio(eS.acks_per_s, eW.acks_per_s)}${rounds("echo", "websocket", "acks_per_s", "ws")} | ${verdict(eS.acks_per_s / eW.acks_per_s, 0.7, eS, eW)} |`);
  }
  if (eS?.server_cpu_us_per_op && eX?.server_cpu_us_per_op) {
    const r = eX.server_cpu_us_per_op / eS.server_cpu_us_per_op;
    lines.push(`| (the same by server CPU per ack: socketioxide's µs / sio-host's µs) | ≥ 1.0× | ${r.toFixed(2)}× (${num(eS.server_cpu_us_per_op, 2)} vs ${num(eX.server_cpu_us_per_op, 2)} µs) | ${verdict(r, 1)} |`);
  }
  if (eS?.server_cpu_us_per_op && eW?.server_cpu_us_per_op) {
    const r = eW.server_cpu_us_per_op / eS.server_cpu_us_per_op;
    lines.push(`| (the same by server CPU per ack: bare websocket's µs / sio-host's µs) | ≥ 0.7× | ${r.toFixed(2)}× (${num(eS.server_cpu_us_per_op, 2)} vs ${num(eW.server_cpu_us_per_op, 2)} µs) | ${verdict(r, 0.7)} |`);
  }
  const bS = find("sio-host", "broadcast");
  const bX = find("socketioxide", "broadcast");
  if (bS?.deliveries_per_s && bX?.deliveries_per_s) {
    const r = bS.deliveries_per_s / bX.deliveries_per_s;
    lines.push(`| broadcast deliveries/s to ${int(bS.clients)} clients (target: 10,000), sio-host vs socketioxide | ≥ 1.0× | ${ratio(bS.deliveries_per_s, bX.deliveries_per_s)}${rounds("broadcast", "websocket", "deliveries_per_s")} | ${verdict(r, 1, bS, bX)} |`);
  }
  if (bS?.server_cpu_us_per_op && bX?.server_cpu_us_per_op) {
    const r = bX.server_cpu_us_per_op / bS.server_cpu_us_per_op;
    lines.push(`| (the same by server CPU per delivery: socketioxide's µs / sio-host's µs) | ≥ 1.0× | ${r.toFixed(2)}× (${num(bS.server_cpu_us_per_op, 2)} vs ${num(bX.server_cpu_us_per_op, 2)} µs) | ${verdict(r, 1)} |`);
  }
  const iS = find("sio-host", "idle");
  if (iS?.server_rss_per_conn_bytes) {
    const per = iS.server_rss_per_conn_bytes / 1024;
    const growth = iS.server_rss_delta_per_conn_bytes ?? iS.server_rss_per_conn_bytes;
    const at50k = ((iS.server_rss_before_kib ?? 0) / 1024 + (growth * 50000) / 1048576).toFixed(0);
    // The target is the 50,000 connections' RSS; where the machine cannot
    // hold that many, the RSS before plus 50,000 times the growth per
    // connection measured (8 KiB each is the rule of thumb).
    const verdict = Number(at50k) <= 400 ? "met" : `missed: ${(Number(at50k) / 400).toFixed(2)}× the budget`;
    lines.push(`| idle: 50,000 connections in ≤ 400 MiB RSS (≤ 8 KiB each), measured at ${int(iS.clients)} | ≤ 400 MiB | ≈ ${int(Number(at50k))} MiB at 50,000 (RSS before + 50,000 × the growth per connection, ${(growth / 1024).toFixed(2)} KiB); RSS / connections ${per.toFixed(2)} KiB | ${verdict} |`);
  }
  if (!lines.length) return;
  p("### Issue 9's targets in this run");
  p();
  p("| target | wanted | measured | verdict |");
  p("|---|---|---|---|");
  lines.forEach((l) => p(l));
  p();
}

const date = new Date((all.find((r) => r.unix_time)?.unix_time ?? Date.now() / 1000) * 1000).toISOString().slice(0, 10);
p("## Side by side: sio-host, socketioxide, Node socket.io, bare websocket");
p();
p(`Run ${date} with \`${env("BENCH_COMMAND", "bench/run.sh")}\` (see bench/README.md for what each number means).`);
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
  "When the loadgen's CPU is near 100% the load generator, not the server, was the bottleneck (it has one core, like the server): compare the servers' CPU µs per operation then, which is what a server would need per message at full load.",
);
p();
targets();
echoTable("websocket");
echoTable("polling");
broadcastTable();
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
