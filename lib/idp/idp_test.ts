import assert from "node:assert/strict";
import { startIdp } from "./mod.ts";

const REDIRECT = "http://127.0.0.1:8000/auth/callback";

// First in this file: oidc-provider's import-time warning is printed on the
// first start only.
Deno.test("starts fast and says nothing on the console", async () => {
  const lines: unknown[][] = [];
  const saved = { ...console };
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    console[level] = (...args: unknown[]) => lines.push(args);
  }
  let idp;
  let elapsed: number;
  try {
    const started = performance.now();
    idp = await startIdp({ redirectUris: [REDIRECT] });
    elapsed = performance.now() - started;
    const res = await fetch(
      new URL("/.well-known/openid-configuration", idp.issuer),
    );
    await res.body?.cancel();
  } finally {
    Object.assign(console, saved);
    await idp?.close();
  }
  console.log(`IdP start (first, incl. import): ${elapsed.toFixed(0)} ms`);
  assert.deepEqual(lines, []);
  assert.ok(elapsed < 3000, `start took ${elapsed} ms`);
});

Deno.test("discovery describes a loopback issuer with PKCE S256 and RFC 9207 iss", async () => {
  const idp = await startIdp({ redirectUris: [REDIRECT] });
  try {
    assert.equal(idp.issuer.hostname, "127.0.0.1");
    const res = await fetch(
      new URL("/.well-known/openid-configuration", idp.issuer),
    );
    const metadata = await res.json();
    assert.equal(metadata.issuer, idp.issuer.origin);
    assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.equal(idp.clientId, "live");
    assert.match(idp.clientSecret, /^[A-Za-z0-9_-]{43}$/);
  } finally {
    await idp.close();
  }
});

function authorize(issuer: URL, params: Record<string, string>) {
  const url = new URL("/auth", issuer);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return fetch(url, { redirect: "manual" });
}

Deno.test("PKCE is required and unknown redirect URIs are refused", async () => {
  const idp = await startIdp({ redirectUris: (uri) => uri === REDIRECT });
  try {
    const base = {
      client_id: idp.clientId,
      response_type: "code",
      scope: "openid",
      state: "s",
    };
    const noPkce = await authorize(idp.issuer, {
      ...base,
      redirect_uri: REDIRECT,
    });
    await noPkce.body?.cancel();
    assert.equal(noPkce.status, 303);
    const back = new URL(noPkce.headers.get("location")!);
    assert.equal(back.origin + back.pathname, REDIRECT);
    assert.equal(back.searchParams.get("error"), "invalid_request");

    const wrongUri = await authorize(idp.issuer, {
      ...base,
      redirect_uri: "http://127.0.0.1:9999/elsewhere",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    const text = await wrongUri.text();
    assert.equal(wrongUri.status, 400);
    assert.match(text, /Sign-in error/);
    assert.doesNotMatch(text, /stack|at file:/i);
  } finally {
    await idp.close();
  }
});

Deno.test("the login form asks for a user name only, and cookies are named idp_*", async () => {
  const idp = await startIdp({ redirectUris: [REDIRECT] });
  try {
    const res = await authorize(idp.issuer, {
      client_id: idp.clientId,
      response_type: "code",
      scope: "openid profile",
      redirect_uri: REDIRECT,
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    await res.body?.cancel();
    const cookies = res.headers.getSetCookie();
    assert.ok(cookies.length > 0);
    for (const c of cookies) assert.match(c, /^idp_/);
    const form = await fetch(
      new URL(res.headers.get("location")!, idp.issuer),
      {
        headers: { cookie: cookies.map((c) => c.split(";")[0]).join("; ") },
      },
    );
    const html = await form.text();
    assert.equal(form.status, 200);
    assert.match(html, /name="login"/);
    assert.doesNotMatch(html, /password/i);
  } finally {
    await idp.close();
  }
});
