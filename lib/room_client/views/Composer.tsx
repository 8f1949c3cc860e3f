/**
 * The live room's composer: Enter sends (a form submit). What cannot be
 * sent — blank, over-long, or the room unreachable — keeps the text and
 * shows the reason under the field; the checks themselves run with the
 * connection (`lib/room_client/live.ts`), which loads after the first paint.
 */
import { useSignal } from "@preact/signals";

export interface ComposerProps {
  /** Off until the room is connected (and before JavaScript runs). */
  disabled: boolean;
  /** Sends; rejects with the reason to show. */
  send(text: string): Promise<void>;
}

export function Composer({ disabled, send }: ComposerProps) {
  const draft = useSignal("");
  const reason = useSignal("");
  const submit = (event: Event) => {
    event.preventDefault();
    const text = draft.value;
    reason.value = "";
    send(text).then(
      () => {
        if (draft.value === text) draft.value = "";
      },
      (error: Error) => reason.value = error.message,
    );
  };
  return (
    <form class="composer" onSubmit={submit}>
      <label for="room-message" class="visually-hidden">Message</label>
      <input
        id="room-message"
        autocomplete="off"
        placeholder="Write a message"
        value={draft.value}
        onInput={(e) => draft.value = e.currentTarget.value}
        aria-describedby="composer-reason"
        aria-invalid={reason.value ? "true" : undefined}
        disabled={disabled}
      />
      <button type="submit" disabled={disabled}>Send</button>
      <p id="composer-reason" class="reason" aria-live="polite">
        {reason.value}
      </p>
    </form>
  );
}
