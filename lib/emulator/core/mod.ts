/**
 * The emulator's channel core, shared by both faces: what a channel is
 * (subscribers, serials, message history bounded by retention, idempotent
 * publishes, presence and its history), the wire shapes of messages and
 * presence messages with the checks that read them (protocol.ts, msgpack in
 * wire_format.ts), channel names and filters, the one error type, and
 * unguessable ids. REST (rest/) and realtime (realtime/) publish into and
 * read from the same `ChannelRegistry`, so a message published on one face
 * is delivered and replayed on the other.
 *
 * The core imports nothing of the emulator: not the credentials (auth/),
 * not either face.
 */

export {
  type Channel,
  ChannelRegistry,
  type StoredPublish,
  type Subscriber,
} from "./channels.ts";
export { type ChannelName, parseChannelName } from "./channel_name.ts";
export { AblyError, asAblyError, Errors, type ErrorWire } from "./errors.ts";
export { compileFilter, type MessageFilter } from "./filter.ts";
export type { HistoryPage, HistoryQuery } from "./history_query.ts";
export { randomAlnum, randomId } from "./ids.ts";
export {
  DEFAULT_PRESENCE_LIMITS,
  type PresenceLimits,
  type PresenceMember,
} from "./presence.ts";
export {
  Action,
  ALL_MODES,
  Flag,
  type InboundFrame,
  messagesSize,
  parseFrame,
  parseFrameValue,
  readMessages,
  readMsgSerial,
  readPresence,
  type WireMessage,
  type WirePresence,
} from "./protocol.ts";
export { HistoryRetention } from "./retention.ts";
export {
  decodeMsgpack,
  encodeMsgpack,
  MSGPACK_CONTENT_TYPE,
  msgpackOfText,
  type WireFormat,
} from "./wire_format.ts";
