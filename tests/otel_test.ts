/**
 * The app's OpenTelemetry output, end to end: `main.ts` runs as a child
 * process with `OTEL_DENO=true`, exporting OTLP/HTTP JSON to a receiver in
 * this test (`Deno.serve` taking `POST /v1/traces`, `/v1/metrics`,
 * `/v1/logs`), Ably played by the emulator holding a canary key.
 *
 * The test signs in through the embedded provider, asks for tokens until the
 * rate limit refuses one, asks once without a cookie (401), and then checks
 * what arrived: the `live.*` spans as children of Deno's server spans with
 * their attributes, the `live.*` metrics, the 401's LogTape warning carrying
 * that request's trace id, and the absence of the key secret, the session
 * id and the TokenRequest MAC from every byte received. Requests carry a
 * `traceparent` of the test's making, so their traces are known in advance.
 *
 * No route on this branch posts a message yet, so the message spans
 * (`live.message.*`, `live.outbox.deliver`) and `live.revocation` are
 * checked with a second child, `fixtures/otel_outbox.ts`, which sends a
 * message through `lib/rooms/delivery.ts` while "Ably" is down and lets the
 * outbox publish it: the outbox's spans must start their own traces and
 * link to the span that stored the message.
 */
import assert from "node:assert/strict";
import { startEmulator } from "../lib/emulator/mod.ts";
import { CookieJar, walkSignIn } from "./auth_helpers.ts";

/** What the receiver got, per path, as raw text. */
type Received = Record<string, string[]>;

interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
  status?: { code: number };
}
interface OtlpLog {
  severityText: string;
  body?: OtlpValue;
  traceId: string;
  spanId: string;
}
interface OtlpPoint {
  attributes: OtlpAttribute[];
  asInt?: string;
  asDouble?: number;
  count?: string;
}
interface OtlpMetric {
  name: string;
  sum?: { dataPoints: OtlpPoint[] };
  histogram?: { dataPoints: OtlpPoint[] };
}

function value(v: OtlpValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue;
}

function attrs(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(list.map((a) => [a.key, value(a.value)]));
}

function spansOf(received: Received): OtlpSpan[] {
  return (received["/v1/traces"] ?? []).flatMap((text) =>
    JSON.parse(text).resourceSpans.flatMap((r: {
      scopeSpans: { spans: OtlpSpan[] }[];
    }) => r.scopeSpans.flatMap((s) => s.spans))
  );
}

function logsOf(received: Received): OtlpLog[] {
  return (received["/v1/logs"] ?? []).flatMap((text) =>
    JSON.parse(text).resourceLogs.flatMap((r: {
      scopeLogs: { logRecords: OtlpLog[] }[];
    }) => r.scopeLogs.flatMap((s) => s.logRecords))
  );
}

/** The latest data points of metric `name` (cumulative: the last export holds the totals). */
function latestPoints(received: Received, name: string): OtlpPoint[] {
  let points: OtlpPoint[] = [];
  for (const text of received["/v1/metrics"] ?? []) {
    for (const r of JSON.parse(text).resourceMetrics) {
      for (const s of r.scopeMetrics) {
        for (const m of s.metrics as OtlpMetric[]) {
          if (m.name !== name) continue;
          points = (m.sum ?? m.histogram)?.dataPoints ?? points;
        }
      }
    }
  }
  return points;
}

function pointValue(point: OtlpPoint | undefined): number {
  if (!point) return 0;
  return Number(point.asInt ?? point.asDouble ?? point.count ?? 0);
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A `traceparent` header starting a trace the test knows the id of. */
function newTrace(): { traceId: string; header: string } {
  const traceId = randomHex(16);
  return { traceId, header: `00-${traceId}-${randomHex(8)}-01` };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Polls `check` until it is true or `ms` pass; then says what was missing. */
async function until(
  ms: number,
  check: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up after ${ms} ms waiting for ${what}`);
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  into: string[],
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) into.push(decoder.decode(chunk));
}

Deno.test("OTEL_DENO=true: live.* spans, metrics and trace-linked logs reach OTLP, secrets do not", async () => {
  const secret = `canary${crypto.randomUUID().replaceAll("-", "")}`;
  const apiKey = `canaryApp.canaryKey:${secret}`;
  const received: Received = {};
  const receiver = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      (received[path] ??= []).push(await req.text());
      return Response.json({});
    },
  );
  const emulator = await startEmulator({ port: 0, keys: [apiKey] });
  const dir = await Deno.makeTempDir({ prefix: "live-otel-" });
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: new URL("..", import.meta.url),
    env: {
      PORT: String(port),
      DENO_KV_PATH: `${dir}/kv.sqlite3`,
      ABLY_API_KEY: apiKey,
      ABLY_ENDPOINT: emulator.url,
      LIVE_RATE_LIMIT_PER_MIN: "3",
      LOG_LEVEL: "info",
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "live-otel-test",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.addr.port}`,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_BLRP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "250",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const drained = Promise.all([
    drain(child.stdout, output),
    drain(child.stderr, output),
  ]);
  try {
    await until(30_000, async () => {
      try {
        const res = await fetch(`${url}/api/live`);
        await res.body?.cancel();
        return res.status === 401;
      } catch {
        return false;
      }
    }, `the app on ${url}\n${output.join("")}`);

    // Sign in; the callback's code is kept to look for later.
    const jar = new CookieJar();
    const signIn = await walkSignIn(jar, `${url}/auth/signin`, {
      login: "alice",
      // Before the landing page, whose look-up would fill the session cache.
      stopAt: (u) => u.origin === url && !u.pathname.startsWith("/auth/"),
    });
    const sessionId = jar.get("127.0.0.1", "session")?.value;
    assert.ok(sessionId, "signed in");
    const callback = signIn.hops.find((h) =>
      new URL(h.url).pathname === "/auth/callback"
    );
    const code = callback && new URL(callback.url).searchParams.get("code");
    assert.ok(code, "the callback carried a code");

    // Three tokens (KV, then cache), then the limit of 3 a minute refuses.
    const tokenTraces = [newTrace(), newTrace(), newTrace()];
    const macs: string[] = [];
    for (const trace of tokenTraces) {
      const res = await fetch(`${url}/api/live`, {
        headers: {
          cookie: jar.header(`${url}/api/live`)!,
          traceparent: trace.header,
        },
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(typeof body.token.mac, "string");
      macs.push(body.token.mac);
    }
    const refused = await fetch(`${url}/api/live`, {
      headers: { cookie: jar.header(`${url}/api/live`)! },
    });
    assert.equal(refused.status, 429);
    await refused.body?.cancel();

    const anonymous = newTrace();
    const unauthorized = await fetch(`${url}/api/live`, {
      headers: { traceparent: anonymous.header },
    });
    assert.equal(unauthorized.status, 401);
    await unauthorized.body?.cancel();

    // A message through the server: stored in KV, published inline.
    const messageTrace = newTrace();
    const posted = await fetch(`${url}/api/rooms/lobby/messages`, {
      method: "POST",
      headers: {
        cookie: jar.header(`${url}/api/rooms/lobby/messages`)!,
        origin: url,
        "content-type": "application/json",
        traceparent: messageTrace.header,
      },
      body: JSON.stringify({ text: "traced", id: "otel-message-0001" }),
    });
    assert.equal(posted.status, 201);
    await posted.body?.cancel();

    const spanNamed = (name: string, traceId?: string) =>
      spansOf(received).filter((s) =>
        s.name === name && (traceId === undefined || s.traceId === traceId)
      );
    await until(
      15_000,
      () =>
        tokenTraces.every((t) =>
          spanNamed("live.token.issue", t.traceId).length === 1
        ) &&
        spanNamed("live.signin.exchange").length > 0 &&
        spanNamed("live.message.publish", messageTrace.traceId).length === 1 &&
        logsOf(received).some((l) => l.traceId === anonymous.traceId) &&
        latestPoints(received, "live.rate_limit.refusals").length > 0 &&
        pointValue(latestPoints(received, "live.tokens.issued")[0]) >= 3,
      "spans, logs and metrics",
    );

    const spans = spansOf(received);
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    // The token span: a child of Deno's server span, mode and outcome set.
    for (const trace of tokenTraces) {
      const [issue] = spanNamed("live.token.issue", trace.traceId);
      const server = byId.get(issue.parentSpanId);
      assert.ok(server, "live.token.issue has its server span as parent");
      assert.equal(server.kind, 2, "the parent is a server span");
      assert.equal(server.name, "GET");
      assert.equal(attrs(server.attributes)["url.path"], "/api/live");
      assert.deepEqual(attrs(issue.attributes), {
        "live.token.mode": "request",
        "live.outcome": "ok",
      });
      const [lookup] = spanNamed("live.session.lookup", trace.traceId);
      assert.equal(lookup.parentSpanId, server.spanId);
      assert.equal(attrs(lookup.attributes)["live.outcome"], "found");
    }
    // The message: stored, then published inline, both under the POST's
    // server span; the policy's decision in the same trace.
    const [store] = spanNamed("live.message.store", messageTrace.traceId);
    const [publish] = spanNamed("live.message.publish", messageTrace.traceId);
    const postServer = byId.get(store.parentSpanId);
    assert.equal(postServer?.name, "POST");
    assert.equal(publish.parentSpanId, store.parentSpanId);
    assert.deepEqual(attrs(store.attributes), {
      "live.room.id": "lobby",
      "live.message.created": true,
    });
    assert.equal(attrs(publish.attributes)["live.publish.path"], "inline");
    assert.ok(
      spanNamed("live.policy.decision", messageTrace.traceId).length > 0,
      "the policy's decision is in the message's trace",
    );

    // The first look-up after sign-in reads KV; the next ones hit the cache.
    assert.equal(
      attrs(
        spanNamed("live.session.lookup", tokenTraces[0].traceId)[0].attributes,
      )["live.session.source"],
      "kv",
    );
    assert.equal(
      attrs(
        spanNamed("live.session.lookup", tokenTraces[2].traceId)[0].attributes,
      )["live.session.source"],
      "cache",
    );

    // The sign-in steps: start and callback under their server spans, the
    // exchange inside the callback, all with the provider and outcome.
    for (const name of ["live.signin.start", "live.signin.callback"]) {
      const [span] = spanNamed(name);
      assert.ok(span, name);
      assert.equal(
        byId.get(span.parentSpanId)?.kind,
        2,
        `${name} under a server span`,
      );
      assert.deepEqual(attrs(span.attributes), {
        "live.auth.provider": "embedded",
        "live.outcome": "ok",
      });
    }
    const [exchange] = spanNamed("live.signin.exchange");
    assert.equal(
      byId.get(exchange.parentSpanId)?.name,
      "live.signin.callback",
    );

    // Metrics.
    const issued = latestPoints(received, "live.tokens.issued");
    assert.deepEqual(attrs(issued[0].attributes), {
      "live.token.mode": "request",
      "live.outcome": "ok",
    });
    assert.equal(pointValue(issued[0]), 3);
    const refusals = latestPoints(received, "live.rate_limit.refusals");
    assert.deepEqual(attrs(refusals[0].attributes), {
      "http.route": "/api/live",
      "http.request.method": "GET",
    });
    assert.equal(pointValue(refusals[0]), 1);
    const lookups = latestPoints(received, "live.session.lookups");
    assert.ok(
      lookups.some((p) =>
        attrs(p.attributes)["live.session.source"] === "cache"
      ),
      "session cache hits are counted",
    );

    // The 401's LogTape warning carries the request's trace id.
    const warning = logsOf(received).find((l) =>
      l.traceId === anonymous.traceId
    );
    assert.ok(warning, "a log record in the 401's trace");
    assert.equal(warning.severityText, "WARN");
    assert.match(
      String(value(warning.body)),
      /GET \/api\/live refused: no or malformed session cookie/,
    );
    const server401 = spanNamed("GET", anonymous.traceId)[0];
    assert.equal(
      warning.spanId,
      server401?.spanId,
      "the log names the server span",
    );

    // Nothing secret in any byte received.
    const everything = Object.values(received).flat().join("\n");
    assert.ok(!everything.includes(secret), "no key secret");
    assert.ok(!everything.includes(sessionId), "no session id");
    for (const mac of macs) {
      assert.ok(!everything.includes(mac), "no TokenRequest MAC");
    }
    // Deno's own server span records the callback's URL, code included
    // (README, Observability); nothing of ours carries it.
    const ours = JSON.stringify([
      spans.filter((s) => s.name.startsWith("live.")),
      logsOf(received),
      received["/v1/metrics"] ?? [],
    ]);
    assert.ok(
      !ours.includes(code),
      "no OAuth code in live.* spans, logs, metrics",
    );
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }, 10_000);
    await child.status;
    clearTimeout(timer);
    await drained;
    await receiver.shutdown();
    await emulator.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs `script` with OTLP export to a fresh receiver; what arrived, and its stdout. */
async function runExporting(
  script: string,
  wanted: (received: Received) => boolean,
): Promise<{ received: Received; stdout: string }> {
  const received: Received = {};
  const receiver = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      (received[path] ??= []).push(await req.text());
      return Response.json({});
    },
  );
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      cwd: new URL("..", import.meta.url),
      env: {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.addr.port}`,
        OTEL_BSP_SCHEDULE_DELAY: "100",
        OTEL_METRIC_EXPORT_INTERVAL: "250",
      },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.ok(
      output.success,
      `${script} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
    // Deno flushes on exit; the wait covers a slow receiver.
    await until(5_000, () => wanted(received), "the fixture's telemetry");
    return { received, stdout };
  } finally {
    await receiver.shutdown();
  }
}

Deno.test("OTEL_DENO=true: an outbox publish starts its own trace, linked to the span that stored the message", async () => {
  const { received, stdout } = await runExporting(
    "tests/fixtures/otel_outbox.ts",
    (r) =>
      spansOf(r).filter((s) => s.name === "live.outbox.deliver").length ===
        2 && latestPoints(r, "live.messages.published").length > 0,
  );
  const { traceId } = JSON.parse(stdout.trim().split("\n").at(-1)!);
  const spans = spansOf(received);
  const named = (name: string) => spans.filter((s) => s.name === name);

  const [request] = named("request");
  const [store] = named("live.message.store");
  assert.equal(store.traceId, traceId);
  assert.equal(store.parentSpanId, request.spanId);
  assert.deepEqual(attrs(store.attributes), {
    "live.room.id": "lobby",
    "live.message.created": true,
  });
  const policy = named("live.policy.decision");
  assert.ok(policy.some((s) => s.traceId === traceId));

  const publishes = named("live.message.publish");
  const inline = publishes.find((s) =>
    attrs(s.attributes)["live.publish.path"] === "inline"
  );
  assert.ok(inline, "the inline publish has a span");
  assert.equal(inline.parentSpanId, request.spanId);
  assert.equal(inline.status?.code, 2, "the failed inline publish is an error");

  // Two deliveries (one failing, one publishing), each a root span of its
  // own trace, linked to the store span.
  const deliveries = named("live.outbox.deliver");
  assert.equal(deliveries.length, 2);
  for (const delivery of deliveries) {
    assert.equal(delivery.parentSpanId, "");
    assert.notEqual(delivery.traceId, traceId);
    assert.deepEqual(
      delivery.links?.map((l) => [l.traceId, l.spanId]),
      [[store.traceId, store.spanId]],
    );
    assert.equal(attrs(delivery.attributes)["live.outbox.kind"], "publish");
  }
  assert.deepEqual(
    deliveries.map((d) => attrs(d.attributes)["live.outbox.attempt"]).sort(),
    [1, 2],
  );
  const retried = publishes.filter((s) =>
    attrs(s.attributes)["live.publish.path"] === "outbox"
  );
  assert.equal(retried.length, 2);
  for (const span of retried) {
    assert.ok(
      deliveries.some((d) => d.spanId === span.parentSpanId),
      "an outbox publish sits under its delivery",
    );
  }

  const [revocation] = named("live.revocation");
  assert.equal(revocation.parentSpanId, request.spanId);
  assert.deepEqual(attrs(revocation.attributes), {
    "live.revocation.attempt": 1,
    "live.revocation.targets": 1,
    "live.outcome": "ok",
  });

  const total = (name: string) =>
    latestPoints(received, name).reduce((n, p) => n + pointValue(p), 0);
  assert.equal(total("live.messages.stored"), 1);
  assert.equal(total("live.messages.retried"), 2);
  assert.equal(total("live.revocations.sent"), 1);
  assert.deepEqual(
    latestPoints(received, "live.messages.published").map((p) => [
      attrs(p.attributes)["live.publish.path"],
      pointValue(p),
    ]),
    [["outbox", 1]],
  );
  assert.equal(total("live.outbox.job.age"), 2, "two deliveries measured");
});
