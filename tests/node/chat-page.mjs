// Driving examples/chat/static/index.html in a playwright page: shared by the
// browser tests of every client generation.

/** Waits until the page's #status says "connected"; the error names the
 * status shown and the page's script errors. */
export async function waitConnected(page, errors) {
  await page
    .waitForFunction(() => document.querySelector("#status")?.textContent?.trim() === "connected", null, {
      timeout: 15_000,
    })
    .catch(async (e) => {
      const status = await page.textContent("#status").catch(() => "(no #status)");
      throw new Error(`#status never became "connected" (is ${JSON.stringify(status)}); page errors: ${errors.join(" | ")}\n${e}`);
    });
}

export async function pickNick(page, nick) {
  await page.fill("#nick", nick);
  await page.press("#nick", "Enter");
}

export async function say(page, text) {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

/** Waits until a `#messages li` reads exactly `line`. */
export async function expectLine(page, line, timeout = 10_000) {
  await page
    .waitForFunction(
      (l) => [...document.querySelectorAll("#messages li")].some((li) => li.textContent.trim() === l),
      line,
      { timeout },
    )
    .catch(async (e) => {
      const lines = await page.$$eval("#messages li", (lis) => lis.map((li) => li.textContent.trim()));
      throw new Error(`line ${JSON.stringify(line)} not shown; #messages has ${JSON.stringify(lines)}\n${e}`);
    });
}
