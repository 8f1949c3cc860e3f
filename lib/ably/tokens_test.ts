import { InvalidUserIdError } from "../contract/mod.ts";
import assert from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import type * as Ably from "ably";
import { resetLogging, setupLogging } from "../platform/log.ts";
import { Secret } from "../platform/secret.ts";
import { canonicalCapability, pageCapability } from "./capability.ts";
import { serverClientOptions } from "./client_options.ts";
import type { TokenRequest } from "./token_request.ts";
import {
  AblyUnavailableError,
  createTokenService,
  type TokenServiceOptions,
} from "./tokens.ts";

const SECRET = "tokens-test-SECRET-value";
const key = { keyName: "appId.keyId", keySecret: new Secret(SECRET) };
const user = { id: "oidc:ünï:42" };
/** What a page of the lobby gets: the policy's grant, passed in. */
const capability = pageCapability(user.id, "lobby");

/** A stand-in for Ably's `POST /keys/{keyName}/requestToken` on loopback. */
function fakeAbly(
  handler: (request: Request) => Response | Promise<Response>,
): { url: URL; server: Deno.HttpServer } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handler,
  );
  return { url: new URL(`http://127.0.0.1:${server.addr.port}`), server };
}

function service(
  mode: TokenServiceOptions["mode"],
  extra: Partial<TokenServiceOptions> = {},
) {
  return createTokenService({ key, mode, ttlMs: 120_000, ...extra });
}

async function captureLogs<T>(
  run: () => Promise<T>,
): Promise<{ records: LogRecord[]; result: PromiseSettledResult<T> }> {
  const records: LogRecord[] = [];
  await setupLogging({ level: "debug", sink: (r) => records.push(r) });
  try {
    const [result] = await Promise.allSettled([run()]);
    return { records, result };
  } finally {
    await resetLogging();
  }
}

Deno.test("request mode: a TokenRequest for the user, without the secret", async () => {
  const tokens = service("request");
  try {
    const request = await tokens.issue(user, capability) as TokenRequest;
    assert.equal(request.clientId, user.id);
    assert.equal(request.keyName, "appId.keyId");
    assert.equal(request.ttl, 120_000);
    assert.equal(request.capability, canonicalCapability(capability));
    assert.ok(!JSON.stringify(request).includes(SECRET));
  } finally {
    tokens.close();
  }
});

Deno.test("jwt mode: a JWT for the user, without the secret", async () => {
  const tokens = service("jwt");
  try {
    const jwt = await tokens.issue(user, capability) as string;
    const claims = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.fromBase64(jwt.split(".")[1], { alphabet: "base64url" }),
      ),
    );
    assert.equal(claims["x-ably-clientId"], user.id);
    assert.equal(claims["x-ably-capability"], canonicalCapability(capability));
    assert.equal(claims.exp - claims.iat, 120);
    assert.ok(!JSON.stringify(jwt).includes(SECRET));
    assert.ok(
      !atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))
        .includes(SECRET),
    );
  } finally {
    tokens.close();
  }
});

Deno.test("token mode: TokenDetails from the service, asked for with the user's id and capability", async () => {
  let received: Record<string, unknown> | undefined;
  let path = "";
  const { url, server } = fakeAbly(async (request) => {
    path = new URL(request.url).pathname;
    received = await request.json();
    return Response.json({
      token: "tok-1",
      keyName: received!.keyName,
      issued: Date.now(),
      expires: Date.now() + 120_000,
      capability: received!.capability,
      clientId: received!.clientId,
    });
  });
  const tokens = service("token", {
    clientOptions: serverClientOptions({ endpoint: url }),
  });
  try {
    const details = await tokens.issue(user, capability) as Ably.TokenDetails;
    assert.equal(path, "/keys/appId.keyId/requestToken");
    assert.equal(received!.clientId, user.id);
    assert.equal(received!.capability, canonicalCapability(capability));
    assert.equal(received!.ttl, 120_000);
    assert.equal(details.token, "tok-1");
    assert.equal(details.clientId, user.id);
    assert.ok(!JSON.stringify(details).includes(SECRET));
    assert.ok(!JSON.stringify(received).includes(SECRET));
  } finally {
    tokens.close();
    await server.shutdown();
  }
});

Deno.test("token mode: nobody listening → AblyUnavailableError, logged without the secret", async () => {
  const { url, server } = fakeAbly(() => new Response());
  await server.shutdown();
  const tokens = service("token", {
    clientOptions: serverClientOptions({ endpoint: url }),
  });
  try {
    const { records, result } = await captureLogs(() =>
      tokens.issue(user, capability)
    );
    assert.equal(result.status, "rejected");
    const error = (result as PromiseRejectedResult).reason;
    assert.ok(error instanceof AblyUnavailableError, String(error));
    assert.equal(error.retryAfterSeconds, 5);
    const errors = records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.deepEqual(errors[0].category, ["live", "ably"]);
    assert.ok(!JSON.stringify(errors[0].properties).includes(SECRET));
    assert.ok(!JSON.stringify(errors[0].message).includes(SECRET));
  } finally {
    tokens.close();
  }
});

Deno.test("token mode: a service that does not answer → AblyUnavailableError after the timeout", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<
    void
  >();
  const { url, server } = fakeAbly(async () => {
    await released;
    return new Response("late");
  });
  const tokens = service("token", {
    clientOptions: serverClientOptions({ endpoint: url }),
    timeoutMs: 300,
  });
  try {
    const started = performance.now();
    const { result } = await captureLogs(() => tokens.issue(user, capability));
    const elapsed = performance.now() - started;
    assert.equal(result.status, "rejected");
    assert.ok(
      (result as PromiseRejectedResult).reason instanceof AblyUnavailableError,
    );
    assert.ok(elapsed >= 250 && elapsed < 2_000, `${elapsed} ms`);
  } finally {
    tokens.close();
    release();
    await server.shutdown();
  }
});

Deno.test("token mode: an Ably error answer → AblyUnavailableError carrying Ably's code", async () => {
  const { url, server } = fakeAbly(() =>
    new Response(
      JSON.stringify({
        error: { message: "invalid key", code: 40101, statusCode: 401 },
      }),
      { status: 401, headers: { "content-type": "application/json" } },
    )
  );
  const tokens = service("token", {
    clientOptions: serverClientOptions({ endpoint: url }),
  });
  try {
    const { result } = await captureLogs(() => tokens.issue(user, capability));
    const error = (result as PromiseRejectedResult).reason;
    assert.ok(error instanceof AblyUnavailableError, String(error));
    assert.equal(error.code, 40101);
  } finally {
    tokens.close();
    await server.shutdown();
  }
});

Deno.test("the clientId is the user's id in every mode, and a closed service refuses", async () => {
  for (const mode of ["request", "jwt"] as const) {
    const tokens = service(mode);
    const issued = await tokens.issue(
      { id: "github:7" },
      pageCapability("github:7", null),
    );
    const text = typeof issued === "string"
      ? new TextDecoder().decode(
        Uint8Array.fromBase64(issued.split(".")[1], { alphabet: "base64url" }),
      )
      : JSON.stringify(issued);
    assert.match(text, /"(x-ably-)?clientId":"github:7"/);
    tokens.close();
    await assert.rejects(
      tokens.issue({ id: "github:7" }, pageCapability("github:7", null)),
      /closed/,
    );
  }
});

Deno.test("a user id the policy refuses is a rejection, not a throw", async () => {
  for (const mode of ["request", "jwt", "token"] as const) {
    const tokens = service(mode, {
      clientOptions: serverClientOptions({
        endpoint: new URL("http://127.0.0.1:9"),
      }),
    });
    try {
      const issued = tokens.issue({ id: "github:*" }, capability);
      await assert.rejects(issued, InvalidUserIdError, mode);
    } finally {
      tokens.close();
    }
  }
});

Deno.test("the service itself serialises and prints without the key", () => {
  const tokens = service("request");
  try {
    assert.ok(tokens.rest, "the REST client is reachable");
    assert.ok(!JSON.stringify(tokens).includes(SECRET));
    assert.ok(!Deno.inspect(tokens, { depth: 10 }).includes(SECRET));
  } finally {
    tokens.close();
  }
});
