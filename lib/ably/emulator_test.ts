/**
 * The token modes end to end: the real `ably` Realtime SDK authenticates with
 * what `createTokenService().issue()` returns, against the local emulator
 * (`lib/emulator/`), which verifies the signatures and enforces the
 * capability from `capability.ts`.
 */
import { ROOM_CHANNEL, userChannel } from "../contract/mod.ts";
import assert from "node:assert/strict";
import * as Ably from "ably";
import type { TokenMode } from "../platform/config.ts";
import { emulatorClientOptions, startEmulator } from "../emulator/mod.ts";
import { Secret } from "../platform/secret.ts";
import {
  AblyUnavailableError,
  browserClientOptions,
  createPublisher,
  createTokenService,
  pageCapability,
  type TokenService,
} from "./mod.ts";
import { withTimeout } from "../emulator/test_helpers.ts";

const alice = { id: "oidc:ålice:ü1" };
const bob = { id: "github:bob" };

function splitKey(key: string) {
  const colon = key.indexOf(":");
  return {
    keyName: key.slice(0, colon),
    keySecret: new Secret(key.slice(colon + 1)),
  };
}

/** Rejects after `ms`; the timer is cleared either way. */
const within = <T>(ms: number, promise: Promise<T>): Promise<T> =>
  withTimeout(promise, ms, `${ms} ms`);

/** A browser-like client: no key, credentials only through `authCallback`. */
function connect(
  tokens: TokenService,
  user: { id: string },
  options: Ably.ClientOptions,
): Ably.Realtime {
  return new Ably.Realtime({
    ...options,
    useBinaryProtocol: false,
    logLevel: 0,
    authCallback: (_params, callback) => {
      tokens.issue(user, pageCapability(user.id, "lobby")).then(
        (credential) => callback(null, credential),
        (error) => callback(error, null),
      );
    },
  });
}

async function close(client: Ably.Realtime): Promise<void> {
  const state = client.connection.state;
  if (state === "closed" || state === "failed") return;
  const closed = client.connection.whenState("closed");
  client.close();
  await within(5_000, closed);
}

async function rejectsWithCode(
  promise: Promise<unknown>,
  code: number,
): Promise<void> {
  await assert.rejects(promise, (error: Ably.ErrorInfo) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

for (const mode of ["request", "token", "jwt"] as TokenMode[]) {
  Deno.test(`${mode} mode: the SDK connects as the user, with the policy's rights`, async () => {
    const emulator = await startEmulator({ port: 0 });
    const options = emulatorClientOptions(emulator.url);
    const tokens = createTokenService({
      key: splitKey(emulator.keys[0]),
      mode,
      ttlMs: 60_000,
      clientOptions: options,
    });
    const client = connect(tokens, alice, options);
    try {
      const credential = await tokens.issue(
        alice,
        pageCapability(alice.id, "lobby"),
      );
      const shape = typeof credential === "string"
        ? "jwt"
        : "mac" in credential
        ? "request"
        : "issued" in credential
        ? "token"
        : "unknown";
      assert.equal(shape, mode);

      await within(5_000, client.connection.whenState("connected"));
      assert.equal(client.auth.clientId, alice.id);

      const room = client.channels.get(ROOM_CHANNEL);
      await within(5_000, room.attach());
      const received = new Promise<Ably.InboundMessage>((resolve) =>
        room.subscribe("hello", resolve)
      );
      // No publish right on the room: only the server (with the key) publishes.
      await rejectsWithCode(
        within(5_000, room.publish("hello", { n: 0 })),
        40160,
      );
      await tokens.rest.channels.get(ROOM_CHANNEL).publish({
        name: "hello",
        clientId: alice.id,
        data: { n: 1 },
      });
      const message = await within(5_000, received);
      assert.equal(message.clientId, alice.id);
      assert.deepEqual(message.data, { n: 1 });

      const own = client.channels.get(userChannel(alice.id));
      await within(5_000, own.attach());
      await rejectsWithCode(within(5_000, own.publish("forged", "x")), 40160);

      const other = client.channels.get(userChannel(bob.id));
      await rejectsWithCode(within(5_000, other.attach()), 40160);
    } finally {
      await close(client);
      tokens.close();
      await emulator.close();
    }
  });
}

Deno.test("browserClientOptions reach the emulator, and the server publishes on the user's channel", async () => {
  const emulator = await startEmulator({ port: 0 });
  const tokens = createTokenService({
    key: splitKey(emulator.keys[0]),
    mode: "request",
    ttlMs: 60_000,
    clientOptions: emulatorClientOptions(emulator.url),
  });
  const client = connect(
    tokens,
    alice,
    browserClientOptions({ endpoint: new URL(emulator.url), emulator: true }),
  );
  try {
    await within(5_000, client.connection.whenState("connected"));
    const own = client.channels.get(userChannel(alice.id));
    await within(5_000, own.attach());
    const notice = new Promise<Ably.InboundMessage>((resolve) =>
      own.subscribe("signed-in-elsewhere", resolve)
    );
    await createPublisher(tokens.rest).publishToUser(
      alice.id,
      "signed-in-elsewhere",
      { at: 1 },
    );
    assert.deepEqual((await within(5_000, notice)).data, { at: 1 });
  } finally {
    await close(client);
    tokens.close();
    await emulator.close();
  }
});

Deno.test("token mode with the emulator stopped → AblyUnavailableError within 5 s", async () => {
  const emulator = await startEmulator({ port: 0 });
  const key = splitKey(emulator.keys[0]);
  const options = emulatorClientOptions(emulator.url);
  await emulator.close();
  const tokens = createTokenService({
    key,
    mode: "token",
    ttlMs: 60_000,
    clientOptions: options,
  });
  try {
    const started = performance.now();
    await assert.rejects(
      within(6_000, tokens.issue(alice, pageCapability(alice.id, null))),
      AblyUnavailableError,
    );
    assert.ok(performance.now() - started < 5_500);
  } finally {
    tokens.close();
  }
});
