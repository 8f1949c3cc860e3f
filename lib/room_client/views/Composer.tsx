/**
 * The live room's composer: Enter sends (a form submit). What cannot be
 * sent — blank, over-long, or the room unreachable — keeps the text and
 * shows the reason under the field; the checks themselves run with the
 * connection (`lib/room_client/live.ts`), which loads after the first paint.
 * Under it, who else is typing ("bob is typing…"), names as the server
 * knows them.
 */
import { useState } from "preact/hooks";

export interface ComposerProps {
  /** Off until the room is connected (and before JavaScript runs). */
  disabled: boolean;
  /** Sends; rejects with the reason to show. */
  send(text: string): Promise<void>;
  /** Told of every keystroke, to tell the room this visitor is typing. */
  typing(): void;
  /** The others typing now. */
  typists: string[];
}

/** "bob is typing…", "bob and carol are typing…", "bob and 2 others are typing…". */
function typingLine(names: string[]): string {
  const [first, ...rest] = names;
  return !first
    ? ""
    : !rest.length
    ? `${first} is typing…`
    : `${first} and ${
      rest.length > 1 ? rest.length + " others" : rest[0]
    } are typing…`;
}

export function Composer({ disabled, send, typing, typists }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const [reason, setReason] = useState("");
  const submit = (event: Event) => {
    event.preventDefault();
    const text = draft;
    setReason("");
    send(text).then(
      // Only what was sent is cleared: typing on meanwhile is kept.
      () => setDraft((now) => now === text ? "" : now),
      (error: Error) => setReason(error.message),
    );
  };
  return (
    <form class="composer" onSubmit={submit}>
      <label for="room-message" class="visually-hidden">Message</label>
      <input
        id="room-message"
        autocomplete="off"
        placeholder="Write a message"
        value={draft}
        onInput={(e) => {
          setDraft(e.currentTarget.value);
          typing();
        }}
        aria-describedby="composer-reason"
        aria-invalid={reason ? "true" : undefined}
        disabled={disabled}
      />
      <button type="submit" disabled={disabled}>Send</button>
      <p class="typing" aria-live="polite">{typingLine(typists)}</p>
      <p id="composer-reason" class="reason" aria-live="polite">{reason}</p>
    </form>
  );
}
