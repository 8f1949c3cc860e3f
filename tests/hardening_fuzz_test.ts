/**
 * Hostile input, generated from one seed (`FUZZ_SEED`, else random; a failure
 * names it and the case, and the same seed replays the same run):
 *
 * - cookies: random bytes, oversized headers, hundreds of pairs, the session
 *   cookie twice, forged and misshapen ids — on every kind of route;
 * - `/auth/signin?redirect=`: open-redirect attempts, encoded and not; the
 *   target stored for after sign-in is always a path on this site;
 * - `/api/live?…`: nothing in the query changes who the token is for or what
 *   it allows;
 * - `/auth/callback`: every mix of `code`, `state`, `iss`, `error`… with
 *   real, stale, foreign and absurd values;
 * - under `TRUST_PROXY`: garbage, half-valid and hostile `Forwarded` and
 *   `X-Forwarded-*` headers and connection addresses: never a 500, and the
 *   scheme the app believes is consistent across cookie, HSTS and
 *   `redirect_uri`;
 * - client addresses in every IPv6 spelling: one /64 is one key, and the
 *   parser never throws.
 *
 * Each case has an expected status class; the app never answers 500 (the
 * runtime logs nothing as an error), and after each batch it still serves a
 * page and a token normally. The emulator's share (protocol frames) is
 * `hardening_frames_test.ts`.
 */
import assert from "node:assert/strict";
import { safeRedirectTarget } from "../lib/auth/mod.ts";
import {
  addressKey,
  formatIpAddress,
  parseIpAddress,
} from "../lib/platform/ip_address.ts";
import { CookieJar } from "./auth_helpers.ts";
import {
  ASCII,
  batch,
  fuzzSeed,
  quietErrors,
  Random,
  SPECIAL,
  startInProcessApp,
} from "./hardening_helpers.ts";

const seed = fuzzSeed();
const BASE64URL =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Open-redirect attempts seen in the wild, to be mixed with noise. */
const HOSTILE_TARGETS = [
  "//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "https://evil.example",
  "http:evil.example",
  "javascript:alert(1)",
  "data:text/html,hi",
  "%2F%2Fevil.example",
  "/%2F%2Fevil.example",
  "/%5Cevil.example",
  "%252F%252Fevil.example",
  "/%252F%252Fevil.example",
  "/\t/evil.example",
  " //evil.example",
  "/\u0000",
  "///evil.example",
  "/.//evil.example",
  "/..//evil.example",
  "/@evil.example",
  "/rooms/1?x=//evil#//evil",
  "/about",
  "/auth/signout",
  "/\u3000/evil.example",
  "/%E3%80%80/evil.example",
];

/** A path on this site, and nothing a browser could read as another origin. */
function assertSafeTarget(target: string): void {
  assert.ok(target.startsWith("/"), `not a path: ${target}`);
  assert.ok(!target.startsWith("//"), `scheme-relative: ${target}`);
  // deno-lint-ignore no-control-regex -- control characters are what must not pass
  assert.ok(!/[\\\u0000-\u001f\u007f]/.test(target), `odd characters`);
  const base = "http://app.example";
  assert.equal(new URL(target, base).origin, base, target);
}

function hostileTarget(random: Random): string {
  switch (random.int(4)) {
    case 0:
      return random.pick(HOSTILE_TARGETS);
    case 1:
      return random.pick(HOSTILE_TARGETS) +
        random.string(ASCII + SPECIAL, random.int(20));
    case 2:
      return random.string(SPECIAL + "evil.example", 1 + random.int(30));
    default:
      return random.string(ASCII + SPECIAL);
  }
}

/** A query string of random parameters, encoded or raw. */
function randomQuery(random: Random, extra: [string, string][] = []): string {
  const pairs: [string, string][] = [...extra];
  const names = ["clientId", "capability", "ttl", "mode", "redirect", "x"];
  for (let i = random.int(6); i > 0; i--) {
    pairs.push([
      random.chance(0.5)
        ? random.pick(names)
        : random.string(ASCII, 1 + random.int(8)),
      random.string(ASCII + SPECIAL),
    ]);
  }
  return pairs.map(([k, v]) =>
    random.chance(0.8)
      ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}`
      : `${k}=${v}`
  ).join("&");
}

type CookieCase = { kind: string; header: string; path: string };

function cookieCase(random: Random, sid: string): CookieCase {
  const path = random.pick([
    "/",
    "/about",
    "/api/live",
    "/auth/signout",
    "/no-such-page",
    "/auth/callback",
  ]);
  const pairs = (n: number) =>
    Array.from(
      { length: n },
      () =>
        `${random.string(BASE64URL, 1 + random.int(10))}=${
          random.string(BASE64URL + "%!*", random.int(30))
        }`,
    );
  const kind = random.pick([
    "bytes",
    "huge",
    "many",
    "duplicated",
    "forged",
    "misshapen",
    "spaced",
  ]);
  let header: string;
  switch (kind) {
    case "bytes":
      header = random.headerBytes();
      break;
    case "huge":
      header = `session=${sid}; pad=${"a".repeat(8200 + random.int(60_000))}`;
      break;
    case "many":
      header = [...pairs(20 + random.int(600)), `session=${sid}`].sort(() =>
        random.next() - 0.5
      ).join("; ");
      break;
    case "duplicated":
      header = random.pick([
        `session=${sid}; session=${sid}`,
        `session=${sid};session=${random.string(BASE64URL, 43)}`,
        `session=${random.string(BASE64URL, 43)}; session=${sid}`,
        `session=; session=${sid}`,
      ]);
      break;
    case "forged":
      header = `session=${random.string(BASE64URL, 43)}`;
      break;
    case "misshapen":
      header = `session=${
        random.pick([
          sid + "=",
          sid.slice(1),
          sid + "A",
          `"${sid}"`,
          sid.replace(/./, "+"),
          random.string(ASCII),
        ])
      }`;
      break;
    default:
      header = `${" ".repeat(random.int(3))}session = ${sid} ;${
        pairs(random.int(4)).join(";")
      }`;
  }
  return { kind, header, path };
}

const PAGE_STATUS: Record<string, number> = {
  "/": 200,
  "/about": 200,
  "/auth/signout": 200,
  "/no-such-page": 404,
  "/auth/callback": 400,
};

Deno.test(`hostile cookies, queries and callbacks never get a 500 (FUZZ_SEED=${seed})`, async () => {
  const random = new Random(seed);
  // Both limits off: one session asks /api/live hundreds of times, and every
  // hostile redirect target starts a sign-in from the same address.
  await using app = await startInProcessApp({
    LIVE_RATE_LIMIT_PER_MIN: "0",
    SIGNIN_RATE_LIMIT_PER_MIN: "0",
  });
  const { kv } = app.services;
  const issuer = app.idp!.issuer.href.replace(/\/$/, "");
  const jar = new CookieJar();
  const sid = await app.signIn(jar, "alice");
  const reference = JSON.parse((await app.send(jar, "/api/live")).text).token;
  assert.equal(reference.clientId, "embedded:alice");

  const stillServing = async () => {
    assert.equal((await app.send(jar, "/about")).response.status, 200);
    const { response, text } = await app.send(jar, "/api/live");
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(text).token.clientId, "embedded:alice");
  };
  const send = (path: string, init: RequestInit = {}, from = new CookieJar()) =>
    app.send(from, path, init);

  // Which statuses the cases got, printed so a run shows what it covered.
  const tally = new Map<string, number>();
  const count = (what: string, status: number) => {
    const key = `${what} ${status}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  };

  await quietErrors(async (errors) => {
    let total = 0;

    const cookies = Array.from({ length: 400 }, () => cookieCase(random, sid));
    await batch(random, "cookies", cookies, async ({ header, path, kind }) => {
      const { response, text } = await send(path, {
        headers: { cookie: header },
      });
      count(`cookie ${path}`, response.status);
      if (path === "/api/live") {
        // Only the exact id, alone under its name, in a header of sane size.
        const may = header.includes(sid) &&
          ["many", "spaced"].includes(kind) && header.length <= 8192;
        assert.ok(
          response.status === 401 || (may && response.status === 200),
          `status ${response.status}`,
        );
        if (response.status === 200) {
          assert.equal(JSON.parse(text).token.clientId, "embedded:alice");
        }
      } else {
        assert.equal(response.status, PAGE_STATUS[path]);
      }
    });
    total += cookies.length;
    await stillServing();

    const targets = Array.from({ length: 150 }, () => ({
      target: hostileTarget(random),
      raw: random.chance(0.2),
    }));
    await batch(
      random,
      "sign-in redirect",
      targets,
      async ({ target, raw }) => {
        assertSafeTarget(safeRedirectTarget(target));
        const query = raw
          ? `redirect=${target}`
          : `redirect=${encodeURIComponent(target)}`;
        const { response } = await send(`/auth/signin?${query}`);
        assert.equal(response.status, 302);
        const location = new URL(response.headers.get("location")!);
        assert.equal(location.origin, app.idp!.issuer.origin);
        const state = location.searchParams.get("state")!;
        const record = await kv.get<{ redirectTo: string }>(["oauth", state]);
        assertSafeTarget(record.value!.redirectTo);
        await kv.delete(["oauth", state]);
      },
    );
    total += targets.length;
    await stillServing();

    const queries = Array.from({ length: 150 }, () => ({
      query: randomQuery(random),
      signedIn: random.chance(0.6),
    }));
    await batch(
      random,
      "/api/live query",
      queries,
      async ({ query, signedIn }) => {
        const { response, text } = await send(
          `/api/live?${query}`,
          {},
          signedIn ? jar : new CookieJar(),
        );
        assert.equal(response.status, signedIn ? 200 : 401);
        if (signedIn) {
          const { token } = JSON.parse(text);
          assert.equal(token.clientId, reference.clientId);
          assert.equal(token.capability, reference.capability);
          assert.equal(token.ttl, reference.ttl);
          assert.equal(token.keyName, reference.keyName);
        }
      },
    );
    total += queries.length;
    await stillServing();

    const callbacks = Array.from({ length: 250 }, () => ({
      real: random.chance(0.3),
      ownCookie: random.chance(0.7),
      correctIss: random.chance(0.5),
      params: randomCallbackParams(random),
    }));
    await batch(random, "callback", callbacks, async (c) => {
      const browser = new CookieJar();
      const extra: [string, string][] = [];
      if (c.real) {
        const { response } = await send("/auth/signin", {}, browser);
        const state = new URL(response.headers.get("location")!)
          .searchParams.get("state")!;
        extra.push(["state", state]);
        if (c.correctIss) extra.push(["iss", issuer]);
      }
      const query = [
        ...extra.map(([k, v]) => `${k}=${encodeURIComponent(v)}`),
        ...c.params,
      ].join("&");
      const { response, text } = await send(
        `/auth/callback?${query}`,
        {},
        c.real && c.ownCookie ? browser : new CookieJar(),
      );
      count("callback", response.status);
      assert.equal(response.status, 400);
      assert.match(text, /Sign-in failed/);
      assert.match(text, /href="\/auth\/signin"/);
      assert.equal(
        response.headers.getSetCookie().some((l) =>
          l.startsWith("session=") && !l.startsWith("session=;")
        ),
        false,
      );
    });
    total += callbacks.length;
    await stillServing();

    console.log(
      `${total} cases, FUZZ_SEED=${seed}: ` +
        [...tally].sort().map(([k, n]) => `${k}: ${n}`).join(", "),
    );
    assert.deepEqual(errors, [], "the runtime logged no error");
    assert.ok(total >= 950, `${total} cases`);
  });
});

function randomCallbackParams(random: Random): string[] {
  const names = [
    "code",
    "state",
    "iss",
    "error",
    "error_description",
    "error_uri",
    "session_state",
    "response",
  ];
  const values = () =>
    random.pick([
      () => random.string(BASE64URL, 43),
      () => random.string(ASCII + SPECIAL),
      () =>
        random.pick([
          "access_denied",
          "server_error",
          "<script>x</script>",
          "%00",
          "\u202e",
        ]),
      () => "https://evil.example",
      () => "x".repeat(600),
    ])();
  const out: string[] = [];
  for (let i = random.int(6); i > 0; i--) {
    const name = random.pick(names);
    out.push(`${name}=${encodeURIComponent(values())}`);
  }
  return out;
}

/** Forwarding header values: valid, half valid, hostile and noise. */
function forwardingHeaders(random: Random): Record<string, string> {
  const hosts = [
    "live.example",
    "LIVE.example:8443",
    "[2001:db8::1]:443",
    "evil.example/x",
    "a@b",
    "..",
    "x:99999",
    "",
  ];
  const value = () =>
    random.pick([
      () => random.pick(["https", "http", "HTTPS", "ftp", "javascript"]),
      () => random.pick(hosts),
      () => random.pick(["198.51.100.7", "[2001:db8::7]:80", "unknown", "_x"]),
      () => random.string(ASCII + SPECIAL, random.int(40)),
      () => random.headerBytes(random.int(60)),
    ])();
  const element = () =>
    Array.from(
      { length: random.int(4) },
      () =>
        `${random.pick(["for", "proto", "host", "by", "x", ""])}=${
          random.chance(0.5) ? `"${value()}"` : value()
        }`,
    ).join(random.pick([";", "; ", ";;"]));
  const headers: Record<string, string> = {};
  if (random.chance(0.5)) {
    headers.forwarded = Array.from({ length: 1 + random.int(3) }, element)
      .join(random.pick([",", ", "]));
  }
  for (
    const name of ["x-forwarded-proto", "x-forwarded-host", "x-forwarded-for"]
  ) {
    if (random.chance(0.5)) {
      headers[name] = Array.from({ length: 1 + random.int(3) }, value).join(
        ", ",
      );
    }
  }
  if (random.chance(0.3)) {
    headers.origin = random.pick([
      "https://live.example",
      APP_ORIGIN,
      "null",
      value(),
    ]);
  }
  return headers;
}

const APP_ORIGIN = "http://127.0.0.1:8000";

/** A random IPv6 address's groups. */
function randomGroups(random: Random): number[] {
  return Array.from(
    { length: 8 },
    () => random.chance(0.3) ? 0 : random.int(0x10000),
  );
}

/** One of the many ways to write `groups`. */
function spell(random: Random, groups: number[]): string {
  let parts = groups.map((g) => {
    const hex = g.toString(16);
    const padded = random.chance(0.3) ? hex.padStart(4, "0") : hex;
    return random.chance(0.3) ? padded.toUpperCase() : padded;
  });
  // Compress one run of zero groups, not always the longest.
  const zero = groups.findIndex((g) => g === 0);
  if (zero !== -1 && random.chance(0.7)) {
    let end = zero;
    while (end < 8 && groups[end] === 0) end++;
    const head = parts.slice(0, zero).join(":");
    const tail = parts.slice(end).join(":");
    parts = [`${head}::${tail}`];
  }
  let text = parts.join(":");
  if (random.chance(0.2)) text += `%${random.pick(["eth0", "1", "en0"])}`;
  if (random.chance(0.2)) text = `[${text}]`;
  return text;
}

Deno.test(`hostile forwarding headers and client addresses never get a 500 (FUZZ_SEED=${seed})`, async () => {
  const random = new Random(seed);
  await using app = await startInProcessApp({
    TRUST_PROXY: "true",
    SIGNIN_RATE_LIMIT_PER_MIN: "0",
    NOTIFY_RATE_LIMIT_PER_MIN: "0",
  });
  const jar = new CookieJar();
  await app.signIn(jar, "alice");

  const remoteAddresses = [
    "127.0.0.1",
    "::1",
    "::ffff:10.0.0.1",
    "fe80::1%eth0",
    "not an address",
    "",
  ];
  await quietErrors(async (errors) => {
    const cases = Array.from({ length: 300 }, () => ({
      headers: forwardingHeaders(random),
      path: random.pick([
        "/auth/signin",
        "/",
        "/api/live",
        "/auth/signout",
        "/api/notify-me",
      ]),
      post: random.chance(0.3),
      remote: random.pick(remoteAddresses),
    }));
    await batch(random, "forwarding headers", cases, async (c) => {
      const cookie = jar.header(`${APP_ORIGIN}/`);
      const response = await app.handler(
        new Request(APP_ORIGIN + c.path, {
          method: c.post ? "POST" : "GET",
          headers: { ...c.headers, ...(cookie ? { cookie } : {}) },
          redirect: "manual",
        }),
        { remoteAddr: { transport: "tcp", hostname: c.remote, port: 1 } },
      );
      await response.body?.cancel();
      assert.ok(response.status < 500, `status ${response.status}`);
      if (c.path === "/auth/signin" && !c.post) {
        assert.equal(response.status, 302);
        const redirectUri = new URL(
          new URL(response.headers.get("location")!).searchParams.get(
            "redirect_uri",
          )!,
        );
        assert.ok(["http:", "https:"].includes(redirectUri.protocol));
        assert.equal(redirectUri.pathname, "/auth/callback");
        assert.equal(redirectUri.username + redirectUri.password, "");
        assert.equal(redirectUri.search + redirectUri.hash, "");
        const https = redirectUri.protocol === "https:";
        const stateCookie = response.headers.getSetCookie()[0];
        assert.equal(stateCookie.startsWith("__Host-oauth-state="), https);
        assert.equal(stateCookie.endsWith("; Secure"), https);
        assert.equal(
          response.headers.has("strict-transport-security"),
          https,
        );
      }
    });
    assert.deepEqual(errors, [], "the runtime logged no error");
  });
  // The session survived every POST above only if no Origin matched;
  // either way the app still serves.
  assert.equal(
    (await app.send(new CookieJar(), "/about")).response.status,
    200,
  );
});

Deno.test(`every spelling of an IPv6 address keys on its /64; the parser never throws (FUZZ_SEED=${seed})`, async () => {
  const random = new Random(seed);
  const cases = Array.from({ length: 500 }, () => randomGroups(random));
  await batch(random, "IPv6 spellings", cases, (groups) => {
    const canonical = formatIpAddress({ version: 6, groups });
    const mapped = groups.slice(0, 6).join() === "0,0,0,0,0,65535";
    const expected = mapped ? addressKey(canonical) : `${
      formatIpAddress({
        version: 6,
        groups: [...groups.slice(0, 4), 0, 0, 0, 0],
      })
    }/64`;
    for (let i = 0; i < 4; i++) {
      const spelling = spell(random, groups);
      assert.equal(addressKey(spelling), expected, spelling);
    }
    return Promise.resolve();
  });
  const noise = Array.from(
    { length: 500 },
    () =>
      random.pick([
        () => random.string("0123456789abcdefABCDEF:.%[]", random.int(50)),
        () => random.string(ASCII, random.int(60)),
        () => random.headerBytes(random.int(60)),
      ])(),
  );
  await batch(random, "address noise", noise, (text) => {
    const parsed = parseIpAddress(text);
    if (parsed) {
      // Whatever parses, formats to text that parses to the same address.
      assert.deepEqual(parseIpAddress(formatIpAddress(parsed)), parsed);
    }
    assert.equal(typeof addressKey(text), "string");
    return Promise.resolve();
  });
});
