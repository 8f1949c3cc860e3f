/**
 * A room's Ably connection, and its calls to the server, in the browser.
 * The island loads this module with a dynamic `import()` after hydration,
 * so it and `ably/modular` form one chunk that the first paint never waits
 * for (`ably` itself, with every plugin, would cost 66 KB gzip, measured).
 *
 * What it does with a `RoomSetup` (`setup.ts`):
 * - authenticates through `authCallback`, which fetches
 *   `/api/live?room=<id>` at every (re)authentication. A 401 there means the
 *   session ended (`signed-out`), a 403 that the visitor may no longer see
 *   the room (`no-access`): either way the client closes instead of retrying
 *   (ably-js would otherwise retry forever);
 * - attaches the room channel and shows the messages the server publishes
 *   there, each once by its stored id; after every attach that did not
 *   resume — the first, after the page was rendered, and any after an
 *   outage — fills the gap from `GET /api/rooms/<id>/messages`;
 * - enters presence (with no data: names come from the server's look-up,
 *   `GET /api/rooms/<id>/names`, never from what a client announces) and
 *   keeps the member list;
 * - subscribes to the visitor's own channel, where only the server publishes
 *   (notices; on an invitation's notice, the page's invitations panel is
 *   refreshed from the server, `panels.ts`; on an unread notice, the
 *   rooms list's count, `unread.ts`); after an outage that could not be
 *   resumed, both panels are refreshed, as notices may have been missed;
 * - sends messages to the server (`POST /api/rooms/<id>/messages`) with an
 *   id chosen here, retried with the same id after a network failure, so a
 *   message is stored and shown once; the token grants no publish. Edits
 *   and deletes go to the server too (`PATCH`/`DELETE` on the message); the
 *   new state comes back in the answer and, to everyone, on the channel;
 * - tells the room this visitor is typing through its presence data, and
 *   shows who else is (`typing.ts`).
 */
import type { InboundMessage, PresenceMessage } from "ably";
import {
  BaseRealtime,
  FetchRequest,
  RealtimePresence,
  WebSocketTransport,
} from "ably/modular";
import {
  API_PATHS,
  INVITATION_NAME,
  LOBBY_ID,
  MESSAGE_NAME,
  messageApiPath,
  type MessagePage,
  roomApiPath,
  type RoomMessage,
  type RoomSetup,
  type TypingPresence,
  UNREAD_NAME,
} from "../contract/mod.ts";
import { mergeMessages, toRoomMessage } from "./inbound.ts";
import { INVITATIONS, refreshPanels, ROOM_LIST } from "./panels.ts";
import { markRoomRead, showUnread } from "./unread.ts";
import type { Member, RoomState } from "./state.ts";
import { isTyping, STALE_MS, typingAnnouncer } from "./typing.ts";
import {
  RENEWAL_GRACE_MS,
  type RoomEnd,
  roomStatus,
  shownStatus,
} from "./status.ts";

/** Notices kept on screen. */
const KEEP_NOTICES = 3;

/** What the island can do with the connection. */
export interface RoomConnection {
  /**
   * Posts `text`, trimmed; resolves once the server has stored it. Rejects
   * with the reason to show: the text refused, or the server unreachable.
   */
  send(text: string): Promise<void>;
  /** Replaces a message's text; rejects with the reason to show. */
  edit(id: string, text: string): Promise<void>;
  /** Deletes a message; rejects with the reason to show. */
  remove(id: string): Promise<void>;
  /** Told of each keystroke in the composer. */
  typing(): void;
  /** Loads the page of messages before the oldest shown. */
  loadOlder(): Promise<void>;
  /** Asks the server for a notice; rejects with the reason to show. */
  askForNotice(): Promise<void>;
  /** Connects again after `failed` or `suspended`. */
  retry(): void;
  /** Leaves presence and closes the connection. */
  close(): void;
}

/** Why a send or a notice failed when the server gave no answer. */
const OFFLINE = "The server could not be reached.";

/** A message id chosen here: four random 32-bit numbers, dash-separated. */
const newClientId = () => crypto.getRandomValues(new Uint32Array(4)).join("-");

/** What the token route's 401 and 403 end the room as. */
const ENDS: Record<number, Exclude<RoomEnd, null>> = {
  401: "signed-out",
  403: "no-access",
};

/** Opens `setup.room` for `setup.user`, writing what happens into `room`. */
export function connectRoom(room: RoomState, setup: RoomSetup): RoomConnection {
  const roomPath = roomApiPath(setup.room.id);
  let ended: RoomEnd = null;
  /** Until when a revocation's renewal is under way (epoch ms). */
  let renewingUntil = 0;
  const showStatus = () => {
    room.status.value = shownStatus(
      room.status.value,
      roomStatus(ended, client.connection.state, channel.state),
      Date.now() < renewingUntil,
    );
  };
  // Failures given to this need no handling of their own: they surface as
  // the connection or channel state the room shows, and ably-js retries.
  const ignore = () => {};
  const end = (why: Exclude<RoomEnd, null>) => {
    ended = why;
    showStatus();
    client.close();
  };
  /**
   * `path`'s JSON, or a rejection with the status. Same-origin fetches send
   * the cookie, and every answer is no-store.
   */
  const getJson = <T>(path: string): Promise<T> =>
    fetch(path).then((r) => r.ok ? r.json() : Promise.reject(r.status));
  /**
   * The messages before `before` (the newest without), added to the room.
   * Cursors are URL-safe (`m1.` and base32).
   */
  const loadPage = async (before?: string | null): Promise<MessagePage> => {
    const page = await getJson<MessagePage>(
      `${roomPath}/messages?limit=50${before ? "&before=" + before : ""}`,
    );
    add(page.messages);
    return page;
  };

  const client = new BaseRealtime({
    ...setup.clientOptions,
    // A room that shows yesterday's view is worse than a retry: 5 s rather
    // than ably-js's 15 s; its backoff and jitter still spread retries (RTB1).
    disconnectedRetryTimeout: 5_000,
    plugins: { WebSocketTransport, FetchRequest, RealtimePresence },
    authCallback: async (_params, callback) => {
      // One credential for this room: TokenRequest, TokenDetails or JWT.
      const res = await fetch(`${API_PATHS.live}?room=${setup.room.id}`).catch(
        ignore,
      );
      const body = await res?.json().catch(ignore);
      if (res?.ok && body) return callback(null, body.token);
      // ably-js makes it an ErrorInfo 40170, status 401, and retries.
      callback(API_PATHS.live, null);
      if (res && ENDS[res.status]) end(ENDS[res.status]);
    },
  });
  const add = (messages: readonly RoomMessage[]) => {
    room.messages.value = mergeMessages(room.messages.value, messages);
  };
  const channel = client.channels.get(setup.room.channel);
  const own = client.channels.get(setup.userChannel);

  client.connection.on((change) => {
    // 40141: a token revoked, by a removal from another room in `request`
    // and `token` mode too; ably-js renews at once. Shown only if slow.
    if (change.reason?.code === 40141) {
      renewingUntil = Date.now() + RENEWAL_GRACE_MS;
      setTimeout(showStatus, RENEWAL_GRACE_MS + 1);
    }
    showStatus();
  });

  // Names as the server knows them, per clientId; asked once each (an id
  // the server does not know keeps showing as itself).
  const names = new Map<string, string | undefined>();
  /** When each other connection last said it is typing (kept until it stops or leaves). */
  const typingAt = new Map<string, [clientId: string, at: number]>();
  const showTyping = () => {
    const now = Date.now();
    const ids = new Set<string>();
    for (const [clientId, at] of typingAt.values()) {
      if (now - at < STALE_MS) ids.add(clientId);
    }
    // Only under a name the server gave: a typist whose name is still being
    // looked up shows once it is known (the look-up redraws this).
    room.typing.value = [...ids].flatMap((id) => names.get(id) ?? []);
  };
  const heard = (p: PresenceMessage) => {
    // Never the typist: their own other tabs are them too.
    if (p.clientId === setup.user.id) return;
    if (p.action !== "leave" && isTyping(p.data)) {
      typingAt.set(p.connectionId!, [p.clientId!, Date.now()]);
      setTimeout(showTyping, STALE_MS);
    } else typingAt.delete(p.connectionId!);
    showTyping();
  };
  const typist = typingAnnouncer((typing) =>
    channel.presence.update({ typing } satisfies TypingPresence).catch(ignore)
  );
  const refreshMembers = () => {
    channel.presence.get().then(async (members: PresenceMessage[]) => {
      const present = [...new Set(members.map((p) => p.clientId!))];
      room.members.value = present.map((clientId): Member => ({
        clientId,
        name: names.get(clientId) ?? clientId,
      }));
      // A room of over 100 present asks in vain (the route's bound): they
      // keep showing as their ids.
      const unknown = present.filter((id) => !names.has(id));
      if (!unknown.length) return;
      const found = (await getJson<{ names: Record<string, string> }>(
        `${roomPath}/names?ids=${unknown.map(encodeURIComponent)}`,
      )).names;
      for (const id of unknown) names.set(id, found[id]);
      refreshMembers();
      showTyping();
    }).catch(ignore);
  };

  /** Back from the newest until a page reaches what is shown (5 pages at most). */
  const fillGap = async (
    known = new Set(room.messages.value.map((m) => m.id)),
    before?: string,
    pages = 5,
  ): Promise<unknown> => {
    const { messages, next } = await loadPage(before);
    return next && --pages && !messages.some((m) => known.has(m.id)) &&
      fillGap(known, next, pages);
  };

  let attachedBefore = false;
  channel.on((change) => {
    showStatus();
    if (change.current === "attached" && !change.resumed) {
      // Entered again on every attach that lost continuity: ably-js
      // re-enters by itself (RTP17i) only members it still holds, and a
      // server that ended the old connection has already sent their leave.
      // No data: names come from the server.
      channel.presence.enter().catch(ignore);
      // What was posted while not attached — since the page was rendered,
      // or during an outage that could not be resumed — from the store.
      fillGap().catch(ignore);
      // After an outage: invitations and counts the notices told meanwhile,
      // each page at its own moment in 2 s, not all at the server at once.
      if (attachedBefore) {
        setTimeout(
          () => refreshPanels(INVITATIONS, ROOM_LIST),
          Math.random() * 2_000,
        );
      }
      attachedBefore = true;
    }
  });
  channel.presence.subscribe((p: PresenceMessage) => {
    heard(p);
    refreshMembers();
  }).then(refreshMembers, ignore);
  // Someone else's new message, seen here: it is read on every device
  // (`POST …/read`), once the page is in view, a second after the last.
  let unseen = false;
  let reading: ReturnType<typeof setTimeout> | undefined;
  const readSoon = () => {
    unseen = true;
    if (document.hidden) return;
    clearTimeout(reading);
    reading = setTimeout(() => {
      unseen = false;
      // A room taken away meanwhile is no longer theirs to read.
      if (!ended) markRoomRead(setup.room.id);
    }, 1_000);
  };
  document.addEventListener("visibilitychange", () => unseen && readSoon());
  channel.subscribe(MESSAGE_NAME, (m: InboundMessage) => {
    const message = toRoomMessage(m);
    if (!message) return;
    add([message]);
    if (
      setup.room.id !== LOBBY_ID && !message.version &&
      message.clientId !== setup.user.id
    ) readSoon();
  }).catch(ignore);
  own.subscribe((m: InboundMessage) => {
    if (m.name === INVITATION_NAME) return void refreshPanels(INVITATIONS);
    if (m.name === UNREAD_NAME) return showUnread(m.data ?? {}, setup.room.id);
    const text = m.data?.text;
    if (typeof text === "string") {
      room.notices.value = [...room.notices.value, { id: m.id!, text }].slice(
        -KEEP_NOTICES,
      );
    }
  }).catch(ignore);

  /**
   * The server's JSON answer to a change, or a rejection with the reason to
   * show; a 401 or 403 ends the room as the token route's would.
   */
  const change = async (
    res: Response | void,
  ): Promise<{ message: RoomMessage }> => {
    if (!res) throw new Error(OFFLINE);
    const answer = await res.json().catch(() => ({}));
    if (res.ok) {
      add([answer.message]);
      return answer;
    }
    if (ENDS[res.status]) end(ENDS[res.status]);
    throw new Error(answer.error ?? `Not done: ${res.status}.`);
  };
  const request = (method: string, path: string, body?: unknown) =>
    fetch(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(ignore);

  // The last send that got no answer: sent again (the same text), it keeps
  // its id, so the server stores it once.
  let unsent: string[] = [];

  return {
    async send(raw) {
      const text = raw.trim();
      typist.sent();
      if (unsent[0] !== text) unsent = [text, newClientId()];
      const post = () =>
        request("POST", `${roomPath}/messages`, { text, id: unsent[1] });
      // Three tries on a network failure, the same id each time.
      const res = await post() ?? await post() ?? await post();
      if (res) unsent = [];
      await change(res);
    },
    async edit(id, text) {
      await change(
        await request("PATCH", messageApiPath(setup.room.id, id), { text }),
      );
    },
    async remove(id) {
      await change(await request("DELETE", messageApiPath(setup.room.id, id)));
    },
    typing() {
      typist.keystroke();
    },
    async loadOlder() {
      if (room.next.value) {
        room.next.value = (await loadPage(room.next.value)).next;
      }
    },
    async askForNotice() {
      const res = await fetch(API_PATHS.notifyMe, { method: "POST" }).catch(
        ignore,
      );
      if (!res?.ok) {
        throw new Error(res ? `The server answered ${res.status}.` : OFFLINE);
      }
    },
    retry() {
      client.connect();
    },
    close() {
      client.close();
    },
  };
}
