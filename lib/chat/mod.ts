/**
 * Rooms on the server: rooms and memberships, messages and their delivery,
 * the users whose names are shown — all in Deno KV. Rights come from
 * `lib/policy.ts`; the island's side of a room is `lib/room/`. Routes import
 * from this module only.
 */
export { CHAT_ERROR_STATUS, ChatError, type ChatErrorCode } from "./errors.ts";
export { isClientMessageId, isRoomId, LOBBY_ID } from "./ids.ts";
export { LOBBY, type Room } from "./room_store.ts";
export { indexPublicRoomsByAge } from "./public_rooms.ts";
export { roomDisplayNames } from "./room_names.ts";
export {
  type Actor,
  createRoom,
  deleteRoom,
  type Extend,
  inviteByLogin,
  listMembers,
  listVisibleRooms,
  MAX_MEMBERS,
  MAX_ROOM_NAME_LENGTH,
  MAX_ROOMS_PER_USER,
  removeMember,
} from "./rooms.ts";
export {
  type ChatMessage,
  getMessage,
  listMessages,
  MAX_MESSAGE_LENGTH,
  MAX_PAGE,
  type MessagePage,
  type PostInput,
  postMessage,
  type PostResult,
  type PublishJob,
  RECENT_MESSAGES,
  recentMessages,
} from "./messages.ts";
export {
  INLINE_PUBLISH_TIMEOUT_MS,
  publishJobHandler,
  sendMessage,
  type SendResult,
} from "./delivery.ts";
export {
  displayNames,
  findUserIdByLogin,
  getUserRecord,
  MAX_NAME_LOOKUP,
  saveUser,
  type UserRecord,
} from "./users.ts";
