/**
 * Rooms on the server: rooms, invitations and memberships, messages and their delivery,
 * the users whose names are shown — all in Deno KV; who may do what
 * (`policy.ts`), access changes (`room_changes.ts`) and the revocation of
 * tokens they need (`revocation.ts`). The page's side of a room is
 * `lib/room_page/`, the island's `lib/room_client/`. Everything outside this
 * folder imports this module only.
 */
export { ChatError, type ChatErrorCode } from "./errors.ts";
export { isClientMessageId, isRoomId, LOBBY_ID } from "../contract/mod.ts";
export { LOBBY, type Room } from "./room_store.ts";
export { indexPublicRoomsByAge } from "./public_rooms.ts";
export { roomDisplayNames } from "./room_names.ts";
export {
  type Actor,
  createRoom,
  deleteRoom,
  type Extend,
  listMembers,
  listVisibleRooms,
  MAX_MEMBERS,
  MAX_ROOM_INVITATIONS,
  MAX_ROOM_NAME_LENGTH,
  MAX_ROOMS_PER_USER,
  removeMember,
  userRoomIds,
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
  type ChangeOptions,
  type ChangeResult,
  type DeleteInput,
  deleteMessage,
  type EditInput,
  editMessage,
} from "./message_changes.ts";
export {
  type ChangeSent,
  countGivenUp,
  INLINE_PUBLISH_TIMEOUT_MS,
  publishJobHandler,
  sendDelete,
  sendEdit,
  sendMessage,
  type SendOptions,
  type SendResult,
} from "./delivery.ts";
export {
  displayNames,
  findUserIdByLogin,
  getUserRecord,
  handleNoun,
  indexUserHandles,
  MAX_NAME_LOOKUP,
  saveUser,
  type UserRecord,
} from "./users.ts";
export { type RoomAccess, roomAccess, tokenCapability } from "./policy.ts";
export {
  createRevoker,
  type RevokeJob,
  type Revoker,
  TOKEN_FRESHNESS_MS,
} from "./revocation.ts";
export {
  type AccessChanges,
  closeRoom,
  endMembership,
  inviteTargetKey,
} from "./room_changes.ts";
export { roomJson } from "./room_json.ts";
export { markRead, unreadCounts } from "./unread.ts";
export { clearUnread, NOTICE_TIMEOUT_MS } from "./unread_notices.ts";
export type { Invitation } from "./room_store.ts";
export {
  ALREADY_MEMBER,
  declineInvitation,
  INVITATION_TTL_MS,
  invitationJson,
  type InvitationView,
  inviteByLogin,
  type InviteResult,
  joinRoom,
  listInvitations,
  listRoomInvitations,
  MAX_LISTED_INVITATIONS,
  withdrawInvitation,
} from "./invitations.ts";
export {
  createInvitationNotices,
  type InvitationChanges,
  type InvitationNoticeJob,
  type InvitationNotices,
  inviteMember,
} from "./invitation_notices.ts";
