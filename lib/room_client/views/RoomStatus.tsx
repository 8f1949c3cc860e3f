/**
 * The live room's connection line: one word and a dot for the state the
 * room is in (`RoomStatus`, `lib/room_client/state.ts`), and a Retry button when
 * ably-js has stopped retrying by itself (`failed`) or waits long between
 * tries (`suspended`).
 */
import type { RoomStatus as Status } from "../status.ts";

const LABEL: Record<Exclude<Status, "signed-out" | "no-access">, string> = {
  connecting: "Connecting…",
  connected: "Live",
  disconnected: "Disconnected, reconnecting…",
  suspended: "Offline for a while; retrying now and then",
  failed: "Could not connect",
};

export interface RoomStatusProps {
  status: Exclude<Status, "signed-out" | "no-access">;
  onRetry(): void;
}

export function RoomStatus({ status, onRetry }: RoomStatusProps) {
  return (
    <p class="status" role="status">
      <span class={`dot dot-${status}`} aria-hidden="true" />
      <span class="status-label">{LABEL[status]}</span>
      {(status === "failed" || status === "suspended") && (
        <button type="button" onClick={onRetry}>Retry</button>
      )}
    </p>
  );
}
