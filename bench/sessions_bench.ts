/**
 * The session look-up every page and `/api/live` call makes
 * (`getSessionUser`): KV read each time, the per-instance cache, and the
 * anonymous and forged-cookie paths, which must not read KV at all when the
 * cookie is malformed.
 *
 * `deno bench -A bench/sessions_bench.ts`
 */
import { createAuth, type Provider } from "../lib/auth/mod.ts";

const kv = await Deno.openKv(":memory:");
// The look-up never talks to the provider; a stub keeps the bench offline.
const provider = { name: "bench" } as Provider;
const cached = createAuth({ kv, provider, sessionTtlSeconds: 3600 });
const uncached = createAuth({
  kv,
  provider,
  sessionTtlSeconds: 3600,
  sessionCache: false,
});

const id = "A".repeat(43);
await cached.sessions.create(id, {
  id: "bench:alice",
  provider: "bench",
  login: "alice",
  name: "alice",
  avatarUrl: null,
});
const signedIn = new Request("http://127.0.0.1:8000/", {
  headers: { cookie: `other=1; session=${id}` },
});
const anonymous = new Request("http://127.0.0.1:8000/");
const forged = new Request("http://127.0.0.1:8000/", {
  headers: { cookie: `session=${"A".repeat(42)}!` },
});

Deno.bench("getSessionUser: KV read each time", async () => {
  await uncached.getSessionUser(signedIn);
});

Deno.bench("getSessionUser: per-instance cache", async () => {
  await cached.getSessionUser(signedIn);
});

Deno.bench("getSessionUser: no cookie", async () => {
  await cached.getSessionUser(anonymous);
});

Deno.bench("getSessionUser: malformed cookie", async () => {
  await cached.getSessionUser(forged);
});
