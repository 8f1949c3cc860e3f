import assert from "node:assert/strict";
import { defineConfig, start } from "./server.ts";

Deno.test("start() serves the manifest with Deno.serve options from config.server", async () => {
  const config = defineConfig({
    server: { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  });
  const server = await start({
    routes: { "./routes/index.tsx": { default: () => <p>served</p> } },
    islands: {},
    baseUrl: new URL("../../tests/fixtures/app/fresh.gen.ts", import.meta.url)
      .href,
  }, config);
  try {
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<p>served<\/p>/);
  } finally {
    await server.shutdown();
  }
});
