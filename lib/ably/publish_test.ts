import assert from "node:assert/strict";
import { Secret } from "../platform/secret.ts";
import { serverClientOptions } from "./client_options.ts";
import { createPublisher } from "./publish.ts";
import { createTokenService } from "./tokens.ts";

Deno.test("the publisher posts to the user's channel with the key", async () => {
  const posts: { path: string; auth: string | null; body: unknown }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      posts.push({
        path: new URL(request.url).pathname,
        auth: request.headers.get("authorization"),
        body: await request.json(),
      });
      return Response.json({ channel: "x", messageId: "m", serials: ["s"] }, {
        status: 201,
      });
    },
  );
  const tokens = createTokenService({
    key: { keyName: "appId.keyId", keySecret: new Secret("pub-secret-1") },
    mode: "request",
    ttlMs: 60_000,
    clientOptions: serverClientOptions({
      endpoint: new URL(`http://127.0.0.1:${server.addr.port}`),
    }),
  });
  try {
    const publisher = createPublisher(tokens.rest);
    await publisher.publishToUser("github:42", "notice", { at: 1 });
  } finally {
    tokens.close();
    await server.shutdown();
  }
  assert.deepEqual(posts.map((p) => p.path), [
    "/channels/user%3Agithub%3A42/messages",
  ]);
  assert.equal(posts[0].auth, "Basic " + btoa("appId.keyId:pub-secret-1"));
  // RSL4d: JSON data travels as a string with `encoding: "json"`.
  assert.partialDeepStrictEqual(posts[0].body, [
    { name: "notice", data: '{"at":1}', encoding: "json" },
  ]);
});
