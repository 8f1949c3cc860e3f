/**
 * The app's spans and metrics, through Deno's built-in OpenTelemetry.
 *
 * With `OTEL_DENO=true` Deno exports `Deno.serve` and `fetch` spans, console
 * output and runtime metrics over OTLP, and registers its providers with
 * `@opentelemetry/api`; the spans and instruments made here join those (a
 * `live.*` span started inside a request is a child of Deno's server span).
 * Without it the API hands out no-op tracers and meters, and `withSpan` does
 * not even ask for one: it checks `telemetryEnabled` and calls the function.
 *
 * What may go into an attribute, an event or a metric label: modes,
 * outcomes, error names and codes, providers, room ids, job kinds, routes.
 * Never a key secret, session id, token, TokenRequest MAC, OAuth code,
 * state or cookie; user ids only where README ("Observability") says.
 * Errors are recorded by their name alone (`error.type`), never their
 * message, which may quote what it failed on.
 *
 * Span and metric names are listed in README's "Observability" table; the
 * helpers for one area live beside that area's code (`live.outbox.*` in
 * `lib/outbox/`), the names here.
 */
import {
  type Attributes,
  context,
  type Link,
  metrics,
  ProxyTracerProvider,
  type Span,
  type SpanContext,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

/**
 * Whether spans and metrics go anywhere. Deno registers its tracer provider
 * with the API before any module runs when `OTEL_DENO=true`; otherwise the
 * API answers with its own proxy over a no-op provider.
 */
export const telemetryEnabled: boolean = !(
  trace.getTracerProvider() instanceof ProxyTracerProvider
);

/** The instrumentation scope of every `live.*` span and metric. */
export const SCOPE = "live";

const tracer = trace.getTracer(SCOPE);
const meter = metrics.getMeter(SCOPE);

/** Every `live.*` span name, in one place (README's table follows it). */
export const SPAN = {
  tokenIssue: "live.token.issue",
  policyDecision: "live.policy.decision",
  sessionLookup: "live.session.lookup",
  messageStore: "live.message.store",
  messagePublish: "live.message.publish",
  outboxDeliver: "live.outbox.deliver",
  revocation: "live.revocation",
  signInStart: "live.signin.start",
  signInCallback: "live.signin.callback",
  signInExchange: "live.signin.exchange",
} as const;

/**
 * The app's instruments. Each is a no-op object when telemetry is off, so
 * `add` costs a call; callers pass constant or small attribute objects.
 */
export const instruments = {
  /** `live.tokens.issued` {`live.token.mode`, `live.outcome`} */
  tokensIssued: meter.createCounter("live.tokens.issued", {
    description:
      "Ably credentials issued by GET /api/live, by mode and outcome",
  }),
  /** `live.messages.stored` */
  messagesStored: meter.createCounter("live.messages.stored", {
    description: "Chat messages committed to KV (repeats of a send excluded)",
  }),
  /** `live.messages.published` {`live.publish.path`: inline | outbox} */
  messagesPublished: meter.createCounter("live.messages.published", {
    description: "Chat messages published to Ably, inline or by the outbox",
  }),
  /** `live.messages.retried` */
  messagesRetried: meter.createCounter("live.messages.retried", {
    description: "Outbox deliveries that found a publish job still pending",
  }),
  /** `live.messages.given_up` */
  messagesGivenUp: meter.createCounter("live.messages.given_up", {
    description: "Publish jobs moved to outbox_failed after the last attempt",
  }),
  /** `live.outbox.job.age` {`live.outbox.kind`}, ms */
  outboxJobAge: meter.createHistogram("live.outbox.job.age", {
    description:
      "Age of an outbox job when an instance takes it with work still to do",
    unit: "ms",
  }),
  /** `live.outbox.given_up` {`live.outbox.kind`} */
  outboxGivenUp: meter.createCounter("live.outbox.given_up", {
    description: "Outbox jobs of any kind moved aside after the last attempt",
  }),
  /** `live.revocations.sent` */
  revocationsSent: meter.createCounter("live.revocations.sent", {
    description: "Token revocation requests Ably accepted",
  }),
  /** `live.revocations.failed` */
  revocationsFailed: meter.createCounter("live.revocations.failed", {
    description:
      "Token revocation requests that failed (retried by the outbox)",
  }),
  /** `live.rate_limit.refusals` {`http.route`, `http.request.method`} */
  rateLimitRefusals: meter.createCounter("live.rate_limit.refusals", {
    description:
      "Requests answered 429 by a rate limit (counted across instances in KV)",
  }),
  /** `live.session.lookups` {`live.session.source`, `live.outcome`} */
  sessionLookups: meter.createCounter("live.session.lookups", {
    description: "Session look-ups, by where the answer came from",
  }),
};

/** Options of `withSpan`. */
export interface SpanOptions {
  /** Set when the span starts (keep it a constant or cheap object). */
  attributes?: Attributes;
  /** Spans this one follows from, e.g. the request that stored a job. */
  links?: Link[];
  /** Start a new trace instead of joining the active one. */
  root?: boolean;
}

/**
 * Runs `fn` inside a new active span `name` (a child of the active span, so
 * of the request's server span inside a handler) and ends it when `fn`
 * settles. A throw marks the span as an error with `error.type` set to the
 * error's name (or its `code`, when it has a string one) and goes on up.
 *
 * With telemetry off, `fn(undefined)` is called directly: callers write
 * `span?.setAttribute(…)`, so no attribute is built either.
 *
 * @example
 * ```ts
 * declare function read(): Promise<string | null>;
 * const user = await withSpan("live.session.lookup", async (span) => {
 *   const found = await read();
 *   span?.setAttribute("live.outcome", found ? "found" : "absent");
 *   return found;
 * });
 * ```
 */
export function withSpan<T>(
  name: string,
  fn: (span: Span | undefined) => Promise<T>,
  options?: SpanOptions,
): Promise<T> {
  if (!telemetryEnabled) return fn(undefined);
  return tracer.startActiveSpan(name, options ?? {}, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks `span` failed by `error`'s type, never its message. */
export function markError(span: Span | undefined, error: unknown): void {
  if (!span) return;
  span.setAttribute("error.type", errorType(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** An error's `code` when it is a plain string (an `AuthError`'s), else its name. */
export function errorType(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && /^[a-z0-9_.-]{1,64}$/i.test(code)) {
    return code;
  }
  const name = (error as Error)?.name;
  return typeof name === "string" && name !== "" ? name : "unknown";
}

/**
 * The active span's context as a W3C `traceparent`, to store beside work
 * that another process or a later delivery will do (an outbox job), or
 * `undefined` when there is none or telemetry is off.
 */
export function currentTraceparent(): string | undefined {
  if (!telemetryEnabled) return undefined;
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** A stored `traceparent` as a link target; `undefined` when malformed. */
export function linkFrom(traceparent: unknown): Link | undefined {
  if (typeof traceparent !== "string") return undefined;
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(
    traceparent,
  );
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext)
    ? { context: spanContext }
    : undefined;
}

/** What a revocation call is about, for its span. */
export interface RevocationInfo {
  /** 1 for the inline try right after the change, 2 for a retry from the outbox. */
  attempt: number;
  /** How many targets (`clientId:…`, `channel:…`) the request names; never the targets. */
  targets?: number;
}

/**
 * Runs one token revocation request (`POST /keys/{keyName}/revokeTokens`)
 * inside a `live.revocation` span, and counts it in `live.revocations.sent`
 * or `live.revocations.failed`. The revocation work calls it around its
 * request, inline and from its outbox handler alike, so a retry is a span
 * under `live.outbox.deliver`, linked to the request that asked for it.
 *
 * @example
 * ```ts
 * import type * as Ably from "ably";
 * declare const rest: Ably.Rest;
 * const specs = [{ type: "clientId", value: "github:42" }];
 * await traceRevocation(() => rest.auth.revokeTokens(specs), {
 *   attempt: 1,
 *   targets: specs.length,
 * });
 * ```
 */
export function traceRevocation<T>(
  revoke: () => Promise<T>,
  info: RevocationInfo,
): Promise<T> {
  return withSpan(SPAN.revocation, async (span) => {
    span?.setAttribute("live.revocation.attempt", info.attempt);
    if (info.targets !== undefined) {
      span?.setAttribute("live.revocation.targets", info.targets);
    }
    try {
      const result = await revoke();
      span?.setAttribute("live.outcome", "ok");
      instruments.revocationsSent.add(1);
      return result;
    } catch (error) {
      span?.setAttribute("live.outcome", "failed");
      instruments.revocationsFailed.add(1);
      throw error;
    }
  });
}
