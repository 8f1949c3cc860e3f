/**
 * The live room's composer: Enter sends (a form submit). Blank and
 * over-long messages are refused here with the reason shown under the field
 * (`checkMessageText`, `lib/room/message.ts`); a failed send puts the text
 * back and says so.
 */
import { useSignal } from "@preact/signals";
import { checkMessageText, MAX_MESSAGE_LENGTH } from "../lib/room/message.ts";

export interface ComposerProps {
  /** Off until the room is connected (and before JavaScript runs). */
  disabled: boolean;
  /** Publishes; rejects when Ably refused or the connection is gone. */
  send(text: string): Promise<void>;
}

export function Composer({ disabled, send }: ComposerProps) {
  const draft = useSignal("");
  const reason = useSignal("");
  const submit = (event: Event) => {
    event.preventDefault();
    const text = draft.value;
    const refused = checkMessageText(text);
    reason.value = refused ?? "";
    if (refused) return;
    draft.value = "";
    send(text.trim()).catch(() => {
      draft.value = text;
      reason.value = "Not sent: the room is not reachable. Try again.";
    });
  };
  return (
    <form class="composer" onSubmit={submit}>
      <label for="room-message" class="visually-hidden">Message</label>
      <input
        id="room-message"
        name="message"
        autocomplete="off"
        placeholder={`Say something (up to ${MAX_MESSAGE_LENGTH} characters)`}
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
