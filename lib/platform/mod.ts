/**
 * The platform under every other folder: configuration read once from the
 * environment (`config.ts`), logging with redaction (`log.ts`), telemetry
 * names and helpers (`telemetry.ts`), opening KV (`kv.ts`), secrets that
 * cannot leak by accident (`secret.ts`), addresses and random ids
 * (`net.ts`, `ip_address.ts`), and racing a promise against a deadline
 * (`deadline.ts`). It imports npm packages only.
 */
export {
  type AblyConfig,
  type AblyKey,
  type AppConfig,
  ConfigError,
  loadConfig,
  readEnvironment,
  type TokenMode,
} from "./config.ts";
export { DeadlineError, withDeadline } from "./deadline.ts";
export { addressKey, formatIpAddress, parseIpAddress } from "./ip_address.ts";
export { openKv } from "./kv.ts";
export { getManyInBatches } from "./kv_get_many.ts";
export { addressNetwork, getLogger, setupLogging } from "./log.ts";
export { isLoopbackUrl, randomId } from "./net.ts";
export { Secret } from "./secret.ts";
export {
  currentTraceparent,
  errorType,
  instruments,
  linkFrom,
  markError,
  SPAN,
  telemetryEnabled,
  traceRevocation,
  withSpan,
} from "./telemetry.ts";
