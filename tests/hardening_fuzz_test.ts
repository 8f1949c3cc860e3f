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
 *   real, stale, foreign and absurd values.
 *
 * Each case has an expected status class; the app never answers 500 (the
 * runtime logs nothing as an error), and after each batch it still serves a
 * page and a token normally. The emulator's share (protocol frames) is
 * `hardening_frames_test.ts`.
 */
import assert from "node:assert/strict";
import { safeRedirectTarget } from "../lib/auth/mod.ts";
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
