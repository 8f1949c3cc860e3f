/**
 * No secret leaves the server. With a canary Ably key (an emulator started
 * apart, reached through `ABLY_API_KEY` + `ABLY_ENDPOINT`), the embedded
 * provider's client secret and every session id of the run as canaries, a
 * run through every route in each token mode — sign-in, pages, tokens,
 * refusals, sign-out, an Ably outage — is searched: every response body and
 * header, every log record at debug level, every console line, and every
 * file of a build of the island bundles. None holds a canary. Session ids are
 * allowed in one place only: the `Set-Cookie` that hands one to its owner.
 */
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { build } from "$fresh/dev.ts";
import manifest from "../fresh.gen.ts";
import type { TokenMode } from "../lib/platform/config.ts";
import { startEmulator } from "../lib/emulator/mod.ts";
import { resetLogging, setupLogging } from "../lib/platform/log.ts";
import { CookieJar } from "./auth_helpers.ts";
import { type Seen, startInProcessApp } from "./hardening_helpers.ts";

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "x");
}

/** Where a canary was found, or `undefined`. */
function findIn(
  texts: Iterable<[where: string, text: string]>,
  canary: string,
): string | undefined {
  for (const [where, text] of texts) if (text.includes(canary)) return where;
}

/** Records every console line while `fn` runs, and passes them on. */
async function recordConsole<T>(
  lines: string[],
  fn: () => Promise<T>,
): Promise<T> {
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const originals = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(args.map((a) => Deno.inspect(a, { depth: 8 })).join(" "));
    };
  }
  try {
    return await fn();
  } finally {
    methods.forEach((m, i) => console[m] = originals[i]);
  }
}

Deno.test("no secret reaches a response, a log line, the console or a bundle", async () => {
  const keySecret = `canary${randomSecret()}`;
  const apiKey = `canary.key:${keySecret}`;
  const emulator = await startEmulator({ keys: [apiKey] });
  const records: LogRecord[] = [];
  const consoleLines: string[] = [];
  const seen: Seen[] = [];
  const sessionIds = new Set<string>();
  const clientSecrets = new Set<string>();
  let emulatorOpen = true;
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  try {
    await recordConsole(consoleLines, async () => {
      for (const mode of ["request", "jwt", "token"] as TokenMode[]) {
        await using app = await startInProcessApp({
          ABLY_API_KEY: apiKey,
          ABLY_ENDPOINT: emulator.url,
          ABLY_TOKEN_MODE: mode,
          LIVE_RATE_LIMIT_PER_MIN: "0",
        });
        clientSecrets.add(app.idp!.clientSecret);
        const jar = new CookieJar();
        const buildId = /__frsh_c=([\w-]+)/.exec(
          (await app.send(jar, "/about")).text,
        )?.[1];
        for (
          const path of [
            "/",
            "/styles.css",
            `/_frsh/js/${buildId}/island-liveroom.js`,
            "/api/live",
            "/no-such-page",
            "/auth/signin?redirect=/about",
            "/auth/callback?state=stale&code=abc",
            "/auth/callback?error=access_denied&state=x",
          ]
        ) await app.send(jar, path);

        sessionIds.add(await app.signIn(jar, "alice"));
        for (const path of ["/", "/about", "/auth/signout"]) {
          await app.send(jar, path);
        }
        for (let i = 0; i < 3; i++) {
          const { response } = await app.send(jar, "/api/live");
          assert.equal(response.status, 200, `${mode}: token`);
        }
        await app.send(jar, "/auth/signout", {
          method: "POST",
          headers: { origin: "https://evil.example" },
        });
        // Signing in again over a live session: a second id.
        sessionIds.add(await app.signIn(jar, "alice"));
        // A forged, well-formed id is refused and not echoed.
        await app.send(new CookieJar(), "/api/live", {
          headers: { cookie: `session=${"A".repeat(43)}` },
        });
        if (mode === "token") {
          await emulator.close();
          emulatorOpen = false;
          const { response } = await app.send(jar, "/api/live");
          assert.equal(response.status, 503, "token mode without Ably");
        }
        for await (
          const entry of app.services.kv.list({ prefix: ["sessions"] })
        ) {
          sessionIds.add(String(entry.key[1]));
        }
        await app.send(jar, "/auth/signout", {
          method: "POST",
          headers: { origin: "http://127.0.0.1:8000" },
        });
        seen.push(...app.seen);
      }
    });
  } finally {
    if (emulatorOpen) await emulator.close();
    await resetLogging();
  }

  // The island bundles, built as `deno task build` would, with the secrets
  // in this process's environment while esbuild runs.
  const outDir = await Deno.makeTempDir({ prefix: "live-build-" });
  const bundleTexts: [string, string][] = [];
  const saved = {
    ABLY_API_KEY: Deno.env.get("ABLY_API_KEY"),
    OIDC_CLIENT_SECRET: Deno.env.get("OIDC_CLIENT_SECRET"),
  };
  try {
    Deno.env.set("ABLY_API_KEY", apiKey);
    Deno.env.set("OIDC_CLIENT_SECRET", [...clientSecrets][0]);
    await recordConsole([], () => build(manifest, { build: { outDir } }));
    const walk = async (dir: string) => {
      for await (const entry of Deno.readDir(dir)) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory) await walk(path);
        else bundleTexts.push([path, await Deno.readTextFile(path)]);
      }
    };
    await walk(outDir);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
    await Deno.remove(outDir, { recursive: true });
  }
  assert.ok(bundleTexts.some(([p]) => p.endsWith(".js")), "bundles were built");

  const logTexts: [string, string][] = records.map((r, i) => [
    `log record ${i} (${r.category.join(".")})`,
    `${r.rawMessage} ${Deno.inspect(r.properties, { depth: 8 })} ${
      r.message.map((m) => typeof m === "string" ? m : Deno.inspect(m)).join("")
    }`,
  ]);
  const consoleTexts = consoleLines.map((l, i): [string, string] => [
    `console line ${i}`,
    l,
  ]);
  const bodies = seen.map((s): [string, string] => [
    `body of ${s.url}`,
    s.text,
  ]);
  const headers = (skipSetCookie: boolean) =>
    seen.map((s): [string, string] => [
      `headers of ${s.url}`,
      [...s.headers].filter(([name]) =>
        !(skipSetCookie && name === "set-cookie")
      ).map(([n, v]) => `${n}: ${v}`).join("\n"),
    ]);

  console.log(
    `searched ${seen.length} responses, ${records.length} log records, ${consoleLines.length} console lines, ${bundleTexts.length} bundle files for ${sessionIds.size} session ids and ${
      clientSecrets.size + 1
    } secrets`,
  );
  assert.ok(seen.length > 50, `responses searched: ${seen.length}`);
  assert.ok(records.length > 10, `log records searched: ${records.length}`);
  assert.equal(sessionIds.size >= 6, true, "session ids collected");
  assert.ok(
    records.some((r) => r.category.join(".") === "live.ably"),
    "the token service logged",
  );

  // The search sees what it should: the public half of the key is in the
  // TokenRequests, and each id handed out is in its own Set-Cookie.
  assert.ok(findIn(bodies, "canary.key"), "keyName in a TokenRequest");
  for (const id of sessionIds) {
    if (findIn(headers(false), id)) continue;
    assert.fail("a session id was never handed out in a Set-Cookie");
  }

  const everywhere = [
    ...bodies,
    ...headers(false),
    ...logTexts,
    ...consoleTexts,
    ...bundleTexts,
  ];
  for (const secret of [keySecret, apiKey, ...clientSecrets]) {
    assert.equal(findIn(everywhere, secret), undefined, "a secret leaked");
  }
  const outsideItsCookie = [
    ...bodies,
    ...headers(true),
    ...logTexts,
    ...consoleTexts,
    ...bundleTexts,
  ];
  for (const id of sessionIds) {
    assert.equal(
      findIn(outsideItsCookie, id),
      undefined,
      "a session id leaked",
    );
  }
  // Nothing of the server's configuration is bundled for the browser.
  for (const [path, text] of bundleTexts) {
    assert.doesNotMatch(
      text,
      /ABLY_API_KEY|OIDC_CLIENT_SECRET|readEnvironment/,
      path,
    );
  }
});
