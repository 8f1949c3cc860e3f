/**
 * Several real app processes (`deno run -A main.ts`) on one KV file, one
 * Ably emulator and one sign-in provider: the local stand-in for Deno
 * Deploy's isolates on one KV, or N processes on one `denokv`. The apps
 * reach the emulator through an `OutageProxy`, so a test can make Ably
 * unreachable for them (refused, or hanging as a partitioned network does)
 * while its own subscribers stay connected to the emulator itself.
 *
 * Used by the many-instances tests and by `bench/rooms_instances_bench.ts`.
 *
 * @example
 * ```ts
 * import { startInstances } from "./instances.ts";
 * await using cluster = await startInstances(3);
 * const alice = await cluster.signIn(cluster.apps[0], "alice");
 * ```
 */
import { isLoopbackCallback } from "../../lib/auth/start.ts";
import {
  type Emulator,
  generateDevKey,
  startEmulator,
} from "../../lib/emulator/mod.ts";
import { type Idp, startIdp } from "../../lib/idp/mod.ts";
import { CookieJar, walkSignIn } from "../auth_helpers.ts";
import { type ChildApp, spawnApp } from "../hardening_helpers.ts";

/** How the proxy treats new and held connections. */
export type ProxyMode = "pass" | "refuse" | "hang";

/**
 * A TCP proxy on a loopback port in front of `target`: `pass` pipes,
 * `refuse` closes each new connection at once (a service that is down),
 * `hang` accepts and never answers (a network that drops packets), until
 * the mode changes, which closes whatever it held.
 */
export class OutageProxy implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #open = new Set<Deno.Conn>();
  readonly #held = new Set<Deno.Conn>();
  readonly #accepting: Promise<void>;
  #mode: ProxyMode = "pass";

  constructor(readonly targetPort: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  get url(): string {
    return `http://127.0.0.1:${this.#listener.addr.port}`;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  set mode(mode: ProxyMode) {
    this.#mode = mode;
    // Connections held or open so far end with the old mode.
    for (const conn of [...this.#held, ...this.#open]) closeQuietly(conn);
    this.#held.clear();
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      if (this.#mode === "refuse") closeQuietly(conn);
      else if (this.#mode === "hang") this.#held.add(conn);
      else this.#pipe(conn);
    }
  }

  async #pipe(conn: Deno.Conn): Promise<void> {
    this.#open.add(conn);
    let upstream: Deno.Conn | undefined;
    try {
      upstream = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.targetPort,
      });
      this.#open.add(upstream);
      await Promise.allSettled([
        conn.readable.pipeTo(upstream.writable),
        upstream.readable.pipeTo(conn.writable),
      ]);
    } catch {
      // The target is down or the pipe broke: the client sees a reset.
    } finally {
      for (const c of [conn, upstream]) {
        if (!c) continue;
        this.#open.delete(c);
        closeQuietly(c);
      }
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    this.mode = "refuse";
    await this.#accepting.catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed by its other end.
  }
}

export interface Instances extends AsyncDisposable {
  apps: ChildApp[];
  emulator: Emulator;
  /** The apps' way to the emulator. */
  proxy: OutageProxy;
  /** The API key every app signs with (the emulator's, revocable). */
  key: string;
  /** The KV file all apps share. */
  kvPath: string;
  /** The environment each app was started with. */
  env: Record<string, string>;
  /** Signs `login` in through `app`; returns the session id. */
  signIn(app: ChildApp, login: string): Promise<string>;
  /** Starts one more app on the same KV, emulator and provider. */
  spawn(): Promise<ChildApp>;
  close(): Promise<void>;
}

/** Starts `n` apps sharing one KV file, emulator and provider; `env` on top of theirs. */
export async function startInstances(
  n: number,
  env: Record<string, string> = {},
): Promise<Instances> {
  const key = generateDevKey();
  const keyName = key.slice(0, key.indexOf(":"));
  const emulator = await startEmulator({
    keys: [key],
    revocableKeys: [keyName],
  });
  const proxy = new OutageProxy(emulator.port);
  let idp: Idp | undefined;
  const dir = await Deno.makeTempDir({ prefix: "live-instances-" });
  const apps: ChildApp[] = [];
  const close = async () => {
    await Promise.all(apps.map((app) => app.stop("SIGKILL")));
    await idp?.close();
    await proxy.close();
    await emulator.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    idp = await startIdp({ redirectUris: isLoopbackCallback });
    const kvPath = `${dir}/kv.sqlite3`;
    const appEnv = {
      DENO_KV_PATH: kvPath,
      ABLY_API_KEY: key,
      ABLY_ENDPOINT: proxy.url,
      OAUTH_PROVIDER: "oidc",
      OIDC_ISSUER: idp.issuer.href,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      ...env,
    };
    const spawn = async () => {
      const app = await spawnApp(appEnv);
      apps.push(app);
      return app;
    };
    // One at a time: each creates the KV file's tables on its first open.
    for (let i = 0; i < n; i++) await spawn();
    return {
      apps,
      emulator,
      proxy,
      key,
      kvPath,
      env: appEnv,
      signIn: async (app, login) => {
        const jar = new CookieJar();
        await walkSignIn(jar, `${app.url}/auth/signin?redirect=/about`, {
          login,
        });
        const id = jar.get("127.0.0.1", "session")?.value;
        if (!id) throw new Error(`${login} could not sign in at ${app.url}`);
        return id;
      },
      spawn,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The `instance` a child app printed in its listening line: whose outbox leases are its. */
export function instanceIdOf(app: ChildApp): string | undefined {
  for (const line of app.lines) {
    const match = /\binstance ([\w-]+)/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}
