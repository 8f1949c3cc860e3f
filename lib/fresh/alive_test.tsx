import assert from "node:assert/strict";
import { setDevMode } from "./build.ts";
import { createHandler, type Manifest } from "./server.ts";

const manifest: Manifest = {
  routes: { "./routes/index.tsx": { default: () => <p>page</p> } },
  islands: {},
  baseUrl: new URL("../../tests/fixtures/app/fresh.gen.ts", import.meta.url)
    .href,
};

Deno.test("under dev() pages hold a live-reload socket; otherwise no script", async () => {
  const prod = await createHandler(manifest);
  const page = await (await prod(new Request("http://localhost/"))).text();
  assert.doesNotMatch(page, /<script/);
  const hidden = await prod(new Request("http://localhost/_frsh/alive.js"));
  assert.equal(hidden.status, 404);
  await hidden.body?.cancel();

  setDevMode(true);
  try {
    const handler = await createHandler(manifest);
    const html = await (await handler(new Request("http://localhost/"))).text();
    assert.match(
      html,
      /<script type="module" src="\/_frsh\/alive\.js"><\/script><\/body>/,
    );
    const script = await handler(
      new Request("http://localhost/_frsh/alive.js"),
    );
    assert.equal(
      script.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.match(await script.text(), /WebSocket/);

    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req, info) => handler(req, info),
    );
    try {
      const ws = new WebSocket(
        `ws://127.0.0.1:${server.addr.port}/_frsh/alive`,
      );
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const closed = new Promise((resolve) => ws.onclose = resolve);
      ws.close();
      await closed;
    } finally {
      await server.shutdown();
    }
  } finally {
    setDevMode(false);
  }
});
