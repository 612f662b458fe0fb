// Drives the dashboard at /router/ in a real headless chromium and checks it shows live data:
// the GPU bar's numbers match GET /router/status, a request sent through the router appears in the
// decision feed (over SSE) with its outcome, the loaded-models table fills, and the explain form
// answers. Writes a screenshot a person can look at.
//
// Usage: node dashboard.mjs ROUTER_URL SCREENSHOT.png   (run.sh starts the sim and the router)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [router, screenshot] = process.argv.slice(2);
if (!router || !screenshot) {
  console.error("usage: node dashboard.mjs ROUTER_URL SCREENSHOT.png");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const GIB = 1024 ** 3;
const gib = (b) => (b / GIB).toFixed(1) + " GiB";

let passed = 0;
let failed = 0;
async function check(name, f) {
  try {
    await f();
    passed++;
    console.log(`browser: ${name} passed`);
  } catch (e) {
    failed++;
    console.log(`  ${e.message.split("\n")[0]}`);
    console.log(`browser: ${name} failed`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// A fresh profile every run; the flags keep chromium from reaching for the network (it would hang
// offline) or a GPU.
const profile = mkdtempSync(join(tmpdir(), "router-dashboard-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
  viewport: { width: 1280, height: 1000 },
  timeout: 60_000,
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(15_000);
const foreign = [];
page.on("request", (r) => {
  if (!r.url().startsWith(router) && !r.url().startsWith("data:")) foreign.push(r.url());
});
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));

try {
  await page.goto(router + "/router/");

  await check("the GPU bar shows the router's reading", async () => {
    const status = await (await fetch(router + "/router/status")).json();
    await page.waitForFunction(() => /GiB/.test(document.getElementById("gpu-total").textContent));
    const total = await page.textContent("#gpu-total");
    assert(total === gib(status.gpu.total_bytes), `total ${total} != ${gib(status.gpu.total_bytes)}`);
    const name = await page.textContent("#gpu-name");
    assert(name === status.gpu.name, `name ${name} != ${status.gpu.name}`);
    const free = await page.textContent("#gpu-free");
    assert(/^\d+\.\d GiB$/.test(free), `free shows ${free}`);
  });

  await check("the decision feed is live (SSE connected)", async () => {
    await page.waitForFunction(() => document.getElementById("conn").textContent === "live");
  });

  let sent;
  await check("a request through the router appears in the feed with its outcome", async () => {
    const r = await fetch(router + "/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "auto",
        stream: true,
        messages: [{ role: "user", content: "Write a function that parses a semver string" }],
      }),
    });
    assert(r.ok, `chat answered ${r.status}`);
    await r.text();
    sent = { id: r.headers.get("x-request-id"), model: r.headers.get("x-router-model") };
    assert(sent.id && sent.model, "x-request-id and x-router-model headers");
    const item = page.locator(`#feed li[data-request-id="${sent.id}"]`);
    await item.waitFor();
    const text = await item.textContent();
    assert(text.includes(sent.model), `feed item names ${sent.model}: ${text}`);
    await page.waitForFunction(
      (id) => /^ok · /.test(document.querySelector(`#feed li[data-request-id="${id}"] .done`)?.textContent ?? ""),
      sent.id,
    );
  });

  await check("an OpenAI-dialect request appears in the feed too", async () => {
    const r = await fetch(router + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "auto:complex",
        messages: [{ role: "user", content: "Plan the migration of this service to async, step by step" }],
      }),
    });
    assert(r.ok, `chat completions answered ${r.status}`);
    await r.text();
    const id = r.headers.get("x-request-id");
    await page.locator(`#feed li[data-request-id="${id}"] .kind.complex`).waitFor();
    // The newest answer's model is the one Ollama has loaded now (it may have evicted the first).
    sent.model = r.headers.get("x-router-model");
  });

  await check("the loaded-models table shows the model that answered", async () => {
    await page.waitForFunction(
      (m) => [...document.querySelectorAll("#loaded tbody td:first-child")].some((td) => td.textContent.startsWith(m)),
      sent.model,
    );
    const gpuText = await page.textContent("#gpu-ollama");
    assert(gpuText !== "0.0 GiB", "Ollama's share of the bar grew once a model loaded");
  });

  await check("profiles show what each kind would pick now", async () => {
    await page.waitForFunction(() => document.querySelectorAll("#profiles tbody tr").length === 3);
    const picks = await page.$$eval("#profiles tbody tr td:nth-child(3)", (tds) => tds.map((t) => t.textContent));
    assert(picks.every((p) => / @ \d+$/.test(p)), `picks: ${picks}`);
  });

  await check("counters count the requests", async () => {
    await page.waitForFunction(() => Number(document.getElementById("counter-requests").textContent) >= 2);
  });

  await check("the explain form answers", async () => {
    await page.fill("#explain-body", JSON.stringify({
      model: "auto",
      messages: [{ role: "user", content: "Refactor the whole module into smaller files, step by step" }],
    }));
    await page.click("#explain button");
    await page.waitForFunction(() => /num_ctx \d+/.test(document.getElementById("explain-result").textContent));
    const bad = JSON.stringify({ model: "auto", messages: "not a list" });
    await page.fill("#explain-body", bad);
    await page.click("#explain button");
    await page.waitForFunction(() => document.getElementById("explain-result").className.includes("error"));
  });

  await check("the page loads nothing from elsewhere and throws no errors", async () => {
    assert(foreign.length === 0, `requests elsewhere: ${foreign.join(", ")}`);
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  });

  // Leave a good-looking state for the screenshot: a valid explain result.
  await page.fill("#explain-body", JSON.stringify({
    model: "auto",
    messages: [{ role: "user", content: "Refactor this parser into smaller functions" }],
  }));
  await page.click("#explain button");
  await page.waitForFunction(() => /num_ctx \d+/.test(document.getElementById("explain-result").textContent));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`dashboard checks: ${passed} ok, ${failed} not ok`);
process.exit(failed === 0 ? 0 : 1);
