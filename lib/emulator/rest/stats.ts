/**
 * `GET /stats` (spec RSC6 application statistics, TS for the Stats type):
 * the emulator keeps no usage counters, so every page is empty — but the
 * request is checked as Ably checks it (the `stats` capability, `unit`,
 * `limit`, `direction`, `start` ≤ `end`) and answered with the paged shape
 * ably-js reads. The counterpart is ably-js `Rest.stats`.
 */

import { Errors } from "../core/mod.ts";
import {
  directionParam,
  json,
  limitParam,
  pageLinks,
  timeRangeParams,
} from "./http.ts";
import type { Grant } from "../auth/mod.ts";

/** Granularities Ably aggregates stats by (RSC6b4). */
const UNITS = new Set(["minute", "hour", "day", "month"]);

/** RSC6: an empty page of stats. */
export function stats(
  url: URL,
  grant: Grant,
  origin: string | null,
): Response {
  const mayRead = Object.values(grant.capability).some((ops) =>
    ops.includes("stats") || ops.includes("*")
  );
  if (!mayRead) {
    throw Errors.notPermitted("Unable to read stats: permission denied");
  }
  const q = url.searchParams;
  const limit = limitParam(q);
  const direction = directionParam(q);
  const { start, end } = timeRangeParams(q);
  const unit = q.get("unit") ?? "minute";
  if (!UNITS.has(unit)) {
    throw Errors.invalidParam("unit must be minute, hour, day or month");
  }
  if (start !== undefined && end !== undefined && start > end) {
    throw Errors.invalidParam("start must not be after end");
  }
  const res = json([], 200, origin);
  const base = new URLSearchParams({ limit: String(limit), direction, unit });
  res.headers.set("link", pageLinks("stats", base, undefined));
  return res;
}
