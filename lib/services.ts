/**
 * The app's process-wide services, reachable from routes.
 *
 * Routes are modules the runtime imports; they cannot take constructor
 * arguments. `main.ts` (or a test) builds the services once, calls
 * `installServices()` before the handler serves its first request, and
 * routes call `services()`. Tests call `uninstallServices()` in `finally` so
 * the next test installs its own.
 *
 * Holds handles only; building them is the job of their own modules
 * (`lib/start_services.ts` composes `lib/kv.ts`, `lib/auth/start.ts` and
 * `lib/ably/start.ts`).
 */
import type { AblyServices } from "./ably/start.ts";
import type { Auth } from "./auth/mod.ts";
import type { AppConfig } from "./config.ts";
import type { RateLimiter } from "./rate_limit.ts";

/** What routes may use. */
export interface Services {
  /** The configuration, read once at start-up. */
  config: AppConfig;
  /** The app's KV store. */
  kv: Deno.Kv;
  /** Sign-in and session look-up. */
  auth: Auth;
  /** Tokens for `/api/live`, the server's publisher, the browser's options. */
  ably: AblyServices;
  /**
   * `GET /api/live` requests per session (`LIVE_RATE_LIMIT_PER_MIN`). Held
   * here rather than in the route's module scope: it is built from the
   * configuration, and a test that installs its own services gets its own
   * counters instead of inheriting another test's.
   */
  liveRateLimit: RateLimiter;
  /**
   * `GET /auth/signin` starts per client address
   * (`SIGNIN_RATE_LIMIT_PER_MIN`): each start writes a KV record, so an
   * unauthenticated flood must not be able to fill KV. Here for the same
   * reason as `liveRateLimit`.
   */
  signInRateLimit: RateLimiter;
  /**
   * `POST /api/notify-me` calls per session (`NOTIFY_RATE_LIMIT_PER_MIN`):
   * each is an Ably publish paid with the server's key.
   */
  notifyRateLimit: RateLimiter;
}

let installed: Services | undefined;

/** Makes `services` available to routes; once per process (or per test). */
export function installServices(services: Services): void {
  if (installed) {
    throw new Error(
      "services are already installed; call uninstallServices() first",
    );
  }
  installed = services;
}

/**
 * The installed services.
 *
 * @throws {Error} when nothing is installed: a wiring mistake in `main.ts`
 * or a test, reported as such rather than as an undefined property.
 */
export function services(): Services {
  if (!installed) {
    throw new Error(
      "services are not installed: main.ts (or the test) must call installServices() before serving requests",
    );
  }
  return installed;
}

/** Forgets the installed services (tests). */
export function uninstallServices(): void {
  installed = undefined;
}
