/**
 * `lib/platform/telemetry.ts` with telemetry off (as `deno test` runs unless
 * `OTEL_DENO` is set): nothing is wrapped or recorded. What is exported with
 * it on is `tests/otel_test.ts`, which runs the app in a child process.
 */
import assert from "node:assert/strict";
import { instrumentIssuer } from "../ably/token_telemetry.ts";
import {
  currentTraceparent,
  errorType,
  linkFrom,
  telemetryEnabled,
  withSpan,
} from "./telemetry.ts";
import { AuthError } from "../auth/errors.ts";

const on = telemetryEnabled;

Deno.test({
  name: "off: the issuer is the same function, withSpan hands over no span",
  ignore: on,
  async fn() {
    const issue = (id: string) => Promise.resolve(`token for ${id}`);
    assert.equal(instrumentIssuer("request", issue), issue);
    let seen: unknown = "unset";
    const result = await withSpan("live.test", (span) => {
      seen = span;
      return Promise.resolve(42);
    });
    assert.equal(result, 42);
    assert.equal(seen, undefined);
    assert.equal(currentTraceparent(), undefined);
    await assert.rejects(
      withSpan("live.test", () => Promise.reject(new Error("boom"))),
      /boom/,
    );
  },
});

Deno.test("a stored traceparent becomes a link; anything else none", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const spanId = "00f067aa0ba902b7";
  assert.deepEqual(linkFrom(`00-${traceId}-${spanId}-01`), {
    context: { traceId, spanId, traceFlags: 1, isRemote: true },
  });
  for (
    const bad of [
      undefined,
      42,
      "",
      `00-${"0".repeat(32)}-${spanId}-01`,
      `01-${traceId}-${spanId}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
    ]
  ) assert.equal(linkFrom(bad), undefined, String(bad));
});

Deno.test("errors are recorded by code or name, never by message", () => {
  assert.equal(
    errorType(new AuthError("token_rejected", "code abc123 refused")),
    "token_rejected",
  );
  assert.equal(errorType(new TypeError("secret in here")), "TypeError");
  assert.equal(errorType({ code: "has spaces and a secret" }), "unknown");
  assert.equal(errorType("thrown string"), "unknown");
});
