/**
 * Island props, server half: turns the props of every island on a page into
 * one JSON text for `<script type="application/json" id="__FRSH_STATE">`.
 * `deserializer.ts` is the browser half and reads exactly this format.
 *
 * Plain JSON values pass as they are. Everything else is a tagged object
 * `{"_f": tag, ...}`:
 *
 * - `s`: a `@preact/signals` signal, `{"_f":"s","i":n,"v":value}`; the same
 *   signal in two places keeps one `i` and comes back as one signal.
 * - `u8`: a `Uint8Array`, base64 in `v`.
 * - `d`: a `Date`, ISO text in `v` (`null` for an invalid date).
 * - `b`: a `bigint`, decimal text in `v`.
 * - `n`: `NaN`, `Infinity` or `-Infinity`, as text in `v`.
 * - `u`: `undefined` where it was given explicitly.
 * - `h`: `children` as server-rendered HTML in `v` (a `Slot`).
 * - `l`: a plain object that itself has an `_f` key, kept as is in `v`.
 *
 * A function, symbol, class instance, cycle, or JSX outside `children` throws
 * an `IslandPropsError` naming the island and the prop. The text has every `<`
 * escaped, so no prop can close the script tag or open a comment.
 */
import { isValidElement } from "preact";
import { Signal } from "@preact/signals";
import { Slot, type SlotProps } from "./slot.ts";

/** The props of one island instance on the page. */
export interface IslandProps {
  /** The island id, e.g. `counter_default`. */
  id: string;
  /** The props as the page passed them, `children` already a `Slot`. */
  props: Record<string, unknown>;
}

/** A prop that cannot travel to the browser. */
export class IslandPropsError extends Error {
  constructor(island: string, prop: string, what: string) {
    super(
      `Island "${island}" prop "${prop}": ${what} cannot be serialized. ` +
        "Pass JSON data, signals, Uint8Array, Date or JSX children instead.",
    );
    this.name = "IslandPropsError";
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Serializes the props of all islands of a page, in order. */
export function serializeIslandProps(islands: IslandProps[]): string {
  const signals = new Map<Signal, number>();
  const out = islands.map(({ id, props }) => {
    const seen = new Set<object>();
    const walk = (value: unknown, path: string): Json => {
      switch (typeof value) {
        case "string":
        case "boolean":
          return value;
        case "number":
          return Number.isFinite(value) ? value : { _f: "n", v: String(value) };
        case "bigint":
          return { _f: "b", v: value.toString() };
        case "undefined":
          return { _f: "u" };
        case "function":
          throw new IslandPropsError(id, path, "a function");
        case "symbol":
          throw new IslandPropsError(id, path, "a symbol");
      }
      if (value === null) return null;
      const obj = value as object;
      if (obj instanceof Signal) {
        const known = signals.get(obj);
        if (known !== undefined) return { _f: "s", i: known };
        const i = signals.size;
        signals.set(obj, i);
        return { _f: "s", i, v: walk(obj.peek(), `${path}.value`) };
      }
      if (obj instanceof Uint8Array) return { _f: "u8", v: toBase64(obj) };
      if (obj instanceof Date) {
        return {
          _f: "d",
          v: Number.isNaN(obj.getTime()) ? null : obj.toISOString(),
        };
      }
      if (isValidElement(obj)) {
        if (obj.type === Slot) {
          return { _f: "h", v: (obj.props as unknown as SlotProps).html };
        }
        throw new IslandPropsError(id, path, "JSX outside `children`");
      }
      if (seen.has(obj)) throw new IslandPropsError(id, path, "a cycle");
      seen.add(obj);
      try {
        if (Array.isArray(obj)) {
          return obj.map((item, i) => walk(item, `${path}[${i}]`));
        }
        const proto = Object.getPrototypeOf(obj);
        if (proto !== Object.prototype && proto !== null) {
          const name = proto?.constructor?.name ?? "object";
          throw new IslandPropsError(id, path, `a ${name}`);
        }
        const result: Record<string, Json> = {};
        for (const [key, item] of Object.entries(obj)) {
          result[key] = walk(item, path ? `${path}.${key}` : key);
        }
        return "_f" in result ? { _f: "l", v: result } : result;
      } finally {
        seen.delete(obj);
      }
    };
    const result: Record<string, Json> = {};
    for (const [key, item] of Object.entries(props)) {
      result[key] = walk(item, key);
    }
    return result;
  });
  return JSON.stringify(out).replace(/</g, "\\u003c");
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
