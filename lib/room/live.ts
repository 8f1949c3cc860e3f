/**
 * The live room's Ably connection, in the browser. The island loads this
 * module with a dynamic `import()` after hydration, so it and `ably/modular`
 * form one chunk that the first paint never waits for (`ably` itself, with
 * every plugin, would cost 66 KB gzip, measured).
 *
 * What it does with a `RoomSetup` (`setup.ts`):
 * - authenticates through `authCallback`, which fetches `/api/live`; a 401
 *   there means the session ended: the room turns `signed-out` and the client
 *   closes instead of retrying (ably-js would otherwise retry forever);
 * - attaches the room channel, subscribes to its messages, enters presence
 *   with the visitor's name and keeps the member list;
 * - subscribes to the visitor's own channel, where only the server publishes
 *   (notices);
 * - turns connection and channel states into the room's status
 *   (`status.ts`) and everything else it learns into `RoomState`
 *   (`state.ts`);
 * - checks and sends messages, and asks the server for a notice.
 *
 * Own messages are not echoed back (`echoMessages: false`): the sender adds
 * its message once Ably has acknowledged it, under the id it published with,
 * so every copy of a message (live, history) carries one id and shows once.
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
import {
  mergeMessages,
  MESSAGE_NAME,
  type RoomMessageData,
  toRoomMessage,
} from "./inbound.ts";
import { checkMessageText, type RoomMessage } from "./message.ts";
import type { RoomSetup } from "./setup.ts";
import type { Member, RoomState } from "./state.ts";
import { roomStatus } from "./status.ts";

/** The token route (`routes/api/live.ts`). */
export const TOKEN_URL = "/api/live";

/** Where the server publishes a notice for the caller (`routes/api/notify-me.ts`). */
export const NOTIFY_URL = "/api/notify-me";

/** Messages kept on screen; older ones scroll away for good. */
const KEEP_MESSAGES = 100;

/** Notices kept on screen. */
const KEEP_NOTICES = 3;

/** What the island can do with the connection. */
export interface RoomConnection {
  /**
   * Publishes `text`, trimmed; resolves once Ably has acknowledged it.
   * Rejects with the reason to show: the text refused (`checkMessageText`)
   * or the room unreachable.
   */
  send(text: string): Promise<void>;
  /** Asks the server for a notice; rejects with the reason to show. */
  askForNotice(): Promise<void>;
  /** Connects again after `failed` or `suspended`. */
  retry(): void;
  /** Leaves presence and closes the connection. */
  close(): void;
}

/** The token route said 401: nothing to retry until the visitor signs in. */
class SessionEndedError extends Error {}

/** One credential from the token route: TokenRequest, TokenDetails or JWT. */
async function fetchToken(): Promise<TokenRequest | TokenDetails | string> {
  const res = await fetch(TOKEN_URL, {
    credentials: "same-origin",
    cache: "no-store",
    headers: { accept: "application/json" },
  });
  if (res.status === 401) {
    await res.body?.cancel();
    throw new SessionEndedError("session ended");
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${TOKEN_URL} answered ${res.status}`);
  }
  return (await res.json()).token;
}

/** A message id that is unique without `crypto.randomUUID` (secure contexts only). */
function newMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "");
}

/** One entry per user, in the order they arrived. */
function toMembers(presence: PresenceMessage[]): Member[] {
  const members = new Map<string, Member>();
  for (const p of presence) {
    if (!p.clientId || members.has(p.clientId)) continue;
    const name = (p.data as { name?: unknown } | undefined)?.name;
    members.set(p.clientId, {
      clientId: p.clientId,
      name: typeof name === "string" && name ? name : p.clientId,
    });
  }
  return [...members.values()];
}

/** Opens the room for `setup.user`, writing what happens into `room`. */
export function connectRoom(room: RoomState, setup: RoomSetup): RoomConnection {
  let signedOut = false;
  const showStatus = () => {
    room.status.value = roomStatus(
      signedOut,
      client.connection.state,
      channel.state,
    );
  };
  const client = new BaseRealtime({
    ...setup.clientOptions,
    echoMessages: false,
    // A room that shows yesterday's view is worse than a retry: 5 s rather
    // than ably-js's 15 s; its backoff and jitter still spread retries (RTB1).
    disconnectedRetryTimeout: 5_000,
    plugins: { WebSocketTransport, FetchRequest, RealtimePresence },
    authCallback: (_params, callback) => {
      fetchToken().then(
        (token) => callback(null, token),
        (error) => {
          const ended = error instanceof SessionEndedError;
          callback(new ErrorInfo(String(error.message), 40170, 401), null);
          if (ended) {
            signedOut = true;
            showStatus();
            client.close();
          }
        },
      );
    },
  });
  const add = (message: RoomMessage | null) => {
    if (message) {
      room.messages.value = mergeMessages(
        room.messages.value,
        [message],
        KEEP_MESSAGES,
      );
    }
  };
  const channel = client.channels.get(setup.channels.room);
  const own = client.channels.get(setup.channels.user);

  client.connection.on(showStatus);

  // Failures below need no handling of their own: they surface as the
  // connection or channel state the room shows, and ably-js retries.
  const ignore = () => {};
  const refreshMembers = () => {
    channel.presence.get().then(
      (members) => room.members.value = toMembers(members),
      ignore,
    );
  };
  // Entered again on every attach that lost continuity: ably-js re-enters
  // by itself (RTP17i) only members it still holds, and a server that ended
  // the old connection (a restart) has already sent their leave.
  const enter = () => {
    channel.presence.enter({ name: setup.user.name, login: setup.user.login })
      .catch(ignore);
  };
  channel.on((change) => {
    showStatus();
    if (change.current === "attached" && !change.resumed) enter();
  });
  channel.presence.subscribe(refreshMembers).then(refreshMembers, ignore);
  channel.subscribe(MESSAGE_NAME, (m: InboundMessage) => {
    add(toRoomMessage(m));
  }).catch(ignore);
  own.subscribe((m: InboundMessage) => {
    const text = (m.data as { text?: unknown } | undefined)?.text;
    if (m.id && typeof text === "string") {
      room.notices.value = [...room.notices.value, { id: m.id, text }].slice(
        -KEEP_NOTICES,
      );
    }
  }).catch(ignore);

  return {
    async send(text) {
      const refused = checkMessageText(text);
      if (refused) throw new Error(refused);
      text = text.trim();
      const id = newMessageId();
      const data: RoomMessageData = { text, name: setup.user.name };
      try {
        await channel.publish({ id, name: MESSAGE_NAME, data });
      } catch {
        throw new Error("Not sent: the room is not reachable. Try again.");
      }
      add({
        id,
        clientId: setup.user.id,
        name: setup.user.name,
        text,
        at: Date.now(),
      });
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
