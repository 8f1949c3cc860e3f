/**
 * Builds every service the routes use from the configuration — KV, sign-in,
 * Ably — and installs them (`lib/services.ts`). `main.ts` calls it once; tests
 * call it with their own environment and a `:memory:` KV.
 *
 * With no environment at all this starts the whole product on one machine: a
 * KV file, the embedded OpenID Connect provider and the Ably emulator.
 */
import { startAblyServices } from "./ably/start.ts";
import { startAuthServices } from "./auth/mod.ts";
import type { AppConfig } from "./config.ts";
import type { Idp } from "./idp/mod.ts";
import { openKv } from "./kv.ts";
import { RateLimiter } from "./rate_limit.ts";
import {
  installServices,
  type Services,
  uninstallServices,
} from "./services.ts";

export interface RunningServices extends AsyncDisposable {
  services: Services;
  /** The embedded OpenID Connect provider, when `OAUTH_PROVIDER` is unset. */
  idp: Idp | undefined;
  /** Uninstalls and stops everything started here, KV (if opened here) last. */
  close(): Promise<void>;
}

export interface StartServicesOptions {
  /** Opened instead of `config.kvPath` (tests: `:memory:`). */
  kvPath?: string;
  /**
   * An open store to use instead of opening one; it stays the caller's to
   * close. Tests pass a wrapped store to make KV fail on demand.
   */
  kv?: Deno.Kv;
}

export async function startServices(
  config: AppConfig,
  options: StartServicesOptions = {},
): Promise<RunningServices> {
  const kv = options.kv ?? await openKv(options.kvPath ?? config.kvPath);
  const auth = await startAuthServices(config, kv);
  const ably = await startAblyServices(config.ably);
  const services: Services = {
    config,
    kv,
    auth: auth.auth,
    ably,
    liveRateLimit: new RateLimiter({ limit: config.liveRateLimitPerMin }),
    // Anonymous callers: past the table's cap, fresh addresses share one
    // allowance rather than each getting an unlimited one.
    signInRateLimit: new RateLimiter({
      limit: config.signInRateLimitPerMin,
      overflow: "shared",
    }),
    notifyRateLimit: new RateLimiter({ limit: config.notifyRateLimitPerMin }),
  };
  installServices(services);
  const close = async () => {
    uninstallServices();
    await ably.close();
    await auth.close();
    if (!options.kv) kv.close();
  };
  return { services, idp: auth.idp, close, [Symbol.asyncDispose]: close };
}
