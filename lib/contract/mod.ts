/**
 * What the browser and the server agree on, safe in either: id formats,
 * channel and message names, the API paths, and the JSON shapes on the wire
 * (one message, one user). It imports nothing of the app, so the island's
 * bundle can take it whole.
 */
export {
  isClientMessageId,
  isMessageId,
  isRoomId,
  LOBBY_ID,
  messageIdTime,
  newMessageId,
  newRoomId,
} from "./ids.ts";
export {
  InvalidRoomIdError,
  InvalidUserIdError,
  INVITATION_NAME,
  MESSAGE_NAME,
  ROOM_CHANNEL,
  ROOM_CHANNEL_PREFIX,
  roomChannel,
  UNREAD_NAME,
  type UnreadNotice,
  USER_CHANNEL_PREFIX,
  userChannel,
} from "./channels.ts";
export { API_PATHS, messageApiPath, roomApiPath } from "./paths.ts";
export type {
  BrowserClientOptions,
  InvitationJson,
  MessagePage,
  PublishedMessageData,
  RoomInfo,
  RoomMessage,
  RoomSetup,
  RoomUser,
  TypingPresence,
  UserRef,
} from "./wire.ts";
