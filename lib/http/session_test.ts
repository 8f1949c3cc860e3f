/**
 * An API request's checks: read only when asked, the session once, the
 * Origin before the session, the rate limit keyed by session or user.
 */
import assert from "node:assert/strict";
import { apiRequest, type SessionReader } from "./session.ts";
import { HttpError } from "./json.ts";
import { memoryLimiter } from "./rate_limit_testing.ts";

interface User {
  id: string;
}

function reader(): SessionReader<User> & { lookups: number } {
  const state = {
    lookups: 0,
    getSessionId: (req: Request) => req.headers.get("cookie"),
    sessions: {
      lookup(id: string) {
        state.lookups++;
        return Promise.resolve(
          id === "good" ? { user: { id: "u:1" }, readAt: 0 } : null,
        );
      },
    },
  };
  return state;
}

const where = { method: "POST", route: "/api/test" };
const request = (headers: HeadersInit) =>
  new Request("http://localhost/api/test", { method: "POST", headers });

async function status(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error instanceof HttpError, String(error));
  return error.status;
}

Deno.test("the session is read once, when first asked, and refused as 401", async () => {
  const auth = reader();
  const api = apiRequest(request({ cookie: "good" }), {
    auth,
    config: { trustProxy: false },
  }, where);
  assert.equal(auth.lookups, 0);
  const [a, b] = await Promise.all([api.session(), api.session()]);
  assert.equal(a, b);
  assert.equal(a.user.id, "u:1");
  assert.equal(auth.lookups, 1);

  for (const headers of [{}, { cookie: "gone" }] as HeadersInit[]) {
    const anonymous = apiRequest(request(headers), {
      auth: reader(),
      config: { trustProxy: false },
    }, where);
    assert.equal(await status(anonymous.session()), 401);
  }
});

Deno.test("a state change checks the Origin before the session", async () => {
  for (const origin of [null, "https://evil.example"]) {
    const auth = reader();
    const headers: Record<string, string> = { cookie: "good" };
    if (origin) headers.origin = origin;
    const api = apiRequest(request(headers), {
      auth,
      config: { trustProxy: false },
    }, where);
    assert.equal(await status(api.stateChange()), 403);
    assert.equal(auth.lookups, 0, "no KV read for a foreign origin");
  }
  const api = apiRequest(
    request({ cookie: "good", origin: "http://localhost" }),
    { auth: reader(), config: { trustProxy: false } },
    where,
  );
  assert.equal((await api.stateChange()).sessionId, "good");
});

Deno.test("the rate limit counts per session or per user, and refuses with 429", async () => {
  using t = await memoryLimiter({ limit: 1 });
  const api = apiRequest(request({ cookie: "good" }), {
    auth: reader(),
    config: { trustProxy: false },
  }, where);
  await api.limit(t.limiter, "user");
  await api.limit(t.limiter, "session");
  const error = await api.limit(t.limiter, "user").then(() => null, (e) => e);
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 429);
  assert.ok(error.retryAfter! > 0);
});
