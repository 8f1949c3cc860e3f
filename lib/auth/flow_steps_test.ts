/**
 * The sign-in's steps as plain functions of `AuthDeps`, driven one at a
 * time against real KV and the embedded provider: what `createAuth` binds
 * for the routes.
 */
import assert from "node:assert/strict";
import { startIdp } from "../idp/mod.ts";
import { AuthError } from "./errors.ts";
import {
  type AuthDeps,
  completeSignIn,
  createAuthDeps,
  endSession,
  sessionUserOf,
  startSignIn,
  takeSignIn,
} from "./auth.ts";
import { oidcProvider } from "./providers.ts";
import { isLoopbackCallback } from "./start.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

async function withDeps(
  fn: (deps: AuthDeps) => Promise<void>,
  trustProxy = false,
) {
  const kv = await openKvWithoutQueues(":memory:");
  const idp = await startIdp({ redirectUris: isLoopbackCallback });
  try {
    await fn(createAuthDeps({
      kv,
      provider: oidcProvider({
        name: "embedded",
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      }),
      sessionTtlSeconds: 3600,
      sessionCache: false,
      trustProxy,
    }));
  } finally {
    await idp.close();
    kv.close();
  }
}

async function started(deps: AuthDeps, request: Request) {
  const response = await startSignIn(deps, request);
  const location = new URL(response.headers.get("location")!);
  return {
    response,
    state: location.searchParams.get("state")!,
    redirectUri: location.searchParams.get("redirect_uri")!,
    cookie: response.headers.getSetCookie()[0].split(";")[0],
  };
}

Deno.test("startSignIn stores the record and takeSignIn takes it exactly once", async () => {
  await withDeps(async (deps) => {
    const { state } = await started(
      deps,
      new Request("http://127.0.0.1:8000/auth/signin?redirect=/about"),
    );
    const record = await takeSignIn(deps, state);
    assert.equal(record.redirectTo, "/about");
    assert.equal(record.redirectUri, "http://127.0.0.1:8000/auth/callback");
    await assert.rejects(
      takeSignIn(deps, state),
      (e) => e instanceof AuthError && e.code === "invalid_state",
    );
  });
});

Deno.test("completeSignIn without the state cookie leaves the record and clears the cookie", async () => {
  await withDeps(async (deps) => {
    const { state } = await started(
      deps,
      new Request("http://127.0.0.1:8000/auth/signin"),
    );
    await assert.rejects(
      completeSignIn(
        deps,
        new Request(
          `http://127.0.0.1:8000/auth/callback?state=${state}&code=x`,
        ),
      ),
      (e) =>
        e instanceof AuthError && e.code === "state_mismatch" &&
        e.redirectTo === undefined &&
        e.setCookie.some((line) => line.startsWith("oauth-state=; Max-Age=0")),
    );
    assert.notEqual((await deps.kv.get(["oauth", state])).value, null);
  });
});

Deno.test("with trustProxy the steps see the forwarded https origin", async () => {
  await withDeps(async (deps) => {
    const forwarded = { forwarded: "proto=https;host=live.example" };
    const { redirectUri, cookie } = await started(
      deps,
      new Request("http://10.0.0.5:8000/auth/signin", { headers: forwarded }),
    );
    assert.equal(redirectUri, "https://live.example/auth/callback");
    assert.match(cookie, /^__Host-oauth-state=/);

    const id = "S".repeat(43);
    await deps.sessions.create(id, {
      id: "embedded:alice",
      provider: "embedded",
      login: "alice",
      name: "alice",
      avatarUrl: null,
    });
    const signedIn = new Request("http://10.0.0.5:8000/", {
      headers: { ...forwarded, cookie: `__Host-session=${id}` },
    });
    assert.equal((await sessionUserOf(deps, signedIn))?.login, "alice");
    const out = await endSession(deps, signedIn);
    assert.match(out.headers.get("set-cookie")!, /^__Host-session=;.*Secure$/);
    assert.equal(await sessionUserOf(deps, signedIn), null);
  }, true);
});
