import assert from "node:assert/strict";
import { ChannelRegistry } from "./channels.ts";
import { PresenceAction } from "./protocol.ts";
import {
  DEFAULT_RETENTION_MS,
  HistoryRetention,
  PERSISTED_RETENTION_MS,
} from "./retention.ts";

Deno.test("history is kept two minutes, a persisted namespace 24 hours (injected clock)", () => {
  let clock = 1_000_000;
  const retention = new HistoryRetention({
    persist: ["keep"],
    now: () => clock,
  });
  const channels = new ChannelRegistry(1000, 100, retention);
  const names = ["plain", "keep:room", "keeper:room", "keep"];
  for (const name of names) {
    channels.get(name).publish([{ name: "m", data: name }], {
      protocolId: `p-${name}`,
    }, clock);
  }
  const count = (name: string) =>
    channels.find(name)!.history({ limit: 100, direction: "backwards" })
      .items.length;

  clock += DEFAULT_RETENTION_MS;
  // Exactly two minutes old: still there.
  assert.deepEqual(names.map(count), [1, 1, 1, 1]);
  clock += 1;
  // Only `keep:*` has the rule; `keeper:*` and the bare `keep` do not.
  assert.deepEqual(names.map(count), [0, 1, 0, 0]);
  // Gone from rewind too, not only from REST history.
  assert.equal(channels.find("plain")!.rewind("10", clock).length, 0);
  clock += PERSISTED_RETENTION_MS - DEFAULT_RETENTION_MS;
  assert.equal(count("keep:room"), 0);
});

Deno.test("presence history is kept like message history: two minutes, 24 hours when persisted", () => {
  let clock = 1_000_000;
  const retention = new HistoryRetention({
    persist: ["keep"],
    now: () => clock,
  });
  const channels = new ChannelRegistry(1000, 100, retention);
  const names = ["plain", "keep:room"];
  for (const name of names) {
    channels.get(name).broadcastPresence(
      [{ action: PresenceAction.ENTER, clientId: "ann", connectionId: "c1" }],
      { id: "c1:0", connectionId: "c1", timestamp: clock },
    );
  }
  const count = (name: string) =>
    channels.find(name)!.presenceHistory.page({
      limit: 100,
      direction: "backwards",
    }).items.length;

  clock += DEFAULT_RETENTION_MS;
  assert.deepEqual(names.map(count), [1, 1]);
  clock += 1;
  assert.deepEqual(names.map(count), [0, 1]);
  // A new event is kept while the expired one stays gone.
  channels.get("plain").broadcastPresence(
    [{ action: PresenceAction.LEAVE, clientId: "ann", connectionId: "c1" }],
    { id: "c1:1", connectionId: "c1", timestamp: clock },
  );
  assert.equal(count("plain"), 1);
  clock += PERSISTED_RETENTION_MS - DEFAULT_RETENTION_MS;
  assert.equal(count("keep:room"), 0);
});

Deno.test("a persist rule must name a namespace", () => {
  assert.throws(() => new HistoryRetention({ persist: ["a:b"] }), TypeError);
  assert.throws(() => new HistoryRetention({ persist: [""] }), TypeError);
});
