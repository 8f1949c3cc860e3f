/**
 * Notices the server sent to the visitor alone (their `user:<id>` channel),
 * and a button that asks the server for one (`POST /api/notify-me`), to show
 * the server-to-user path working.
 */
import { useState } from "preact/hooks";
import type { Notice } from "../state.ts";

export interface NoticesProps {
  notices: Notice[];
  /** Asks the server for a notice; rejects with the reason to show. */
  ask(): Promise<void>;
}

export function Notices({ notices, ask }: NoticesProps) {
  const [problem, setProblem] = useState("");
  const click = () => {
    setProblem("");
    ask().catch((error: Error) => setProblem(error.message));
  };
  return (
    <section class="notices" aria-labelledby="notices-title">
      <h2 id="notices-title">For you</h2>
      <div role="status" aria-live="polite">
        {notices.map((n) => <p key={n.id} class="notice">{n.text}</p>)}
      </div>
      <button type="button" onClick={click}>Send me a notice</button>
      <p class="reason">{problem}</p>
    </section>
  );
}
