/**
 * The live room island's side, in the browser: its state (`state.ts`),
 * the status it shows (`status.ts`), and views that only present
 * (`views/`). The connection to Ably and the API is `live.ts`, the other
 * face of this folder: the island loads it with `import()` after
 * hydration, so the Ably SDK stays out of the first bundle. It imports
 * `lib/contract/` alone.
 */
export { createRoomState } from "./state.ts";
export { Composer } from "./views/Composer.tsx";
export { MemberList } from "./views/MemberList.tsx";
export { MessageList } from "./views/MessageList.tsx";
export { Notices } from "./views/Notices.tsx";
export { RoomStatus } from "./views/RoomStatus.tsx";
