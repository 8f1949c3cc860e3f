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
import {
  installServices,
  type Services,
  uninstallServices,
} from "./services.ts";

export interface RunningServices extends AsyncDisposable {
  services: Services;
  /** The embedded OpenID Connect provider, when `OAUTH_PROVIDER` is unset. */
  idp: Idp | undefined;
  /** Uninstalls and stops everything started here, KV last. */
  close(): Promise<void>;
}

export async function startServices(
  config: AppConfig,
  options: { kvPath?: string } = {},
): Promise<RunningServices> {
  const kv = await openKv(options.kvPath ?? config.kvPath);
  const auth = await startAuthServices(config, kv);
  const ably = await startAblyServices(config.ably);
  const services: Services = { config, kv, auth: auth.auth, ably };
  installServices(services);
  const close = async () => {
    uninstallServices();
    await ably.close();
    await auth.close();
    kv.close();
  };
  return { services, idp: auth.idp, close, [Symbol.asyncDispose]: close };
}
