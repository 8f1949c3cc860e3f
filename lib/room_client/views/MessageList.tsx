/**
 * The live room's messages, oldest first so the newest sits at the bottom,
 * kept scrolled to the newest. A polite live region: screen readers announce
 * new messages without interrupting. Text is rendered as text, never HTML.
 *
 * Beside each message its author may delete (and, once live, edit), and the
 * room's owner may delete anyone's. Delete is a plain form posting to the
 * room's page (`action=delete-message`), so it works before and without
 * JavaScript; once live, the island sends it to the API instead. A deleted
 * message stays in place as "Message deleted", its text gone.
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
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
  /** The room's id: where the delete forms post. */
  roomId: string;
  /** The visitor may delete anyone's message (the room's owner). */
  moderator: boolean;
  /** Connected: editing is offered, and forms go to the API. */
  live: boolean;
  /** Edits a message; rejects with the reason to show. */
  edit(id: string, text: string): Promise<void>;
  /** Deletes a message; rejects with the reason to show. */
  remove(id: string): Promise<void>;
}

export function MessageList(
  { messages, self, roomId, moderator, live, edit, remove }: MessageListProps,
) {
  const list = useRef<HTMLOListElement>(null);
  /** The message being edited, the draft, and why the last try failed. */
  const [editing, setEditing] = useState<[string, string, string?] | null>(
    null,
  );
  const [reason, setReason] = useState<[string, string] | null>(null);
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages[messages.length - 1]?.id]);
  const fail = (id: string) => (error: Error) => setReason([id, error.message]);
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
      {messages.map((m) => {
        const own = m.clientId === self;
        const deleted = m.deletedAt !== undefined;
        return (
          <li
            key={m.id}
            data-id={m.id}
            class={`message${own ? " own" : ""}${deleted ? " deleted" : ""}`}
          >
            <p class="meta">
              <span class="who" title={m.clientId}>{m.name}</span>{" "}
              <time dateTime={new Date(m.at).toISOString()}>{clock(m.at)}</time>
              {m.editedAt && !deleted && <span class="edited">(edited)</span>}
            </p>
            {editing?.[0] === m.id && !deleted
              ? (
                <form
                  key="edit"
                  class="edit"
                  onSubmit={(e) => {
                    e.preventDefault();
                    edit(m.id, editing[1]).then(
                      () => setEditing(null),
                      (error: Error) =>
                        setEditing([m.id, editing[1], error.message]),
                    );
                  }}
                >
                  <input
                    aria-label="Edited message"
                    value={editing[1]}
                    onInput={(e) => setEditing([m.id, e.currentTarget.value])}
                  />
                  <button type="submit">Save</button>
                  <button type="button" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                  <p class="reason" aria-live="polite">{editing[2]}</p>
                </form>
              )
              : (
                <p key="text" class="text">
                  {deleted ? "Message deleted" : m.text}
                </p>
              )}
            {!deleted && (own || moderator) && editing?.[0] !== m.id && (
              <form
                key="actions"
                class="actions"
                method="post"
                action={`/rooms/${roomId}`}
                onSubmit={(e) => {
                  if (!live) return;
                  e.preventDefault();
                  setReason(null);
                  remove(m.id).catch(fail(m.id));
                }}
              >
                <input type="hidden" name="action" value="delete-message" />
                <input type="hidden" name="messageId" value={m.id} />
                {own && live && (
                  <button
                    type="button"
                    onClick={() => setEditing([m.id, m.text])}
                  >
                    Edit
                  </button>
                )}
                <button type="submit">Delete</button>
                {reason?.[0] === m.id && (
                  <span class="reason">{reason[1]}</span>
                )}
              </form>
            )}
          </li>
        );
      })}
    </ol>
  );
}
