/**
 * A room's Ably connection, and its calls to the server, in the browser.
 * The island loads this module with a dynamic `import()` after hydration,
 * so it and `ably/modular` form one chunk that the first paint never waits
 * for (`ably` itself, with every plugin, would cost 66 KB gzip).
 *
 * What it does with a `RoomSetup` (`setup.ts`):
 * - authenticates through `authCallback`, which fetches
 *   `/api/live?room=<id>` at every (re)authentication. A 401 there means the
 *   session ended (`signed-out`), a 403 that the visitor may no longer see
 *   the room (`no-access`): either way the client closes instead of retrying
 *   (ably-js would otherwise retry forever);
 * - attaches the room channel and shows the messages the server publishes
 *   there, each once by its stored id; after a re-attach that did not resume
 *   (messages may have been missed), fills the gap from
 *   `GET /api/rooms/<id>/messages`;
 * - enters presence (with no data: names come from the server's look-up,
 *   `GET /api/rooms/<id>/names`, never from what a client announces) and
 *   keeps the member list;
 * - subscribes to the visitor's own channel, where only the server publishes
 *   (notices);
 * - sends messages to the server (`POST /api/rooms/<id>/messages`) with an
 *   id chosen here, retried with the same id after a network failure, so a
 *   message is stored and shown once; the token grants no publish.
 */
import type {
  InboundMessage,
  PresenceMessage,
  TokenDetails,
  TokenRequest,
} from "ably";
import {
  BaseRealtime,
  ErrorInfo,
  FetchRequest,
  RealtimePresence,
  WebSocketTransport,
} from "ably/modular";
import { mergeMessages, MESSAGE_NAME, toRoomMessage } from "./inbound.ts";
import { checkMessageText, type RoomMessage } from "./message.ts";
import type { RoomSetup } from "./setup.ts";
import type { Member, RoomState } from "./state.ts";
import { type RoomEnd, roomStatus } from "./status.ts";

/** The token route (`routes/api/live.ts`). */
export const TOKEN_URL = "/api/live";

/** Where the server publishes a notice for the caller (`routes/api/notify-me.ts`). */
export const NOTIFY_URL = "/api/notify-me";

/** Notices kept on screen. */
const KEEP_NOTICES = 3;

/** Messages per page when loading older ones or filling a gap. */
const PAGE = 50;

/** Tries of one send when the network fails; the same id each time. */
const SEND_TRIES = 3;

/** What the island can do with the connection. */
export interface RoomConnection {
  /**
   * Posts `text`, trimmed; resolves once the server has stored it. Rejects
   * with the reason to show: the text refused, or the server unreachable.
   */
  send(text: string): Promise<void>;
  /** Loads the page of messages before the oldest shown. */
  loadOlder(): Promise<void>;
  /** Asks the server for a notice; rejects with the reason to show. */
  askForNotice(): Promise<void>;
  /** Connects again after `failed` or `suspended`. */
  retry(): void;
  /** Leaves presence and closes the connection. */
  close(): void;
}

/** The token route said 401 or 403: nothing to retry. */
class RoomEndedError extends Error {
  constructor(readonly end: Exclude<RoomEnd, null>) {
    super(end);
  }
}

/** A message id chosen here: 16 random bytes, URL-safe base64 (22 characters). */
function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
    .replace(/\//g, "_").replace(/=/g, "");
}

/** The reason a JSON error answer gives, or a fallback. */
async function reasonOf(res: Response, fallback: string): Promise<string> {
  try {
    const body = await res.json();
    return typeof body?.error === "string" ? body.error : fallback;
  } catch {
    return fallback;
  }
}

/** Opens `setup.room` for `setup.user`, writing what happens into `room`. */
export function connectRoom(room: RoomState, setup: RoomSetup): RoomConnection {
  const roomPath = `/api/rooms/${setup.room.id}`;
  let ended: RoomEnd = null;
  const showStatus = () => {
    room.status.value = roomStatus(
      ended,
      client.connection.state,
      channel.state,
    );
  };
  const end = (why: Exclude<RoomEnd, null>) => {
    ended = why;
    showStatus();
    client.close();
  };

  /** One credential for this room: TokenRequest, TokenDetails or JWT. */
  const fetchToken = async (): Promise<
    TokenRequest | TokenDetails | string
  > => {
    const res = await fetch(
      `${TOKEN_URL}?room=${encodeURIComponent(setup.room.id)}`,
      {
        credentials: "same-origin",
        cache: "no-store",
        headers: { accept: "application/json" },
      },
    );
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RoomEndedError(res.status === 401 ? "signed-out" : "no-access");
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${TOKEN_URL} answered ${res.status}`);
    }
    return (await res.json()).token;
  };

  const client = new BaseRealtime({
    ...setup.clientOptions,
    // A room that shows yesterday's view is worse than a retry: 5 s rather
    // than ably-js's 15 s; its backoff and jitter still spread retries (RTB1).
    disconnectedRetryTimeout: 5_000,
    plugins: { WebSocketTransport, FetchRequest, RealtimePresence },
    authCallback: (_params, callback) => {
      fetchToken().then(
        (token) => callback(null, token),
        (error) => {
          callback(new ErrorInfo(String(error.message), 40170, 401), null);
          if (error instanceof RoomEndedError) end(error.end);
        },
      );
    },
  });
  const add = (messages: readonly RoomMessage[]) => {
    room.messages.value = mergeMessages(room.messages.value, messages);
  };
  const channel = client.channels.get(setup.room.channel);
  const own = client.channels.get(setup.userChannel);

  client.connection.on(showStatus);

  // Names as the server knows them, per clientId; the visitor's own first.
  const names = new Map<string, string>([[setup.user.id, setup.user.name]]);
  let present: string[] = [];
  const showMembers = () => {
    room.members.value = present.map((clientId): Member => ({
      clientId,
      name: names.get(clientId) ?? clientId,
    }));
  };
  const lookUpNames = async (ids: string[]) => {
    const res = await fetch(
      `${roomPath}/names?ids=${ids.map(encodeURIComponent).join(",")}`,
      { credentials: "same-origin", cache: "no-store" },
    );
    if (!res.ok) {
      await res.body?.cancel();
      return;
    }
    const body = await res.json() as { names?: Record<string, unknown> };
    for (const id of ids) {
      const name = body.names?.[id];
      // Asked once: an unknown id keeps showing as itself.
      names.set(id, typeof name === "string" && name ? name : id);
    }
    showMembers();
  };

  // Failures below need no handling of their own: they surface as the
  // connection or channel state the room shows, and ably-js retries.
  const ignore = () => {};
  const refreshMembers = () => {
    channel.presence.get().then((members: PresenceMessage[]) => {
      present = [
        ...new Set(members.map((p) => p.clientId).filter(Boolean)),
      ] as string[];
      showMembers();
      const unknown = present.filter((id) => !names.has(id)).slice(0, 100);
      if (unknown.length) lookUpNames(unknown).catch(ignore);
    }, ignore);
  };

  /** Messages after the newest shown, from the server's store. */
  const fillGap = async () => {
    const known = new Set(room.messages.value.map((m) => m.id));
    let before: string | null = null;
    // Back from the newest until a page reaches what is shown (or 5 pages).
    for (let page = 0; page < 5; page++) {
      const query = `limit=${PAGE}` +
        (before ? `&before=${encodeURIComponent(before)}` : "");
      const res = await fetch(`${roomPath}/messages?${query}`, {
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!res.ok) {
        await res.body?.cancel();
        return;
      }
      const body = await res.json() as {
        messages: RoomMessage[];
        next: string | null;
      };
      add(body.messages);
      if (!body.next || body.messages.some((m) => known.has(m.id))) return;
      before = body.next;
    }
  };

  // Entered again on every attach that lost continuity: ably-js re-enters
  // by itself (RTP17i) only members it still holds, and a server that ended
  // the old connection (a restart) has already sent their leave.
  const enter = () => {
    channel.presence.enter().catch(ignore);
  };
  let attachedBefore = false;
  channel.on((change) => {
    showStatus();
    if (change.current !== "attached") return;
    if (!change.resumed) {
      enter();
      // Continuity lost after having been attached: fetch what was missed.
      if (attachedBefore) fillGap().catch(ignore);
    }
    attachedBefore = true;
  });
  channel.presence.subscribe(refreshMembers).then(refreshMembers, ignore);
  channel.subscribe(MESSAGE_NAME, (m: InboundMessage) => {
    const message = toRoomMessage(m);
    if (message) add([message]);
  }).catch(ignore);
  own.subscribe((m: InboundMessage) => {
    const text = (m.data as { text?: unknown } | undefined)?.text;
    if (m.id && typeof text === "string") {
      room.notices.value = [...room.notices.value, { id: m.id, text }].slice(
        -KEEP_NOTICES,
      );
    }
  }).catch(ignore);

  // The last send that did not reach the server: sent again (the same
  // text), it keeps its id, so the server stores it once.
  let unsent: { text: string; id: string } | null = null;

  return {
    async send(raw) {
      const refused = checkMessageText(raw);
      if (refused) throw new Error(refused);
      const text = raw.trim();
      const id = unsent?.text === text ? unsent.id : newClientId();
      unsent = { text, id };
      let res: Response | undefined;
      for (let attempt = 0; attempt < SEND_TRIES && !res; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, 500 * attempt));
        res = await fetch(`${roomPath}/messages`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text, id }),
        }).catch(() => undefined);
      }
      if (!res) {
        throw new Error("Not sent: the server is not reachable. Try again.");
      }
      unsent = null;
      if (res.status === 401) {
        await res.body?.cancel();
        end("signed-out");
        throw new Error("Your session ended.");
      }
      if (res.status === 403) {
        await res.body?.cancel();
        end("no-access");
        throw new Error("You no longer have access to this room.");
      }
      if (res.status === 429) {
        const wait = res.headers.get("retry-after");
        await res.body?.cancel();
        throw new Error(`Too many messages; wait ${wait ?? "a few"} s.`);
      }
      if (!res.ok) {
        throw new Error(await reasonOf(res, `Not sent: ${res.status}.`));
      }
      const { message } = await res.json() as { message: RoomMessage };
      add([message]);
    },
    async loadOlder() {
      const before = room.next.value;
      if (!before) return;
      const res = await fetch(
        `${roomPath}/messages?limit=${PAGE}&before=${
          encodeURIComponent(before)
        }`,
        { credentials: "same-origin", cache: "no-store" },
      ).catch(() => {
        throw new Error("The server could not be reached.");
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`The server answered ${res.status}.`);
      }
      const body = await res.json() as {
        messages: RoomMessage[];
        next: string | null;
      };
      add(body.messages);
      room.next.value = body.next;
    },
    async askForNotice() {
      const res = await fetch(NOTIFY_URL, {
        method: "POST",
        credentials: "same-origin",
      }).catch(() => {
        throw new Error("The server could not be reached.");
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`The server answered ${res.status}.`);
    },
    retry() {
      client.connect();
    },
    close() {
      client.close();
    },
  };
}
