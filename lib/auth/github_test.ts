/**
 * The GitHub provider against a stand-in for GitHub on loopback: the code
 * flow with PKCE and client_secret_post, the user from `/user`, and GitHub's
 * habit of refusing a code with 200 `{"error": …}`.
 */
import assert from "node:assert/strict";
import { AuthError, createAuth, githubProvider } from "./mod.ts";
import { openKvWithoutQueues } from "../../tests/helpers/kv_without_queues.ts";

const APP = "http://127.0.0.1:8000";

interface FakeGitHub {
  url: string;
  /** What `/user` answers. */
  user: Record<string, unknown>;
  server: Deno.HttpServer<Deno.NetAddr>;
}

function fakeGitHub(): FakeGitHub {
  const codes = new Map<string, string>();
  const fake = { user: {} } as FakeGitHub;
  fake.server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/login/oauth/authorize") {
        const code = crypto.randomUUID();
        codes.set(code, url.searchParams.get("code_challenge")!);
        const back = new URL(url.searchParams.get("redirect_uri")!);
        back.searchParams.set("code", code);
        back.searchParams.set("state", url.searchParams.get("state")!);
        return Response.redirect(back, 302);
      }
      if (url.pathname === "/login/oauth/access_token") {
        const form = new URLSearchParams(await req.text());
        const challenge = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const digest = new Uint8Array(
          await crypto.subtle.digest(
            "SHA-256",
            new TextEncoder().encode(verifier),
          ),
        );
        const expected = btoa(String.fromCharCode(...digest))
          .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
        if (
          !challenge || challenge !== expected ||
          form.get("client_secret") !== "gh-secret"
        ) {
          return Response.json({ error: "bad_verification_code" });
        }
        return Response.json({
          access_token: "gho_x",
          token_type: "bearer",
          scope: "read:user",
        });
      }
      if (url.pathname === "/user") {
        if (req.headers.get("authorization") !== "Bearer gho_x") {
          return new Response("", { status: 401 });
        }
        return Response.json(fake.user);
      }
      return new Response("", { status: 404 });
    },
  );
  fake.url = `http://127.0.0.1:${fake.server.addr.port}`;
  return fake;
}

async function withGitHub(
  fn: (
    ctx: { fake: FakeGitHub; auth: ReturnType<typeof createAuth>; kv: Deno.Kv },
  ) => Promise<void>,
) {
  const fake = fakeGitHub();
  const kv = await openKvWithoutQueues(":memory:");
  try {
    const auth = createAuth({
      kv,
      sessionTtlSeconds: 60,
      provider: githubProvider({
        clientId: "gh-client",
        clientSecret: "gh-secret",
        endpoints: {
          authorization: `${fake.url}/login/oauth/authorize`,
          token: `${fake.url}/login/oauth/access_token`,
          user: `${fake.url}/user`,
        },
      }),
    });
    await fn({ fake, auth, kv });
  } finally {
    kv.close();
    await fake.server.shutdown();
  }
}

/** Runs signIn and the fake's authorize step; returns the callback request. */
async function callbackRequest(
  auth: ReturnType<typeof createAuth>,
): Promise<Request> {
  const start = await auth.signIn(new Request(`${APP}/auth/signin`));
  const cookie = start.headers.getSetCookie()[0].split(";")[0];
  const authorize = new URL(start.headers.get("location")!);
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  assert.equal(authorize.searchParams.get("client_id"), "gh-client");
  const res = await fetch(authorize, { redirect: "manual" });
  await res.body?.cancel();
  return new Request(res.headers.get("location")!, { headers: { cookie } });
}

Deno.test("GitHub: sign-in makes a github:<id> user from /user", async () => {
  await withGitHub(async ({ fake, auth }) => {
    fake.user = {
      id: 583231,
      login: "octocat",
      name: "The Octocat",
      avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4",
    };
    const result = await auth.handleCallback(await callbackRequest(auth));
    assert.deepEqual(result.user, {
      id: "github:583231",
      provider: "github",
      login: "octocat",
      name: "The Octocat",
      avatarUrl: "https://avatars.githubusercontent.com/u/583231?v=4",
    });
    await result.response.body?.cancel();
  });
});

Deno.test("GitHub: a refused code (200 with error) is token_rejected", async () => {
  await withGitHub(async ({ auth }) => {
    const req = await callbackRequest(auth);
    const url = new URL(req.url);
    url.searchParams.set("code", "forged");
    await assert.rejects(
      auth.handleCallback(new Request(url, { headers: req.headers })),
      (e) =>
        e instanceof AuthError && e.code === "token_rejected" &&
        e.providerError === "bad_verification_code",
    );
  });
});

Deno.test("GitHub: a user record without an id fails as invalid_user", async () => {
  await withGitHub(async ({ fake, auth, kv }) => {
    fake.user = { login: "ghost" };
    await assert.rejects(
      auth.handleCallback(await callbackRequest(auth)),
      (e) => e instanceof AuthError && e.code === "invalid_user",
    );
    for await (const _ of kv.list({ prefix: ["sessions"] })) {
      assert.fail("session stored");
    }
  });
});
