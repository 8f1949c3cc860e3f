import assert from "node:assert/strict";
import { getManyInBatches } from "./kv_get_many.ts";

Deno.test("more keys than one getMany takes come back, in order, missing ones as null", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    for (let i = 0; i < 25; i += 2) await kv.set(["n", i], i * 10);
    const keys = Array.from({ length: 25 }, (_, i) => ["n", i]);
    const entries = await getManyInBatches<number>(kv, keys);
    assert.deepEqual(
      entries.map((e) => e.value),
      keys.map((_, i) => i % 2 === 0 ? i * 10 : null),
    );
    assert.deepEqual(entries.map((e) => e.key), keys);
    assert.deepEqual(await getManyInBatches(kv, []), []);
  } finally {
    kv.close();
  }
});
