// examples/stats: the dashboard page, served by sio-host with uPlot from
// node_modules, plots the rates of /stats in headless Chromium while
// socket.io clients make traffic. Leaves tests/artifacts/stats-dashboard.png.
//
// Needs Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides).
// Without it the test is skipped, except in CI (CI set), where it must run.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  artifactsDir,
  closeClients,
  connect,
  startServer,
  wasm,
  chromiumSkip,
  launchChromium,
  pageErrors,
} from "./helpers.mjs";

const skip = chromiumSkip;

describe("stats dashboard in headless Chromium", () => {
  let server;
  let browser;
  let traffic;

  before(async () => {
    if (skip) return;
    server = await startServer(
      [
        wasm("chat"),
        "--static", "/dashboard=examples/stats/static",
        "--static", "/uplot=node_modules/uplot/dist",
      ],
      { label: "node-stats-dashboard" },
    );
    browser = await launchChromium();
  });

  after(async () => {
    clearInterval(traffic);
    closeClients();
    await browser?.close();
    await server?.stop();
  });

  it("plots the rates while clients talk", { timeout: 60_000, skip }, async () => {
    // Three clients, each sending an event every 50 ms.
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(await connect(server.url));
    traffic = setInterval(() => {
      for (const s of sockets) s.emit("traffic", {});
    }, 50);

    const page = await browser.newPage();
    const errors = pageErrors(page);
    const res = await page.goto(`${server.url}/dashboard/`);
    assert.equal(res.status(), 200, "the page is served");

    // Wait until the chart holds a few points and the traffic shows in the
    // per-second rate (a complete second has to pass first).
    await page
      .waitForFunction(
        () =>
          window.dashboard?.points >= 3 &&
          window.dashboard.stats?.rates.packets_in.per_second > 0 &&
          window.dashboard.stats?.rates.handler_calls.per_second > 0,
        null,
        { timeout: 30_000, polling: 200 },
      )
      .catch((e) => {
        throw new Error(`the dashboard never plotted the traffic; page errors: ${errors.join(" | ")}\n${e}`);
      });
    assert.deepEqual(errors, []);

    // uPlot drew the series: a canvas with non-blank pixels, and a legend
    // entry per series.
    const legend = await page.$$eval(".u-legend .u-series", (els) => els.map((e) => e.textContent));
    assert.ok(legend.some((t) => t.includes("packets in/s")), `legend: ${legend}`);
    const inked = await page.$eval(".u-over", (over) => {
      const canvas = over.parentElement.querySelector("canvas");
      const ctx = canvas.getContext("2d");
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
      return n;
    });
    assert.ok(inked > 0, "the chart canvas has drawn pixels");
    const active = await page.$eval("#counters", (t) => t.textContent);
    assert.match(active, /sessions active\s*3/);

    mkdirSync(artifactsDir, { recursive: true });
    const shot = path.join(artifactsDir, "stats-dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    await page.close();
  });
});
