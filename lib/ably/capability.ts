/**
 * Who may do what on which channel: the one capability policy of the app.
 *
 * Every token mode (`request`: a signed TokenRequest, `token`: TokenDetails
 * from Ably or the emulator, `jwt`: an Ably JWT; see `tokens.ts`) embeds the
 * capability built here, and the server (Ably, or `lib/emulator/` locally)
 * enforces it on ATTACH and PUBLISH. The island and the server publishers name
 * channels through the helpers below, so a channel the policy grants and the
 * channel the code uses cannot drift apart.
 *
 * The one grant built here is `pageCapability(userId, roomId)`: what a
 * page's token carries once the policy (`lib/rooms/policy.ts`, which alone decides
 * whether the user may see the room) has said yes. Least privilege:
 * `presence` and `subscribe` on `room:<id>` — no `publish`, messages go
 * through the server — and `subscribe` on the user's own channel, where
 * only the server (which holds the key) publishes.
 */
import { roomChannel, userChannel } from "../contract/mod.ts";

/** A capability as Ably takes it: resource name → operations. */
export type Capability = Record<string, readonly string[]>;

/** Operations on the user's own channel: read only. */
export const USER_OPERATIONS = ["subscribe"] as const;

/**
 * Operations on the page's room: see messages and who is here, announce
 * oneself. No `publish` (messages are posted to the server, which publishes
 * them) and no `history` (the server's store is the history).
 */
export const PAGE_ROOM_OPERATIONS = ["presence", "subscribe"] as const;

/**
 * The capability of a page's token: `roomId`'s channel with
 * `PAGE_ROOM_OPERATIONS` and the user's own channel with `USER_OPERATIONS`;
 * without a room, the user channel alone. Call it only with a room the
 * policy lets the user read (`tokenCapability` in `lib/rooms/policy.ts` does).
 *
 * @example
 * ```ts
 * pageCapability("github:42", "lobby");
 * // { "room:lobby": ["presence","subscribe"], "user:github:42": ["subscribe"] }
 * pageCapability("github:42", null); // { "user:github:42": ["subscribe"] }
 * ```
 */
export function pageCapability(
  userId: string,
  roomId: string | null,
): Capability {
  const capability: Capability = {
    [userChannel(userId)]: [...USER_OPERATIONS],
  };
  if (roomId !== null) {
    capability[roomChannel(roomId)] = [...PAGE_ROOM_OPERATIONS];
  }
  return capability;
}

/**
 * The canonical JSON of a capability, as Ably signs and compares it
 * (TokenRequest `capability`, RSA6 and RSA9f; JWT `x-ably-capability`): resources sorted,
 * each resource's operations sorted, no whitespace.
 *
 * @example
 * ```ts
 * canonicalCapability({ b: ["subscribe", "publish"], a: ["history"] });
 * // '{"a":["history"],"b":["publish","subscribe"]}'
 * ```
 */
export function canonicalCapability(capability: Capability): string {
  const resources = Object.keys(capability).sort();
  const parts = resources.map((resource) =>
    JSON.stringify(resource) + ":" +
    JSON.stringify([...capability[resource]].sort())
  );
  return "{" + parts.join(",") + "}";
}
