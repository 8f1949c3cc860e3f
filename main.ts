/**
 * The app's entry point: `deno task start` here, the entry point on Deno Deploy.
 *
 * Reads the configuration once, starts the services it names (with no
 * environment: a KV file, the embedded OpenID Connect provider and the Ably
 * emulator), installs them for the routes and serves the Fresh manifest.
 * SIGTERM and SIGINT let in-flight requests finish, then stop everything and
 * exit 0.
 */
import { start } from "$fresh/server.ts";
import config from "./fresh.config.ts";
import manifest from "./fresh.gen.ts";
import { ConfigError, loadConfig, readEnvironment } from "./lib/config.ts";
import { getLogger, setupLogging } from "./lib/log.ts";
import { startServices } from "./lib/start_services.ts";

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

const running = await startServices(appConfig);
const { ably } = running.services;
// The embedded provider signs in anyone, and the emulator trusts its dev key:
// with either, the app is for this machine only.
const embedded = !appConfig.ably.key || appConfig.oauth.provider === "embedded";
const server = await start(manifest, {
  ...config,
  server: {
    port: appConfig.port,
    ...(embedded ? { hostname: "127.0.0.1" } : {}),
    onListen: ({ port }) => {
      logger.info(
        "live listening on {url} (Ably: {ably}; sign-in: {signIn}; token mode: {tokenMode})",
        {
          url: `http://${embedded ? "localhost" : "0.0.0.0"}:${port}/`,
          ably: ably.emulator ? `emulator at ${ably.emulator.url}` : "Ably",
          signIn: running.idp
            ? `embedded provider at ${running.idp.issuer}`
            : appConfig.oauth.provider,
          tokenMode: appConfig.ably.tokenMode,
        },
      );
    },
  },
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("{signal}: finishing in-flight requests, then stopping", {
    signal,
  });
  await server.shutdown();
  await running.close();
  Deno.exit(0);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  try {
    Deno.addSignalListener(signal, () => stop(signal));
  } catch {
    // Platforms without signals (Deno Deploy) end the isolate themselves.
  }
}
await server.finished;
