/**
 * Notices the server sent to the visitor alone (their `user:<id>` channel),
 * and a button that asks the server for one (`POST /api/notify-me`), to show
 * the server-to-user path working.
 */
import { useSignal } from "@preact/signals";
import type { Notice } from "../lib/room/state.ts";

/** Asks the server to publish a notice on the visitor's own channel. */
export const NOTIFY_URL = "/api/notify-me";

export function Notices({ notices }: { notices: Notice[] }) {
  const problem = useSignal("");
  const ask = () => {
    problem.value = "";
    fetch(NOTIFY_URL, { method: "POST", credentials: "same-origin" }).then(
      async (res) => {
        await res.body?.cancel();
        if (!res.ok) problem.value = `The server answered ${res.status}.`;
      },
      () => problem.value = "The server could not be reached.",
    );
  };
  return (
    <section class="notices" aria-labelledby="notices-title">
      <h2 id="notices-title">For you</h2>
      <div role="status" aria-live="polite">
        {notices.map((n) => <p key={n.id} class="notice">{n.text}</p>)}
      </div>
      <button type="button" onClick={ask}>Send me a notice</button>
      {problem.value && <p class="reason">{problem.value}</p>}
    </section>
  );
}
