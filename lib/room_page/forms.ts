/**
 * The HTML forms of the room pages, which work without JavaScript: creating
 * a room and answering an invitation (on `/`), and the owner's members
 * panel (invite by login, withdraw an invitation, remove a member, delete
 * the room) and a message's Delete button on `/rooms/<id>`. Each form posts to its page route, which
 * checks the origin and session and then calls one function here (the body
 * read by `readFormBody`, `lib/http/body.ts`, the API's reader too); the
 * answer is a 303 to a page, carrying at most an error *code*
 * (`?error=login`) or a notice code (`?notice=invited`) whose sentence the
 * page looks up in `FORM_ERRORS` or `FORM_NOTICES` — nothing from the
 * request is ever reflected.
 */
import type * as Ably from "ably";
import type { User } from "../auth/mod.ts";
import {
  type AccessChanges,
  ALREADY_MEMBER,
  ChatError,
  closeRoom,
  createRoom,
  declineInvitation,
  endMembership,
  type InvitationNotices,
  inviteMember,
  inviteTargetKey,
  joinRoom,
  roomAccess,
  sendDelete,
  type SendOptions,
  withdrawInvitation,
} from "../rooms/mod.ts";
import type { RateLimiter } from "../http/mod.ts";

/**
 * The limits the room page's forms share with the JSON API
 * (`lib/app/services.ts`): a form must not be a way around them.
 */
export interface MemberChangeLimits {
  /** Invitations, removals and deletions per user. */
  memberChanges: RateLimiter;
  /** Invitations per login invited. */
  inviteTargets: RateLimiter;
  /** Messages posted, edited and deleted per user. */
  messages: RateLimiter;
}

/** What each error code of a form's redirect shows. */
export const FORM_ERRORS = {
  login: "Nobody with that login has signed in here yet.",
  ambiguous:
    "Several people here use that name, so it invites nobody; invite them by something only they have.",
  name:
    "Give the room a name of 1 to 60 characters that shows as written: no control, direction or invisible characters.",
  forbidden: "Only the room's owner may do that.",
  full: "That did not work: a limit was reached. Try again later.",
  busy: "Too many room changes in a minute; try again in a minute.",
  form: "The form was incomplete; try again.",
  invitation:
    "That invitation is no longer open: it was withdrawn, answered or has expired.",
  member: "They are a member of this room already.",
  message: "That message is no longer there.",
} as const;

export type FormErrorCode = keyof typeof FORM_ERRORS;

/** What each notice code of a form's redirect shows. */
export const FORM_NOTICES = {
  invited: "Invited. They become a member when they join.",
  withdrawn: "The invitation was withdrawn.",
  declined: "Invitation declined.",
} as const;

export type FormNoticeCode = keyof typeof FORM_NOTICES;

/** The notice code in a page's `?notice=`, when it is one of ours. */
export function formNotice(url: URL): FormNoticeCode | null {
  const code = url.searchParams.get("notice");
  return code !== null && Object.hasOwn(FORM_NOTICES, code)
    ? code as FormNoticeCode
    : null;
}

/** The error code in a page's `?error=`, when it is one of ours. */
export function formError(url: URL): FormErrorCode | null {
  const code = url.searchParams.get("error");
  return code !== null && Object.hasOwn(FORM_ERRORS, code)
    ? code as FormErrorCode
    : null;
}

/** Where the browser goes after a post: a path, with `?error=` on failure. */
function back(path: string, error?: FormErrorCode): string {
  return error ? `${path}?error=${error}` : path;
}

function codeOf(error: unknown, notFound: FormErrorCode): FormErrorCode {
  if (!(error instanceof ChatError)) throw error;
  switch (error.code) {
    case "not_found":
      return notFound;
    case "forbidden":
      return "forbidden";
    case "conflict":
      return "full";
    case "ambiguous":
      return "ambiguous";
    case "invalid_input":
      return "form";
  }
}

/**
 * The create-room form (`name`, `private` checkbox): the new room's page,
 * or `/` with an error code.
 */
export async function createRoomFromForm(
  kv: Deno.Kv,
  user: User,
  form: FormData,
): Promise<string> {
  try {
    const room = await createRoom(kv, user, {
      name: form.get("name") ?? "",
      private: form.get("private") === "on",
    });
    return `/rooms/${room.id}`;
  } catch (error) {
    if (error instanceof ChatError && error.code === "invalid_input") {
      return back("/", "name");
    }
    return back("/", codeOf(error, "form"));
  }
}

/** What the room page's forms work with. */
export interface RoomFormChanges extends AccessChanges {
  /** Tells an invitee live of their invitation. */
  notices: InvitationNotices;
  /** Publishes a deleted message's tombstone inline (`sendDelete`). */
  rest: Ably.Rest;
  /** Told of that publish's job when the inline one did not happen (`Outbox.wake`). */
  retry: SendOptions["retry"];
}

/**
 * The forms on `/rooms/<roomId>`: `action` is `invite` (`login`),
 * `withdraw` (`userId`, an invitation), `remove` (`userId`) or `delete`
 * (the members panel), or `delete-message` (`messageId`: the author's or
 * the owner's Delete button, which the island renders). Where to go next,
 * or `null` when the visitor may not see the room (the page answers not
 * found, as for a room that does not exist).
 */
export async function roomFormAction(
  { kv, revoker, notices, rest, retry }: RoomFormChanges,
  limits: MemberChangeLimits,
  user: User,
  roomId: string,
  form: FormData,
): Promise<string | null> {
  const access = await roomAccess(kv, user, roomId);
  if (access === null) return null;
  const page = `/rooms/${roomId}`;
  const action = form.get("action");
  const allowed = async (limiter: RateLimiter, key: string) =>
    (await limiter.hit(key)).allowed;
  if (
    (action === "invite" || action === "remove" || action === "delete") &&
    !await allowed(limits.memberChanges, user.id)
  ) return back(page, "busy");
  if (
    action === "delete-message" && !await allowed(limits.messages, user.id)
  ) return back(page, "busy");
  try {
    if (action === "delete-message") {
      await sendDelete(kv, rest, {
        access,
        user,
        messageId: form.get("messageId"),
      }, { retry });
      return page;
    }
    if (action === "invite") {
      const login = form.get("login");
      if (typeof login !== "string" || login.trim() === "") {
        return back(page, "login");
      }
      if (
        !await allowed(limits.inviteTargets, "target:" + inviteTargetKey(login))
      ) return back(page, "busy");
      await inviteMember({ kv, notices }, user, roomId, login.trim());
      return `${page}?notice=invited`;
    }
    if (action === "withdraw") {
      const userId = form.get("userId");
      if (typeof userId !== "string" || userId === "") {
        return back(page, "form");
      }
      await withdrawInvitation(kv, user, roomId, userId);
      return `${page}?notice=withdrawn`;
    }
    if (action === "remove") {
      const userId = form.get("userId");
      if (typeof userId !== "string" || userId === "") {
        return back(page, "form");
      }
      await endMembership({ kv, revoker }, user, roomId, userId);
      // Leaving takes the room away from the one who left.
      return userId === user.id ? "/" : page;
    }
    if (action === "delete") {
      await closeRoom({ kv, revoker }, user, roomId);
      return "/";
    }
    return back(page, "form");
  } catch (error) {
    if (
      action === "invite" && error instanceof ChatError &&
      error.reason === ALREADY_MEMBER
    ) return back(page, "member");
    const notFound = action === "invite"
      ? "login"
      : action === "delete-message"
      ? "message"
      : "form";
    return back(page, codeOf(error, notFound));
  }
}

/**
 * The Join · Decline form of an invitation on `/` (`action` is `join` or
 * `decline`): into the room after joining, back to `/` after declining, or
 * to `/` with an error code.
 */
export async function invitationFormAction(
  kv: Deno.Kv,
  user: User,
  roomId: string,
  form: FormData,
): Promise<string> {
  const action = form.get("action");
  try {
    if (action === "join") {
      const room = await joinRoom(kv, user, roomId);
      return `/rooms/${room.id}`;
    }
    if (action === "decline") {
      return await declineInvitation(kv, user, roomId)
        ? "/?notice=declined"
        : back("/", "invitation");
    }
    return back("/", "form");
  } catch (error) {
    return back("/", codeOf(error, "invitation"));
  }
}
