import assert from "node:assert/strict";
import { bundle } from "./bundler.ts";
import { collectIslands } from "./islands.ts";
import * as LiveStatus from "../../tests/fixtures/lazy/islands/LiveStatus.tsx";

const ROOT = new URL("../../tests/fixtures/lazy", import.meta.url).pathname;

Deno.test("an island's dynamic import of an npm package becomes its own lazy chunk", async () => {
  const islands = collectIslands(
    { "./islands/LiveStatus.tsx": LiveStatus },
    ROOT,
  );
  const files = await bundle(ROOT, islands);
  const decode = (name: string) => new TextDecoder().decode(files.get(name));
  const island = decode("island-livestatus.js");
  // The runtime loads the signals library lazily too; one of the lazy
  // chunks is the SDK's.
  const lazy = [...island.matchAll(/import\("\.\/(chunk-[\w-]+\.js)"\)/g)]
    .map((m) => m[1]).find((chunk) => /BaseRealtime|ably/i.test(decode(chunk)));
  assert.ok(lazy, "the island loads the SDK's chunk with import()");
  assert.doesNotMatch(
    island,
    /ably-js/,
    "the SDK itself stays out of the entry",
  );
  const staticImports = [...island.matchAll(/from"\.\/(chunk-[\w-]+\.js)"/g)]
    .map((m) => m[1]);
  assert.ok(!staticImports.includes(lazy));
});
