/**
 * Does a credential the app handed out still open Ably? The real `ably` SDK
 * connects with it (a TokenRequest, TokenDetails or JWT, as `authCallback`
 * returns it), attaches one channel, and reports what the service said. It
 * never renews: the credential alone is on trial.
 *
 * @example
 * ```ts
 * import { probeCredential } from "./credential_probe.ts";
 * const outcome = await probeCredential("http://127.0.0.1:9", "jwt…", "room:r1");
 * if (outcome.attached) throw new Error("escaped");
 * ```
 */
import * as Ably from "ably";
import { emulatorClientOptions } from "../../lib/emulator/mod.ts";

export interface ProbeOutcome {
  /** The channel attached: the credential works. */
  attached: boolean;
  /** Ably's error code when it did not (40141: revoked). */
  code: number | undefined;
}

/** Connects to the service at `url` with `credential` and attaches `channel`. */
export async function probeCredential(
  url: string,
  credential: unknown,
  channel: string,
  timeoutMs = 5_000,
): Promise<ProbeOutcome> {
  let handedOut = false;
  const client = new Ably.Realtime({
    ...emulatorClientOptions(url),
    logLevel: 0,
    autoConnect: false,
    authCallback: (_params, callback) => {
      if (handedOut) {
        // Asked again (a refusal): nothing else to offer.
        callback("this probe holds one credential only", null);
        return;
      }
      handedOut = true;
      callback(null, credential as Ably.TokenRequest);
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const attempt = (async (): Promise<ProbeOutcome> => {
      client.connect();
      await client.connection.once("connected");
      await client.channels.get(channel).attach();
      return { attached: true, code: undefined };
    })().catch((error: Ably.ErrorInfo) => ({
      attached: false,
      code: codeOf(error ?? client.connection.errorReason),
    }));
    const failed = new Promise<ProbeOutcome>((resolve) => {
      client.connection.on(
        ["failed", "disconnected", "suspended"],
        (change) => resolve({ attached: false, code: codeOf(change.reason) }),
      );
      timer = setTimeout(
        () => resolve({ attached: false, code: undefined }),
        timeoutMs,
      );
    });
    return await Promise.race([attempt, failed]);
  } finally {
    clearTimeout(timer);
    const state = client.connection.state;
    if (state !== "closed" && state !== "failed") {
      const closed = client.connection.whenState("closed");
      client.close();
      let wait: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed,
        new Promise((r) => wait = setTimeout(r, 2_000)),
      ]);
      clearTimeout(wait);
    }
  }
}

/**
 * The service's own code: when the SDK exchanges a TokenRequest over REST
 * and is refused, it reports 80019 ("auth callback failed") with the
 * service's error as `cause`.
 */
function codeOf(error: Ably.ErrorInfo | undefined): number | undefined {
  const cause = (error as { cause?: Ably.ErrorInfo } | undefined)?.cause;
  if (error?.code === 80019 && typeof cause?.code === "number") {
    return cause.code;
  }
  return error?.code;
}
