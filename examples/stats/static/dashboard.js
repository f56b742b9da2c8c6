// Polls the server's /stats every second and plots the per-second rates
// (a 10-second sliding window, as TornadIO2's stats example did) with uPlot.
// docs/stats.md describes the document.
"use strict";

const KEEP = 120; // points on screen: two minutes
const SERIES = [
  ["packets_in", "packets in/s", "#1f77b4"],
  ["packets_out", "packets out/s", "#ff7f0e"],
  ["handler_calls", "handler calls/s", "#2ca02c"],
  ["sessions_opened", "sessions opened/s", "#d62728"],
];
const data = [[], ...SERIES.map(() => [])];
const chart = new uPlot(
  {
    title: "Rates per second (10 s window)",
    width: Math.min(window.innerWidth - 40, 900),
    height: 320,
    series: [{}, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2 }))],
    axes: [{}, { label: "per second" }],
  },
  data,
  document.getElementById("rates"),
);

// For tests and the curious: the points plotted so far and the last document.
window.dashboard = { points: 0, stats: null };

function row(name, value) {
  return `<tr><td>${name}</td><td>${value}</td></tr>`;
}

function showCounters(s) {
  const reasons = Object.entries(s.sessions.closed_by_reason)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${r} ${n}`)
    .join(", ");
  document.getElementById("counters").innerHTML = [
    row("sessions active", s.sessions.active),
    row("sessions opened / closed", `${s.sessions.opened} / ${s.sessions.closed}`),
    row("closed by reason", reasons || "–"),
    row("polling / websocket", `${s.connections.by_transport.polling} / ${s.connections.by_transport.websocket}`),
    row("packets in / out", `${s.packets.in} / ${s.packets.out}`),
    row("bytes in / out", `${s.bytes.in} / ${s.bytes.out}`),
    row("handler calls / traps / deadlines", `${s.handlers.calls} / ${s.handlers.traps} / ${s.handlers.deadlines}`),
    row("reloads ok / refused", `${s.reloads.ok} / ${s.reloads.refused}`),
    row("outbound queue depth", s.outbound_queue_depth),
  ].join("");
}

async function tick() {
  try {
    const res = await fetch("/stats", { cache: "no-store" });
    const s = await res.json();
    data[0].push(Date.now() / 1000);
    SERIES.forEach(([key], i) => data[i + 1].push(s.rates[key].per_second));
    if (data[0].length > KEEP) data.forEach((d) => d.shift());
    chart.setData(data);
    showCounters(s);
    window.dashboard.points = data[0].length;
    window.dashboard.stats = s;
    document.getElementById("status").textContent = `up ${Math.round(s.uptime_seconds)} s`;
  } catch (e) {
    document.getElementById("status").textContent = `no stats: ${e}`;
  }
}

tick();
setInterval(tick, 1000);
