import assert from "node:assert/strict";
import {
  BaseRealtime,
  FetchRequest,
  RealtimePresence,
  Rest,
  WebSocketTransport,
} from "ably/modular";
import { emulatorClientOptions, startEmulator } from "./mod.ts";
import { restClient, waitFor, withTimeout } from "./test_helpers.ts";

const KEY = "app.full:fullsecret";

// The island's client: ably/modular's browser build (global WebSocket and
// fetch, protocol heartbeats, JSON because no MsgPack plugin is given);
// Rest only for history.
Deno.test("ably/modular BaseRealtime (the browser build) connects, publishes and enters presence", async () => {
  const emu = await startEmulator({ keys: [KEY] });
  const rest = restClient(emu);
  const client = new BaseRealtime({
    ...emulatorClientOptions(emu.url),
    logLevel: 0,
    plugins: { WebSocketTransport, FetchRequest, RealtimePresence, Rest },
    authCallback: (_p, cb) => {
      rest.auth.createTokenRequest({ clientId: "web" }).then(
        (r) => cb(null, r),
        (e) => cb(e, null),
      );
    },
  });
  try {
    const channel = client.channels.get("island");
    const got: unknown[] = [];
    await channel.subscribe((m) => got.push(m.data));
    await channel.publish("hello", { from: "browser" });
    await channel.presence.enter();
    await waitFor(() => got.length === 1, 5000, "own message");
    assert.deepEqual(got, [{ from: "browser" }]);
    const members = await channel.presence.get();
    assert.deepEqual(members.map((m) => m.clientId), ["web"]);
    // History goes over REST with the token (fetch, Bearer).
    const history = await channel.history();
    assert.deepEqual(history.items.map((m) => m.name), ["hello"]);
  } finally {
    const closed = client.connection.whenState("closed");
    client.close();
    await withTimeout(closed, 5000, "close");
    await emu.close();
  }
});
