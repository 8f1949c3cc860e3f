/**
 * The live room's messages, oldest first so the newest sits at the bottom,
 * kept scrolled to the newest. A polite live region: screen readers announce
 * new messages without interrupting. Text is rendered as text, never HTML.
 */
import { useLayoutEffect, useRef } from "preact/hooks";
import type { RoomMessage } from "../../contract/mod.ts";

/** Hours and minutes in the reader's locale (the server's, before hydration). */
function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
}

export interface MessageListProps {
  messages: RoomMessage[];
  /** The visitor's user id, to mark their own messages. */
  self: string;
}

export function MessageList({ messages, self }: MessageListProps) {
  const list = useRef<HTMLOListElement>(null);
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages[messages.length - 1]?.id]);
  return (
    <ol
      ref={list}
      class="messages"
      aria-live="polite"
      aria-relevant="additions"
      aria-label="Messages"
      tabIndex={0}
    >
      {messages.length === 0 && <li class="empty">No messages yet.</li>}
      {messages.map((m) => (
        <li
          key={m.id}
          data-id={m.id}
          class={m.clientId === self ? "message own" : "message"}
        >
          <p class="meta">
            <span class="who" title={m.clientId}>{m.name}</span>{" "}
            <time dateTime={new Date(m.at).toISOString()}>{clock(m.at)}</time>
          </p>
          <p class="text">{m.text}</p>
        </li>
      ))}
    </ol>
  );
}
