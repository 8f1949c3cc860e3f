/**
 * The app's entry point: `deno task start` here, the entry point on Deno Deploy.
 *
 * Reads the configuration once, starts the app plugin's services (with no
 * environment: a KV file, the embedded OpenID Connect provider and the Ably
 * emulator) and serves the Fresh manifest. SIGTERM and SIGINT stop the
 * server through its signal: in-flight requests finish, then the services
 * stop and the process exits 0.
 */
import { start } from "$fresh/server.ts";
import config from "./fresh.config.ts";
import manifest from "./fresh.gen.ts";
import { livePluginOf, scheduleOutboxSweep } from "./lib/app/mod.ts";
import {
  ConfigError,
  getLogger,
  loadConfig,
  readEnvironment,
  setupLogging,
} from "./lib/platform/mod.ts";

const app = livePluginOf(config);
// Before the first `await`: Deno Deploy reads cron jobs at the top level.
scheduleOutboxSweep(app);

let appConfig;
try {
  appConfig = loadConfig(readEnvironment());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`live cannot start: ${error.message}`);
  Deno.exit(1);
}
await setupLogging({ level: appConfig.logLevel });
const logger = getLogger(["live", "main"]);

const running = await app.start(appConfig);
const { ably } = running.services;
// The embedded provider signs in anyone, and the emulator trusts its dev key:
// with either, the app is for this machine only.
const embedded = !appConfig.ably.key || appConfig.oauth.provider === "embedded";

const shutdown = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => {
      if (shutdown.signal.aborted) return;
      logger.info("{signal}: finishing in-flight requests, then stopping", {
        signal,
      });
      shutdown.abort();
    });
  } catch {
    // Platforms without signals (Deno Deploy) end the isolate themselves.
  }
}

await start(manifest, {
  ...config,
  server: {
    port: appConfig.port,
    ...(embedded ? { hostname: "127.0.0.1" } : {}),
    signal: shutdown.signal,
    onListen: (addr: Deno.NetAddr) => {
      logger.info(
        "live listening on {url} (Ably: {ably}; sign-in: {signIn}; credentials: {mode}; instance {instance})",
        {
          url: `http://${embedded ? "localhost" : "0.0.0.0"}:${addr.port}/`,
          ably: ably.emulator ? `emulator at ${ably.emulator.url}` : "Ably",
          signIn: running.idp
            ? `embedded provider at ${running.idp.issuer}`
            : appConfig.oauth.provider,
          // Not `tokenMode`: properties named like a token are redacted.
          mode: appConfig.ably.tokenMode,
          // Whose outbox leases are this process's (`OutboxEntry.lease`).
          instance: running.services.outbox.instanceId,
        },
      );
    },
  },
});
await app.close();
Deno.exit(0);
