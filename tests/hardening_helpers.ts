/**
 * What the hardening tests (`tests/hardening_*_test.ts`) and the soak bench
 * share: the whole app in process with the services of a given environment,
 * a sign-in that needs no browser, a seeded random source for generated
 * cases, and `deno run -A main.ts` as a child process that is always killed
 * and awaited.
 */
import type { RequestHandler } from "$fresh/server.ts";
import type { Services } from "../lib/app/services.ts";
import type { Idp } from "../lib/idp/mod.ts";
import { CookieJar, request, walkSignIn } from "./auth_helpers.ts";
import { startTestApp } from "./helpers/app.ts";

/** The origin in-process requests are addressed to. */
export const APP = "http://127.0.0.1:8000";

export { FRESH_BUILD } from "./helpers/app.ts";

/** A response the app or the provider gave, as read by the test. */
export interface Seen {
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

/** The app in process. */
export interface InProcessApp extends AsyncDisposable {
  services: Services;
  handler: RequestHandler;
  /** The embedded provider, unless `env` names another. */
  idp: Idp | undefined;
  /** Every response of `send` and `signIn`, provider pages included. */
  seen: Seen[];
  /** One request to the app with `jar`'s cookies; the body read into `text`. */
  send(
    jar: CookieJar,
    path: string,
    init?: RequestInit,
  ): Promise<{ response: Response; text: string }>;
  /** Signs `login` in through the embedded provider; returns the session id. */
  signIn(jar: CookieJar, login?: string): Promise<string>;
}

/**
 * Starts the app for `env` (KV in memory unless `kv` is given) with
 * `startTestApp`, plus a cookie-aware `send` and a browserless sign-in.
 */
export async function startInProcessApp(
  env: Record<string, string> = {},
  options: { kv?: Deno.Kv } = {},
): Promise<InProcessApp> {
  const app = await startTestApp(env, options);
  const { handler } = app;
  try {
    const seen: Seen[] = [];
    const send: InProcessApp["send"] = async (jar, path, init = {}) => {
      const result = await request(
        jar,
        APP + path,
        init,
        (req) => handler(req),
      );
      const { response, text } = result;
      seen.push({
        url: APP + path,
        status: response.status,
        headers: response.headers,
        text,
      });
      return result;
    };
    return {
      services: app.services,
      handler,
      idp: app.idp,
      seen,
      send,
      async signIn(jar, login = "alice") {
        const { hops } = await walkSignIn(
          jar,
          `${APP}/auth/signin?redirect=/about`,
          {
            login,
            isApp: (url) => url.origin === APP,
            sendApp: (req) => handler(req),
            stopAt: (url) =>
              url.origin === APP && !url.pathname.startsWith("/auth/"),
          },
        );
        seen.push(...hops);
        const id = jar.get("127.0.0.1", "session")?.value;
        if (!id) throw new Error(`sign-in as ${login} set no session cookie`);
        return id;
      },
      [Symbol.asyncDispose]: app.close,
    };
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** Runs `fn` with `console.error` captured: the runtime logs every 500 it renders, expected ones too. */
export async function quietErrors<T>(
  fn: (lines: unknown[][]) => Promise<T>,
): Promise<T> {
  const original = console.error;
  const lines: unknown[][] = [];
  console.error = (...args: unknown[]) => lines.push(args);
  try {
    return await fn(lines);
  } finally {
    console.error = original;
  }
}

/**
 * mulberry32: a 32-bit seeded generator, small and good enough to spread
 * generated cases; the same seed gives the same run.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `FUZZ_SEED` when set (to replay a failure), else a fresh random seed. */
export function fuzzSeed(): number {
  const raw = Deno.env.get("FUZZ_SEED");
  if (raw !== undefined && raw.trim() !== "") {
    const seed = Number(raw);
    if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED: not an integer`);
    return seed >>> 0;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Generated values from one seed. */
export class Random {
  readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A length that is usually small and sometimes far too large. */
  length(): number {
    return this.pick([0, 1, 2, 8, 43, 100, 513, 2049, 9000]) +
      this.int(4);
  }

  /** A string of `length` characters from `alphabet`. */
  string(alphabet: string, length = this.length()): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** Bytes 0x01–0xff but CR and LF: what a `Headers` value can carry. */
  headerBytes(length = this.length()): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      let code = 1 + this.int(255);
      if (code === 10 || code === 13) code = 32;
      out += String.fromCharCode(code);
    }
    return out.trim();
  }
}

/** Printable ASCII. */
export const ASCII = Array.from(
  { length: 95 },
  (_, i) => String.fromCharCode(32 + i),
).join("");

/** The characters URL and cookie parsers treat specially. */
export const SPECIAL = "/\\:@%?#&=;,. \t\"'<>{}[]|^`~!$()*+";

/**
 * Runs one batch of generated cases; a failure names the seed and the case,
 * so `FUZZ_SEED=<seed>` replays it.
 */
export async function batch<T>(
  random: Random,
  what: string,
  cases: readonly T[],
  check: (c: T, index: number) => Promise<void>,
): Promise<void> {
  for (const [index, c] of cases.entries()) {
    try {
      await check(c, index);
    } catch (error) {
      const shown = JSON.stringify(c)?.slice(0, 400);
      throw new Error(
        `${what}: case ${index} failed; replay with FUZZ_SEED=${random.seed}\ncase: ${shown}`,
        { cause: error },
      );
    }
  }
}

/** `deno run -A main.ts` in a child process. */
export interface ChildApp extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` once it listens. */
  url: string;
  process: Deno.ChildProcess;
  /** Every line it printed so far, stdout and stderr. */
  lines: string[];
  /** Sends `signal` and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Starts the app as `deno task start` would, with `env` on top of this
 * process's environment (`PORT=0`, and whatever the test needs), and waits
 * up to `timeoutMs` for its "listening" line. `await using` kills and awaits
 * it whatever happens.
 */
export async function spawnApp(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ChildApp> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: { PORT: "0", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let onLine = (_line: string) => {};
  const pump = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        onLine(line);
      }
    }
    if (rest) lines.push(rest);
  };
  const pumped = Promise.all([pump(process.stdout), pump(process.stderr)]);
  let exited: Promise<Deno.CommandStatus> | undefined;
  const stop = (signal: Deno.Signal = "SIGKILL") => {
    if (!exited) {
      try {
        process.kill(signal);
      } catch {
        // Already gone: its status is what matters.
      }
      exited = Promise.all([process.status, pumped]).then(([s]) => s);
    }
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const found = (line: string) => {
        const m = /listening on http:\/\/[\w.]+:(\d+)\//.exec(line);
        if (!m) return;
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      };
      onLine = found;
      lines.forEach(found);
      process.status.then((s) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${s.code} before listening`));
      });
    });
    onLine = () => {};
    return {
      url,
      process,
      lines,
      stop,
      [Symbol.asyncDispose]: async () => {
        await stop("SIGKILL");
      },
    };
  } catch (error) {
    await stop("SIGKILL");
    throw new Error(`${error}\n${lines.join("\n")}`);
  }
}
