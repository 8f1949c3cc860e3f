/**
 * `deno task bench:soak`: `GET /api/live` under sustained load, against the
 * app as it runs in production — `deno run -A main.ts` in a child process,
 * KV in a file — to see errors, tail latency and memory growth.
 *
 * 1. 1,000 sessions are written straight into a fresh KV file with
 *    `lib/auth`'s session store (as 1,000 sign-ins would leave them).
 * 2. The app starts on that file with `LIVE_RATE_LIMIT_PER_MIN=0`: the soak
 *    sends each session ~100 requests within seconds, which the default
 *    limit (60 per session per minute) exists to refuse.
 * 3. wrk warms up with `WARM_UP_REQUESTS` requests, then sends `REQUESTS`
 *    requests, both over `CONNECTIONS` connections cycling through the 1,000
 *    cookies (a Lua script; each wrk thread stops at its share).
 * 4. The server's resident memory (`VmRSS` of its process) is read idle,
 *    after the warm-up, every 250 ms through the soak and after it. Growth
 *    is judged against the warmed-up figure, and reported for the soak's
 *    second half too: the first ~100,000 requests under this load grow the
 *    process to a size that then holds (measured in process with forced GC:
 *    the JS heap in use stays at 16 MB, V8's heap reservation goes from 24
 *    to 71 MB, RSS from ~90 to ~225 MB and no further over 600,000
 *    requests). What a soak looks for is growth that does not level off.
 *
 * Results go to `bench/results/soak.json` and are printed. Goals: no error,
 * memory growth ≤ 20 %.
 */
import { newSessionId } from "../lib/auth/cookies.ts";
import { createSessionStore } from "../lib/auth/sessions.ts";
import { toUser } from "../lib/auth/user.ts";
import { spawnApp } from "../tests/hardening_helpers.ts";

const SESSIONS = 1_000;
const REQUESTS = 100_000;
/** Enough for the heap to reach its size under this load before the baseline is read. */
const WARM_UP_REQUESTS = 20_000;
const CONNECTIONS = 64;
const THREADS = 2;
const RESULTS = new URL("./results/soak.json", import.meta.url);

/** wrk's own summary, as the Lua `done` hook prints it. */
interface WrkSummary {
  requests: number;
  duration_us: number;
  errors: Record<"connect" | "read" | "write" | "status" | "timeout", number>;
  latency_us: { p50: number; p90: number; p99: number; max: number };
}

function wrkScript(cookies: string[], perThread: number): string {
  return `
local cookies = { ${cookies.map((c) => `"session=${c}"`).join(",\n")} }
local quota = ${perThread}
local i = 0
local answered = 0

setup = function(thread)
  thread:set("offset", math.random(#cookies))
end

request = function()
  i = i + 1
  local cookie = cookies[((i + (offset or 0)) % #cookies) + 1]
  return wrk.format("GET", "/api/live", { ["Cookie"] = cookie })
end

response = function(status, headers, body)
  answered = answered + 1
  if answered == quota then
    io.write("thread done\\n")
    io.flush()
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
`;
}

/**
 * Runs wrk until every thread has had its share answered. wrk itself sleeps
 * out its whole `-d` before reporting, so the threads announce their end and
 * SIGINT, which wrk handles by reporting at once, ends the run.
 */
async function runWrk(
  url: string,
  script: string,
  connections: number,
): Promise<WrkSummary> {
  const wrk = new Deno.Command("wrk", {
    args: [
      `-t${THREADS}`,
      `-c${connections}`,
      "-d300s",
      "--timeout",
      "10s",
      "-s",
      script,
      `${url}/api/live`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(wrk.stderr).text();
  let out = "";
  let done = 0;
  for await (const chunk of wrk.stdout.pipeThrough(new TextDecoderStream())) {
    out += chunk;
    const count = out.split("\n").filter((l) => l === "thread done").length;
    if (count > done && (done = count) === THREADS) wrk.kill("SIGINT");
  }
  const status = await wrk.status;
  if (!status.success) throw new Error(`wrk failed: ${await stderr}${out}`);
  await stderr;
  const line = out.split("\n").find((l) => l.startsWith('{"requests"'));
  if (!line) throw new Error(`no summary from wrk:\n${out}`);
  return JSON.parse(line);
}

async function rssKb(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

const dir = await Deno.makeTempDir({ prefix: "live-soak-" });
try {
  const kvPath = `${dir}/kv.sqlite3`;
  const kv = await Deno.openKv(kvPath);
  const store = createSessionStore({ kv, ttlSeconds: 3600, cache: false });
  const cookies: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const id = newSessionId();
    await store.create(id, toUser("embedded", { subject: `soak-${i}` }));
    cookies.push(id);
  }
  kv.close();

  await using app = await spawnApp({
    DENO_KV_PATH: kvPath,
    LIVE_RATE_LIMIT_PER_MIN: "0",
  });
  const pid = app.process.pid;
  const rss = { idle: await rssKb(pid), warm: 0, after: 0 };

  const warmScript = `${dir}/warm.lua`;
  await Deno.writeTextFile(
    warmScript,
    wrkScript(cookies, Math.ceil(WARM_UP_REQUESTS / THREADS)),
  );
  const warm = await runWrk(app.url, warmScript, CONNECTIONS);
  rss.warm = await rssKb(pid);

  const soakScript = `${dir}/soak.lua`;
  await Deno.writeTextFile(
    soakScript,
    wrkScript(cookies, Math.ceil(REQUESTS / THREADS)),
  );
  // Memory through the soak, to tell growth that levels off from growth
  // that does not.
  const timeline: number[] = [];
  const sampler = setInterval(() => {
    rssKb(pid).then((kb) => timeline.push(kb), () => {});
  }, 250);
  let soak: WrkSummary;
  try {
    soak = await runWrk(app.url, soakScript, CONNECTIONS);
  } finally {
    clearInterval(sampler);
  }
  // Let in-flight work and timers settle before reading memory again.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  rss.after = await rssKb(pid);

  const errors = Object.values(soak.errors).reduce((a, b) => a + b, 0);
  const growth = (rss.after - rss.warm) / rss.warm * 100;
  const middle = timeline[Math.floor(timeline.length / 2)] ?? rss.warm;
  const secondHalf = (rss.after - middle) / middle * 100;
  const results = {
    date: new Date().toISOString(),
    what: "GET /api/live, deno run -A main.ts, KV file, token mode request",
    rateLimit: "disabled: LIVE_RATE_LIMIT_PER_MIN=0",
    sessions: SESSIONS,
    connections: CONNECTIONS,
    threads: THREADS,
    requests: soak.requests,
    durationSeconds: +(soak.duration_us / 1e6).toFixed(2),
    requestsPerSecond: Math.round(soak.requests / (soak.duration_us / 1e6)),
    errors,
    errorsByKind: soak.errors,
    latencyMs: Object.fromEntries(
      Object.entries(soak.latency_us).map((
        [k, v],
      ) => [k, +(v / 1000).toFixed(2)]),
    ),
    warmUp: {
      requests: warm.requests,
      errors: Object.values(warm.errors).reduce((a, b) => a + b, 0),
    },
    rssKb: rss,
    rssGrowthPercent: +growth.toFixed(1),
    rssGrowthSecondHalfPercent: +secondHalf.toFixed(1),
    rssTimelineKb: timeline,
    rssGrowthFromIdlePercent: +((rss.after - rss.idle) / rss.idle * 100)
      .toFixed(1),
    goals: {
      noErrors: errors === 0,
      rssGrowthAtMost20Percent: growth <= 20,
    },
  };
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  await Deno.writeTextFile(RESULTS, JSON.stringify(results, null, 2) + "\n");
  console.log(JSON.stringify(results, null, 2));
  const status = await app.stop("SIGTERM");
  if (status.code !== 0) console.error(`the app exited with ${status.code}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
