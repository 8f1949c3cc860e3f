/**
 * Nothing the app shows depends on Ably's history. Ably keeps a channel's
 * messages two minutes unless a "persist" rule says otherwise, and so does
 * the emulator; here it keeps them 300 ms, so that "later" comes at once.
 * After Ably has forgotten a message, the room's page and its history API
 * still have it, from KV.
 */
import assert from "node:assert/strict";
import * as Ably from "ably";
import {
  emulatorClientOptions,
  generateDevKey,
  startEmulator,
} from "../lib/emulator/mod.ts";
import { withRooms } from "./rooms_helpers.ts";

const RETENTION_MS = 300;

Deno.test("a message Ably no longer holds is still on the room's page and in its history, from KV", async () => {
  const key = generateDevKey();
  const emulator = await startEmulator({
    keys: [key],
    historyRetentionMs: RETENTION_MS,
  });
  const rest = new Ably.Rest({ ...emulatorClientOptions(emulator.url), key });
  try {
    await withRooms(
      { ABLY_API_KEY: key, ABLY_ENDPOINT: emulator.url },
      async (f) => {
        const alice = await f.signedIn("alice");
        const text = `kept in KV ${crypto.randomUUID()}`;
        const sent = await f.api(alice, "POST", "/api/rooms/lobby/messages", {
          text,
          id: "retention-0001",
        });
        assert.equal(sent.status, 201, sent.text);

        // Ably had it, then forgot it, as it does after its retention.
        const ablyHistory = async () =>
          (await rest.channels.get("room:lobby").history()).items
            .map((m) => (m.data as { text?: string })?.text);
        assert.ok((await ablyHistory()).includes(text), "Ably had it");
        let forgotten = false;
        const deadline = Date.now() + 5_000;
        while (!forgotten && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, RETENTION_MS));
          forgotten = !(await ablyHistory()).includes(text);
        }
        assert.ok(forgotten, "the emulator's retention dropped the message");

        const page = await f.page(alice, "/rooms/lobby");
        assert.equal(page.status, 200);
        assert.ok(page.text.includes(text), "the page still shows it");
        const history = await f.api(alice, "GET", "/api/rooms/lobby/messages");
        assert.equal(history.status, 200);
        assert.ok(
          history.json.messages.some((m: { text: string }) => m.text === text),
          "the history API still has it",
        );
      },
    );
  } finally {
    await emulator.close();
  }
});
