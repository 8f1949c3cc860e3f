/**
 * The live room island: the signed-in visitor's view of one room —
 * connection state, messages, composer, who is here, notices for them
 * alone. Server-rendered first with the room's last messages from KV
 * (`lib/room_page/page.ts`), so it is readable before any JavaScript runs.
 *
 * After hydration it loads its connection (`lib/room_client/live.ts`, with
 * `ably/modular`) through a dynamic `import()`: the first interactive paint
 * needs only Preact and the views. State lives in cells
 * (`lib/room_client/state.ts`); the connection writes them, and each change
 * redraws this.
 * When the token route says the session ended, the room gives way to a
 * "Sign in again" link; when it says the visitor may no longer see the room,
 * to a notice saying so.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { RoomSetup } from "../lib/contract/mod.ts";
import {
  Composer,
  createRoomState,
  MemberList,
  MessageList,
  Notices,
  RoomStatus,
} from "../lib/room_client/mod.ts";
import type { RoomConnection } from "../lib/room_client/live.ts";

export default function LiveRoom(setup: RoomSetup) {
  const [, redraw] = useState(0);
  const room = useMemo(
    () =>
      createRoomState(setup.messages, setup.next, () => redraw((n) => n + 1)),
    [],
  );
  const live = useRef<Promise<RoomConnection>>();
  const start = () => {
    live.current = import("../lib/room_client/live.ts").then(
      ({ connectRoom }) => connectRoom(room, setup),
    );
    live.current.catch(() => room.status.value = "failed");
  };
  useEffect(() => {
    start();
    return () => live.current?.then((connection) => connection.close());
  }, []);
  /** Runs `fn` on the connection once it is there. */
  const use = <T,>(fn: (connection: RoomConnection) => Promise<T> | T) =>
    live.current!.then(fn);

  const status = room.status.value;
  if (status === "signed-out" || status === "no-access") {
    return (
      <section class="room" data-state={status} aria-label="Live room">
        <p class="ended" role="alert">
          {status === "signed-out"
            ? (
              <>
                Your session ended. <a href="/auth/signin">Sign in again</a>
              </>
            )
            : (
              <>
                You no longer have access to this room. <a href="/">Home</a>
              </>
            )}
        </p>
      </section>
    );
  }
  return (
    <section class="room" data-state={status} aria-label="Live room">
      <RoomStatus
        status={status}
        onRetry={() => live.current!.then((c) => c.retry(), start)}
      />
      {room.next.value && (
        <button
          type="button"
          onClick={() => use((c) => c.loadOlder()).catch(() => {})}
        >
          Load older
        </button>
      )}
      <MessageList
        messages={room.messages.value}
        self={setup.user.id}
        roomId={setup.room.id}
        moderator={setup.moderator}
        live={status === "connected"}
        edit={(id, text) => use((c) => c.edit(id, text))}
        remove={(id) => use((c) => c.remove(id))}
      />
      <Composer
        disabled={status !== "connected"}
        send={(text) => use((c) => c.send(text))}
        typing={() => use((c) => c.typing())}
        typists={room.typing.value}
      />
      {status === "connected" && (
        <>
          <MemberList members={room.members.value} />
          <Notices
            notices={room.notices.value}
            ask={() => use((c) => c.askForNotice())}
          />
        </>
      )}
    </section>
  );
}
