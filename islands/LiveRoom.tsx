/**
 * The live room island: the signed-in visitor's view of the shared room —
 * connection state, messages, composer, who is here, notices for them
 * alone. Server-rendered first with the room's recent messages
 * (`routes/index.tsx`), so it is readable before any JavaScript runs.
 *
 * After hydration it loads its Ably connection (`lib/room/live.ts`, with
 * `ably/modular`) through a dynamic `import()`: the first interactive paint
 * needs only Preact, signals and this file. State lives in signals
 * (`lib/room/state.ts`); the connection writes them, this renders them.
 * When the token route says the session ended, the room gives way to a
 * "Sign in again" link.
 */
import { useEffect, useMemo, useRef } from "preact/hooks";
import { Composer } from "../components/Composer.tsx";
import { MemberList } from "../components/MemberList.tsx";
import { MessageList } from "../components/MessageList.tsx";
import { Notices } from "../components/Notices.tsx";
import { RoomStatus } from "../components/RoomStatus.tsx";
import type { RoomConnection } from "../lib/room/live.ts";
import type { RoomSetup } from "../lib/room/setup.ts";
import { createRoomState } from "../lib/room/state.ts";

export default function LiveRoom(setup: RoomSetup) {
  const room = useMemo(() => createRoomState(setup.history), []);
  const live = useRef<Promise<RoomConnection>>();

  const start = () => {
    live.current = import("../lib/room/live.ts").then(
      ({ connectRoom }) => connectRoom(room, setup),
    );
    live.current.catch(() => room.connection.value = "failed");
  };
  useEffect(() => {
    start();
    return () => live.current?.then((connection) => connection.close());
  }, []);

  const status = room.status.value;
  if (status === "signed-out") {
    return (
      <section class="room" data-state={status} aria-label="Live room">
        <p class="ended" role="alert">
          Your session ended. <a href="/auth/signin">Sign in again</a>
        </p>
      </section>
    );
  }
  const retry = () => {
    live.current?.then((connection) => connection.retry(), start);
  };
  const send = (text: string) =>
    live.current
      ? live.current.then((connection) => connection.send(text))
      : Promise.reject(new Error("not connected"));
  return (
    <section class="room" data-state={status} aria-label="Live room">
      <RoomStatus status={status} onRetry={retry} />
      <MessageList messages={room.messages.value} self={setup.user.id} />
      <Composer disabled={status !== "connected"} send={send} />
      <MemberList members={room.members.value} />
      <Notices notices={room.notices.value} />
    </section>
  );
}
