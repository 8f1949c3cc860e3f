import assert from "node:assert/strict";
import { defineConfig, start } from "./server.ts";

let slowStarted = Promise.withResolvers<void>();

const manifest = {
  routes: {
    "./routes/index.tsx": { default: () => <p>served</p> },
    "./routes/slow.ts": {
      handler: async () => {
        slowStarted.resolve();
        await new Promise((resolve) => setTimeout(resolve, 200));
        return new Response("finished");
      },
    },
  },
  islands: {},
  baseUrl: new URL("../../tests/fixtures/app/fresh.gen.ts", import.meta.url)
    .href,
};

Deno.test("start() serves with config.server and resolves only after its signal stopped it", async () => {
  const controller = new AbortController();
  const listening = Promise.withResolvers<number>();
  const config = defineConfig({
    server: {
      hostname: "127.0.0.1",
      port: 0,
      signal: controller.signal,
      onListen: (addr: Deno.NetAddr) => listening.resolve(addr.port),
    },
  });
  let stopped = false;
  const running = start(manifest, config).then((value) => {
    stopped = true;
    return value;
  });
  const port = await listening.promise;
  const res = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<p>served<\/p>/);
  assert.equal(stopped, false, "start() resolved while the server was up");

  // A request in flight when the signal fires is still answered.
  slowStarted = Promise.withResolvers<void>();
  const slow = fetch(`http://127.0.0.1:${port}/slow`);
  await slowStarted.promise;
  controller.abort();
  const answer = await slow;
  assert.equal(await answer.text(), "finished");
  assert.equal(await running, undefined);
  assert.equal(stopped, true);
});
