/**
 * The outbox's sweeper on Deno Deploy: isolates start with traffic and are
 * stopped when idle, so a job left by an isolate that went away may find no
 * running instance to poll for it. `Deno.cron` runs once a minute whether
 * or not anyone is visiting, in an isolate of the app, which then takes the
 * due jobs as any instance would.
 *
 * Deploy reads cron definitions at module top level, so `main.ts` calls
 * this before its first `await`. Locally `Deno.cron` needs
 * `--unstable-cron` (deno.json enables it); where it is missing, the
 * instances' own polling is the only sweep.
 */
import type { LivePlugin } from "./plugin.ts";

/** Registers the minutely sweep of `plugin`'s outbox; `false` where `Deno.cron` is missing. */
export function scheduleOutboxSweep(plugin: LivePlugin): boolean {
  if (typeof Deno.cron !== "function") return false;
  Deno.cron("live outbox sweep", "* * * * *", async () => {
    const running = await plugin.start();
    await running.services.outbox.sweep();
  });
  return true;
}
