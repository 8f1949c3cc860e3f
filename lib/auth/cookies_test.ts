import assert from "node:assert/strict";
import {
  clearSessionCookie,
  newSessionId,
  readSessionId,
  sessionCookie,
} from "./cookies.ts";

const id = newSessionId();
const http = (cookie?: string) =>
  new Request("http://127.0.0.1:8000/", {
    headers: cookie === undefined ? {} : { cookie },
  });
const https = (cookie?: string) =>
  new Request("https://live.example/", {
    headers: cookie === undefined ? {} : { cookie },
  });

Deno.test("session ids are 43 base64url characters and differ each time", () => {
  assert.match(id, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newSessionId(), newSessionId());
});

Deno.test("the cookie is __Host-session with Secure over https, session over plain http", () => {
  assert.equal(
    sessionCookie(true, id, 604800),
    `__Host-session=${id}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax; Secure`,
  );
  assert.equal(
    sessionCookie(false, id, 60),
    `session=${id}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`,
  );
  assert.match(clearSessionCookie(true), /^__Host-session=; Max-Age=0;/);
  assert.equal(readSessionId(https(`__Host-session=${id}`), true), id);
  assert.equal(readSessionId(https(`session=${id}`), true), null);
  assert.equal(readSessionId(http(`a=b; session=${id}; c=d`), false), id);
});

Deno.test("malformed cookie headers read as no session, never throw", () => {
  const bad = [
    undefined,
    "",
    "session",
    "session=",
    `session=${id.slice(1)}`,
    `session=${id}A`,
    `session=${id.slice(1)}+`,
    `session=${id.slice(1)}=`,
    `session=${id}; session=${id}`,
    `session=${id}; session=${newSessionId()}`,
    `session=${id}; pad=${"a".repeat(9000)}`,
    `session="${id}"`,
    "session=%00%01",
    ";;;=;=session",
  ];
  for (const cookie of bad) {
    assert.equal(
      readSessionId(http(cookie), false),
      null,
      String(cookie).slice(0, 50),
    );
  }
});
