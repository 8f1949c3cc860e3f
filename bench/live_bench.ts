/**
 * HTTP load on `GET /api/live` against a bare `Deno.serve` JSON server, with
 * wrk (`-t2 -c64 -d10s`), in one run: `deno task bench:live`.
 *
 * The app is the real one: `start()` with `fresh.gen.ts` and the app plugin
 * (`lib/app/`) on a KV file in a temporary folder, a session made by signing
 * in through the embedded provider, token mode `request`. The rate limit is
 * on, at a billion a minute: one session sending thousands of requests a
 * second is what the real limit exists to refuse, but the path it costs
 * (`lib/http/rate_limit.ts`: a local chunk of quota, a KV reservation when it is
 * spent) is measured all the same.
 *
 * A third server, "shaped", answers every request with a recorded
 * `/api/live` response (same headers, same body) and does nothing else: what
 * the response's shape costs before any work, since a bare `Response.json`
 * takes a fast path in `Deno.serve` that any extra header leaves. The token
 * route is then loaded three ways: without a room (the user's own channel),
 * for the lobby (the policy decides without reading KV) and for a private
 * room (the policy's one KV read of room and membership).
 *
 * Prints req/s, p50 and p99 latency for each and the ratios of `/api/live`
 * to bare and to shaped, the cost of one token signature, and writes it all
 * to `bench/results/live.json`. The goal (README, Performance): `/api/live`
 * at ≥ 50 % of the shaped server with p99 ≤ 8 ms. Results are written, not
 * asserted: wrk and the server share this machine's cores.
 */
import { start } from "$fresh/server.ts";
import freshConfig from "../fresh.config.ts";
import manifest from "../fresh.gen.ts";
import { canonicalCapability, pageCapability } from "../lib/ably/mod.ts";
import { createTokenRequestSigner } from "../lib/ably/token_request.ts";
import { loadConfig } from "../lib/platform/config.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { Secret } from "../lib/platform/secret.ts";
import { livePlugin } from "../lib/app/plugin.ts";
import { CookieJar, walkSignIn } from "../tests/auth_helpers.ts";

const WRK_ARGS = ["-t2", "-c64", "-d10s"];
const WARM_UP_ARGS = ["-t2", "-c64", "-d2s"];
const RESULTS = new URL("./results/live.json", import.meta.url);

interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connect, read, write and timeout errors, and non-2xx answers. */
  errors: number;
}

/** Makes wrk print its summary as one JSON line. */
const REPORT_SCRIPT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nJSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
`;

async function hasWrk(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null" })
      .output();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function wrk(
  url: string,
  args: string[],
  script: string,
  headers: string[] = [],
): Promise<WrkResult> {
  const output = await new Deno.Command("wrk", {
    args: [
      ...args,
      "-s",
      script,
      ...headers.flatMap((h) => ["-H", h]),
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  const line = /^JSON (.*)$/m.exec(text);
  if (!output.success || !line) {
    throw new Error(
      `wrk failed: ${text}${new TextDecoder().decode(output.stderr)}`,
    );
  }
  const r = JSON.parse(line[1]);
  return {
    requestsPerSecond: Math.round(r.requests / (r.durationUs / 1e6)),
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    requests: r.requests,
    errors: r.errors,
  };
}

/** Mean µs of one TokenRequest signature (`request` mode), in process. */
function signingMicroseconds(): number {
  const signer = createTokenRequestSigner({
    keyName: "appId.keyId",
    keySecret: new Secret("bench-secret-0"),
  });
  const user = { id: "embedded:bench" };
  const params = {
    clientId: user.id,
    capability: canonicalCapability(pageCapability(user.id, "lobby")),
    ttl: 3_600_000,
  };
  for (let i = 0; i < 20_000; i++) signer.sign(params);
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) signer.sign(params);
  const us = (performance.now() - t0) * 1000 / n;
  return Math.round(us * 100) / 100;
}

if (!(await hasWrk())) {
  console.error("wrk is not installed: apt-get install wrk");
  Deno.exit(1);
}

const dir = await Deno.makeTempDir({ prefix: "live-bench-" });
const script = `${dir}/report.lua`;
await Deno.writeTextFile(script, REPORT_SCRIPT);
await setupLogging({ level: "warning" });
/** Above any run's requests: the limiter counts every one, refuses none. */
const BENCH_RATE_LIMIT = 1_000_000_000;
const config = {
  // Past what `LIVE_RATE_LIMIT_PER_MIN` accepts, so set here.
  ...loadConfig({ DENO_KV_PATH: `${dir}/kv.sqlite3` }),
  liveRateLimitPerMin: BENCH_RATE_LIMIT,
};
const plugin = livePlugin({ config });
const stopApp = new AbortController();
const listening = Promise.withResolvers<number>();
const app = start(manifest, {
  ...freshConfig,
  plugins: [plugin],
  server: {
    hostname: "127.0.0.1",
    port: 0,
    signal: stopApp.signal,
    onListen: (addr: Deno.NetAddr) => listening.resolve(addr.port),
  },
});
const appPort = await listening.promise;
const bare = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => Response.json({ ok: true }),
);
/** Set from a real `/api/live` answer before the run: its headers and body. */
let shape: { body: string; headers: Record<string, string> } | undefined;
const shaped = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => new Response(shape!.body, { headers: shape!.headers }),
);
try {
  const appUrl = `http://127.0.0.1:${appPort}`;
  const liveUrl = `${appUrl}/api/live`;
  const bareUrl = `http://127.0.0.1:${bare.addr.port}/`;
  const shapedUrl = `http://127.0.0.1:${shaped.addr.port}/`;
  const jar = new CookieJar();
  await walkSignIn(jar, `${appUrl}/auth/signin`, { login: "bench" });
  const cookie = jar.header(liveUrl);
  const check = await fetch(liveUrl, { headers: { cookie: cookie ?? "" } });
  const text = await check.text();
  if (check.status !== 200 || typeof JSON.parse(text).token?.mac !== "string") {
    throw new Error(`GET /api/live answered ${check.status}, not a token`);
  }
  shape = {
    body: text,
    headers: Object.fromEntries(
      [...check.headers].filter(([name]) =>
        name !== "date" && name !== "content-length"
      ),
    ),
  };
  const headers = [`Cookie: ${cookie}`];
  // A private room of the bench user's: its token asks the policy, which
  // reads the room and the membership (the lobby needs no read).
  const created = await fetch(`${appUrl}/api/rooms`, {
    method: "POST",
    headers: {
      cookie: cookie ?? "",
      origin: appUrl,
      "content-type": "application/json",
    },
    body: JSON.stringify({ name: "bench", private: true }),
  });
  if (created.status !== 201) {
    throw new Error(`POST /api/rooms answered ${created.status}`);
  }
  const roomId = (await created.json()).id as string;
  const lobbyUrl = `${liveUrl}?room=lobby`;
  const roomUrl = `${liveUrl}?room=${roomId}`;

  console.log("warming up…");
  const loadAverage = Deno.loadavg();
  await wrk(bareUrl, WARM_UP_ARGS, script);
  await wrk(shapedUrl, WARM_UP_ARGS, script);
  await wrk(liveUrl, WARM_UP_ARGS, script, headers);
  await wrk(roomUrl, WARM_UP_ARGS, script, headers);
  console.log(`wrk ${WRK_ARGS.join(" ")} on each…`);
  const bareResult = await wrk(bareUrl, WRK_ARGS, script);
  const shapedResult = await wrk(shapedUrl, WRK_ARGS, script);
  const liveResult = await wrk(liveUrl, WRK_ARGS, script, headers);
  const lobbyResult = await wrk(lobbyUrl, WRK_ARGS, script, headers);
  const roomResult = await wrk(roomUrl, WRK_ARGS, script, headers);
  const signingUs = signingMicroseconds();

  const ratio = liveResult.requestsPerSecond / bareResult.requestsPerSecond;
  const shapedRatio = liveResult.requestsPerSecond /
    shapedResult.requestsPerSecond;
  const results = {
    date: new Date().toISOString(),
    deno: Deno.version.deno,
    cpus: navigator.hardwareConcurrency,
    wrk: WRK_ARGS.join(" "),
    tokenMode: config.ably.tokenMode,
    rateLimit: `on, ${BENCH_RATE_LIMIT} per minute (never reached)`,
    /** 1, 5 and 15 min load averages before the run: other work on the machine skews it. */
    loadAverage,
    bare: bareResult,
    /** A bare server sending a recorded /api/live answer, same headers and body: the cost of the response's shape alone. */
    shaped: shapedResult,
    live: liveResult,
    /** `?room=lobby`: the policy without a KV read. */
    liveLobby: lobbyResult,
    /** `?room=<private room>`: the policy's one KV read (room and membership). */
    livePrivateRoom: roomResult,
    ratio: Math.round(ratio * 1000) / 1000,
    shapedRatio: Math.round(shapedRatio * 1000) / 1000,
    tokenSigningUs: signingUs,
    /** `/api/live` at ≥ 50 % of the shaped server, p99 ≤ 8 ms at 64 connections. */
    goal: {
      shapedRatio: 0.5,
      p99Ms: 8,
      met: shapedRatio >= 0.5 && liveResult.p99Ms <= 8 &&
        liveResult.errors === 0,
    },
  };
  const row = (name: string, r: WrkResult) =>
    `${name.padEnd(14)} ${String(r.requestsPerSecond).padStart(8)} req/s` +
    `  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms` +
    (r.errors ? `  errors ${r.errors}` : "");
  console.log(row("bare", bareResult));
  console.log(row("shaped", shapedResult));
  console.log(row("/api/live", liveResult));
  console.log(row("?room=lobby", lobbyResult));
  console.log(row("?room=private", roomResult));
  console.log(
    `of bare ${(ratio * 100).toFixed(1)} %, of shaped ${
      (shapedRatio * 100).toFixed(1)
    } % (goal ≥ 50 % of shaped, p99 ≤ 8 ms: ${
      results.goal.met ? "met" : "missed"
    }); token signing ${signingUs} µs`,
  );
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
  console.log(`written to ${RESULTS.pathname}`);
} finally {
  await bare.shutdown();
  await shaped.shutdown();
  stopApp.abort();
  await app;
  await plugin.close();
  await resetLogging();
  await Deno.remove(dir, { recursive: true });
}
