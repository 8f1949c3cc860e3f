/**
 * The query of one page of history, of messages (spec RSL2b, RTL10) or of
 * presence (RSP4b, RTP12), as REST reads it from the URL (rest/http.ts)
 * and channels.ts / presence_history.ts answer it.
 */

/** What one page of history asks for. */
export interface HistoryQuery {
  /** Items per page (RSL2b3). */
  limit: number;
  /** `backwards` (newest first, the default) or `forwards`. */
  direction: "backwards" | "forwards";
  /** Earliest and latest timestamps, ms, both included. */
  start?: number;
  end?: number;
  /** RTL10b: `untilAttach` — nothing after this channelSerial. */
  fromSerial?: string;
  /** Where the page starts: the `next` of the page before. */
  cursor?: string;
}

/** One page of history and the cursor of the next, if any. */
export interface HistoryPage<T> {
  items: T[];
  next?: string;
}
