/**
 * connectionKeys (spec RTN9) that the emulator can recognise as its own:
 * `<tag>!<random>-<connectionId>`, the tag an HMAC of the rest under a
 * secret of this emulator run. A resume or recover (RTN15c7, RTN16d) that
 * names no live connection is answered 80008 (connection expired) when the
 * key is one this emulator issued and 80018 (invalid connection key)
 * otherwise, as Ably tells a key it minted from one it did not (ably-js
 * `unrecoverableConnection` expects 80018 for a made-up key of the right
 * shape). Keys are not kept: memory stays bounded however many
 * connections come and go. The counterpart is ably-js's recovery key,
 * which carries the connectionKey back in `recover`, and the `resume`
 * query param.
 */

import { constantTimeEqual, hmacBase64Url } from "../auth/mod.ts";
import { randomId } from "../core/mod.ts";

/** Characters of the tag; enough that a forged key is not taken for ours. */
const TAG_LENGTH = 12;

/** Mints and recognises the connectionKeys of one emulator run. */
export class ConnectionKeys {
  readonly #secret = randomId(32);

  /** A new connectionKey for `connectionId`. */
  mint(connectionId: string): string {
    const body = `${randomId(18)}-${connectionId}`;
    return `${this.#tag(body)}!${body}`;
  }

  /** Whether `key` is one this emulator run issued. */
  issued(key: string): boolean {
    const bang = key.indexOf("!");
    if (bang !== TAG_LENGTH) return false;
    return constantTimeEqual(
      key.slice(0, bang),
      this.#tag(key.slice(bang + 1)),
    );
  }

  #tag(body: string): string {
    return hmacBase64Url(this.#secret, body).slice(0, TAG_LENGTH);
  }
}
