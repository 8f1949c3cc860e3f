import assert from "node:assert/strict";
import { buildInMemory, loadBuild, writeBuild } from "./build.ts";
import { collectIslands } from "./islands.ts";
import * as Counter from "../../tests/fixtures/counter/islands/Counter.tsx";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const islands = collectIslands(
  { "./tests/fixtures/counter/islands/Counter.tsx": Counter },
  ROOT,
);

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return await new Response(
    new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).bytes();
}

Deno.test("a written build is served as written: each bundle and its gzip, no bundling at start", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "fresh-build-" });
  try {
    const built = await buildInMemory(ROOT, islands, []);
    await writeBuild(outDir, built, islands);
    const loaded = await loadBuild(ROOT, outDir, islands, []);
    assert.equal(loaded.buildId, built.buildId);
    // The largest bundle, where gzip has most to find.
    const [name] = [...built.files].filter(([n]) => n.endsWith(".js"))
      .sort((a, b) => b[1].length - a[1].length)[0];
    const plain = await loaded.file(name);
    assert.deepEqual(plain, built.files.get(name));
    const zipped = await loaded.gzipped(name);
    assert.ok(zipped && zipped.length < plain!.length / 2);
    assert.deepEqual(await gunzip(zipped as Uint8Array<ArrayBuffer>), plain);
    assert.equal(await loaded.gzipped("no-such.js"), undefined);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a build written without gzip encodings is bundled again in memory", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "fresh-build-" });
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args[0]);
  try {
    await Deno.writeTextFile(
      `${outDir}/snapshot.json`,
      JSON.stringify({
        build_id: "old",
        files: ["island-counter.js"],
        islands: islands.map((i) => i.id),
      }),
    );
    const loaded = await loadBuild(ROOT, outDir, islands, []);
    assert.notEqual(loaded.buildId, "old");
    assert.ok(await loaded.gzipped("island-counter.js"));
    assert.match(String(warnings[0]), /deno task build/);
  } finally {
    console.warn = warn;
    await Deno.remove(outDir, { recursive: true });
  }
});
