/**
 * Who is in the live room now (Ably presence, kept by `lib/room_client/live.ts`):
 * one entry per user, shown as initials and name.
 */
import type { Member } from "../state.ts";

/** Up to two letters of a name: "Ada Lovelace" → "AL", "alice" → "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1
    ? [...words[0]][0] + [...words[words.length - 1]][0]
    : [...(words[0] ?? "?")].slice(0, 2).join("");
  return letters.toUpperCase();
}

export function MemberList({ members }: { members: Member[] }) {
  return (
    <section class="members" aria-labelledby="members-title">
      <h2 id="members-title">Here now ({members.length})</h2>
      <ul>
        {members.map((m) => (
          <li key={m.clientId} title={m.name}>
            <span class="avatar" aria-hidden="true">{initials(m.name)}</span>
            <span class="member-name">{m.name}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
