/**
 * A wrapper for a value that must never reach a response, a log line or a
 * bundle: the Ably key secret, the OAuth client secret.
 *
 * Printing, interpolating, JSON-serialising or `Deno.inspect`ing a `Secret`
 * yields `[redacted]`, so a config object logged by mistake leaks nothing.
 * The one way to the value is `reveal()`, which makes each use greppable.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The wrapped value; call it only where the value is sent to its owner. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[redacted]";
  }

  toJSON(): string {
    return "[redacted]";
  }

  [Symbol.for("Deno.customInspect")](): string {
    return "Secret([redacted])";
  }
}
