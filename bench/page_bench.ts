/**
 * The home page's weight and speed for a signed-in visitor
 * (`deno task bench:page`), against the whole app with the embedded emulator
 * and provider (`tests/live_room_helpers.ts`), in headless Chromium:
 *
 * - connect time: from navigation start to the room showing
 *   `data-state="connected"` (connection up and room channel attached), read
 *   in the page on the DOM change itself; the median of 20 loads with an
 *   empty cache (a new browser context each, same session) and of 20
 *   reloads with a warm one;
 * - JavaScript: every script the page loads, raw and as served (gzip),
 *   split at the Ably chunk: what runs before Ably is even requested (the
 *   first interactive paint), and the total.
 *
 * Results go to `bench/results/page.json`; they are read, not asserted, but
 * the run says whether the goals hold (JS before Ably ≤ 10 KB gzip, all JS
 * ≤ 50 KB gzip; KB = 1000 bytes).
 */
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { launchBrowser } from "../tests/helpers/browser.ts";
import { signIn, startLiveApp } from "../tests/live_room_helpers.ts";

const LOADS = 20;
const GOALS = { beforeAblyGzip: 10_000, totalGzip: 50_000 };
const OUT = new URL("./results/page.json", import.meta.url);

interface Script {
  /** Path of the script, e.g. `/_frsh/js/<build>/main.js`. */
  path: string;
  /** Decoded size. */
  raw: number;
  /** Bytes on the wire (the server gzips bundles). */
  gzip: number;
  /** Holds the Ably SDK. */
  ably: boolean;
}

/**
 * Runs in every page before its own scripts: notes `performance.now()` (ms
 * since navigation start) the moment the room turns connected.
 */
function watchRoom() {
  const note = () => {
    const room = document.querySelector<HTMLElement>(".room");
    if (room?.dataset.state === "connected") {
      (globalThis as Record<string, unknown>).connectedAt ??= performance.now();
    }
  };
  new MutationObserver(note).observe(document, {
    subtree: true,
    childList: true,
    attributeFilter: ["data-state"],
  });
}

/** Milliseconds from navigation start until the room was connected. */
async function connectedAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => (globalThis as Record<string, unknown>).connectedAt,
    undefined,
    { timeout: 15_000 },
  );
  return await handle.jsonValue() as number;
}

/** One load in a fresh context: its connect time and the scripts it fetched, in request order. */
async function coldLoad(
  browser: Browser,
  url: string,
  storageState: BrowserContextOptions["storageState"],
): Promise<{ ms: number; scripts: Script[] }> {
  const context = await browser.newContext({ storageState });
  await context.addInitScript(watchRoom);
  try {
    const page = await context.newPage();
    const pending: Promise<Script>[] = [];
    page.on("response", (res) => {
      if (res.request().resourceType() !== "script") return;
      pending.push((async () => {
        const body = await res.body();
        const sizes = await res.request().sizes();
        return {
          path: new URL(res.url()).pathname,
          raw: body.length,
          gzip: sizes.responseBodySize,
          ably: new TextDecoder().decode(body).includes("ably-js"),
        };
      })());
    });
    await page.goto(url);
    const ms = await connectedAt(page);
    await page.waitForLoadState("networkidle");
    return { ms, scripts: await Promise.all(pending) };
  } finally {
    await context.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(values: number[]) {
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    median: round(median(values)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
  };
}

function sum(scripts: Script[]) {
  return {
    raw: scripts.reduce((n, s) => n + s.raw, 0),
    gzip: scripts.reduce((n, s) => n + s.gzip, 0),
    files: scripts.map(({ path, raw, gzip }) => ({
      file: path.split("/").pop(),
      raw,
      gzip,
    })),
  };
}

await using app = await startLiveApp();
const browser = await launchBrowser();
try {
  const first = await browser.newContext();
  await first.addInitScript(watchRoom);
  const signedIn = await signIn(first, app.url, "bench");
  await connectedAt(signedIn);
  const storageState = await signedIn.context().storageState();
  const url = app.url + "/";

  const cold: number[] = [];
  let scripts: Script[] = [];
  for (let i = 0; i < LOADS; i++) {
    const load = await coldLoad(browser, url, storageState);
    cold.push(load.ms);
    scripts = load.scripts;
  }
  const warm: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    await signedIn.reload();
    warm.push(await connectedAt(signedIn));
  }

  const firstAbly = scripts.findIndex((s) => s.ably);
  const beforeAbly = sum(
    firstAbly === -1 ? scripts : scripts.slice(0, firstAbly),
  );
  const total = sum(scripts);
  const result = {
    date: new Date().toISOString(),
    loads: LOADS,
    connectedMs: { coldCache: summary(cold), warmCache: summary(warm) },
    js: { beforeAbly, total },
    goals: {
      ...GOALS,
      met: beforeAbly.gzip <= GOALS.beforeAblyGzip &&
        total.gzip <= GOALS.totalGzip,
    },
  };
  await Deno.mkdir(new URL(".", OUT), { recursive: true });
  await Deno.writeTextFile(OUT, JSON.stringify(result, null, 2) + "\n");

  const kb = (n: number) => (n / 1000).toFixed(1) + " KB";
  console.log(
    `connected after navigation: median ${result.connectedMs.coldCache.median} ms (empty cache), ${result.connectedMs.warmCache.median} ms (warm), ${LOADS} loads each`,
  );
  console.log(
    `JS before Ably: ${kb(beforeAbly.gzip)} gzip (${
      kb(beforeAbly.raw)
    } raw); total: ${kb(total.gzip)} gzip (${kb(total.raw)} raw)`,
  );
  console.log(
    `goals (≤ ${kb(GOALS.beforeAblyGzip)} before Ably, ≤ ${
      kb(GOALS.totalGzip)
    } total): ${result.goals.met ? "met" : "NOT met"}`,
  );
  console.log(`written to ${OUT.pathname}`);
} finally {
  await browser.close();
}
