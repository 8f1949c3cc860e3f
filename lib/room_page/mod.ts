/**
 * The server side of a room's page: the page data the routes render
 * (`page.ts`), the island's props (`setup.ts`), the form actions of the
 * pages without JavaScript (`forms.ts`) and the panels rendered on the
 * server (`views/RoomPanels.tsx`). Rights come from `lib/rooms/`; the
 * browser's side is `lib/room_client/`.
 */
export {
  createRoomFromForm,
  FORM_ERRORS,
  FORM_NOTICES,
  formError,
  formNotice,
  invitationFormAction,
  roomFormAction,
  type RoomFormChanges,
} from "./forms.ts";
export {
  type CountPresent,
  type HomePage,
  homePage,
  type RoomPage,
  roomPage,
} from "./page.ts";
export {
  InvitationsPanel,
  MembersPanel,
  RoomsPanel,
} from "./views/RoomPanels.tsx";
