/**
 * Helpers for the emulator's tests: ably-js clients pointed at an emulator
 * and closed cleanly (the sanitizers run with `--sanitize-ops
 * --sanitize-resources`), an HS256 Ably JWT signer, and bounded waiting.
 * Only `*_test.ts` files import this module.
 */

import * as Ably from "ably";
import { createHmac } from "node:crypto";
import { type Emulator, emulatorClientOptions } from "./mod.ts";

/** Rest client with the key: for createTokenRequest and REST calls. */
export function restClient(emu: Emulator, key = emu.keys[0]): Ably.Rest {
  return new Ably.Rest({ ...emulatorClientOptions(emu.url), key, logLevel: 0 });
}

/** Realtime client pointed at the emulator, quiet, fast to retry. */
export function realtimeClient(
  emu: Emulator,
  options: Ably.ClientOptions,
): Ably.Realtime {
  return new Ably.Realtime({
    ...emulatorClientOptions(emu.url),
    logLevel: 0,
    disconnectedRetryTimeout: 300,
    suspendedRetryTimeout: 500,
    ...options,
  });
}

/** authCallback returning a TokenRequest signed by `rest`. */
export function tokenRequestCallback(
  rest: Ably.Rest,
  params: Ably.TokenParams,
  calls?: { count: number },
): Ably.ClientOptions["authCallback"] {
  return (_params, callback) => {
    if (calls) calls.count++;
    rest.auth.createTokenRequest(params).then(
      (req) => callback(null, req),
      (err) => callback(err, null),
    );
  };
}

/** Closes a realtime client and waits for `closed` (bounded). */
export async function closeClient(client: Ably.Realtime): Promise<void> {
  const state = client.connection.state;
  if (state === "closed" || state === "failed") return;
  const closed = client.connection.whenState("closed");
  client.close();
  await withTimeout(closed, 5000, "client close");
}

/** Waits until `check` holds, polling every 10 ms, at most `ms`. */
export async function waitFor(
  check: () => boolean,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `promise` takes longer than `ms`; clears its timer either way. */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out: ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An Ably JWT signed HS256 with the key's secret. */
export function signAblyJwt(
  key: string,
  claims: Record<string, unknown>,
): string {
  const colon = key.indexOf(":");
  const keyName = key.slice(0, colon);
  const secret = key.slice(colon + 1);
  const enc = (v: unknown) =>
    Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = enc({ typ: "JWT", alg: "HS256", kid: keyName });
  const body = enc(claims);
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest(
    "base64url",
  );
  return `${head}.${body}.${sig}`;
}

/** Opens a raw WebSocket to the emulator and collects parsed frames. */
export async function rawSocket(
  emu: Emulator,
  query: string,
): Promise<{
  socket: WebSocket;
  frames: Record<string, unknown>[];
  closed: Promise<void>;
}> {
  const socket = new WebSocket(`${emu.url.replace("http", "ws")}/?${query}`);
  const frames: Record<string, unknown>[] = [];
  const closed = new Promise<void>((resolve) => {
    socket.onclose = () => resolve();
  });
  socket.onmessage = (ev) => frames.push(JSON.parse(ev.data));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error("socket error"));
    }),
    5000,
    "raw socket open",
  );
  return { socket, frames, closed };
}

/** Splits a text stream into lines (std's TextLineStream is not reachable). */
export class TextLineStream extends TransformStream<string, string> {
  constructor() {
    let buffer = "";
    super({
      transform(chunk, controller) {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) controller.enqueue(line.replace(/\r$/, ""));
      },
      flush(controller) {
        if (buffer) controller.enqueue(buffer);
      },
    });
  }
}
