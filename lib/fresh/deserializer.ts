/**
 * Island props, browser half: reads the JSON text `serializer.ts` writes and
 * rebuilds each island's props, turning tagged objects back into signals,
 * `Uint8Array`s, `Date`s, bigints and `children` (a `Slot` with the
 * server-rendered HTML). See `serializer.ts` for the format.
 *
 * It takes the signal constructor instead of importing `@preact/signals`, so
 * a page whose props hold no signal never downloads the library (`client.ts`
 * loads it only when `hasSignals` says so), as Fresh 1.x imports it only for
 * such pages.
 */
import { h } from "preact";
import type { Signal } from "@preact/signals";
import { Slot } from "./slot.ts";

/** Whether the props text holds a signal, so `signal` must be passed. */
export function hasSignals(text: string): boolean {
  // A string holding these characters is escaped (`\"`), so only a tag matches.
  return text.includes('"_f":"s"');
}

/** Rebuilds the props of every island of the page, in order. */
export function deserializeIslandProps(
  text: string,
  signal?: <T>(value: T) => Signal<T>,
): Record<string, unknown>[] {
  const signals = new Map<number, Signal>();
  const walk = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return value.map(walk);
    const obj = value as Record<string, unknown>;
    switch (obj._f) {
      case undefined:
        break;
      case "s": {
        const i = obj.i as number;
        let s = signals.get(i);
        if (!signal) throw new Error("island props hold a signal: pass signal");
        if (!s) signals.set(i, s = signal(walk(obj.v)));
        return s;
      }
      case "u8":
        return Uint8Array.from(atob(obj.v as string), (c) => c.charCodeAt(0));
      case "d":
        return new Date(obj.v === null ? NaN : obj.v as string);
      case "b":
        return BigInt(obj.v as string);
      case "n":
        return Number(obj.v);
      case "u":
        return undefined;
      case "h":
        return h(Slot, { html: obj.v as string });
      case "l":
        return walkObject(obj.v as Record<string, unknown>);
    }
    return walkObject(obj);
  };
  const walkObject = (obj: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const key in obj) out[key] = walk(obj[key]);
    return out;
  };
  return (JSON.parse(text) as Record<string, unknown>[]).map(walkObject);
}
