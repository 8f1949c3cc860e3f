/**
 * Where the app runs there are no KV queues: Deno Deploy does not support
 * `enqueue`/`listenQueue`, and KV Connect (self-hosted `denokv`, Deploy's
 * KV from outside) has no such operations. The suite runs the app on a KV
 * that refuses them (`helpers/kv_without_queues.ts`); this test also reads
 * the source, so a queue call on a path no test reaches is caught too.
 */
import assert from "node:assert/strict";
import { openKvWithoutQueues } from "./helpers/kv_without_queues.ts";

const ROOT = new URL("..", import.meta.url);
/** The emulator is not the app: it never touches KV. */
const SKIP =
  /(^|\/)(node_modules|_fresh|\.data|lib\/emulator)(\/|$)|_test\.tsx?$/;

async function* sources(dir: URL, path = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(path, dir))) {
    const child = path ? `${path}/${entry.name}` : entry.name;
    if (SKIP.test(child)) continue;
    if (entry.isDirectory) yield* sources(dir, child);
    else if (/\.tsx?$/.test(entry.name)) yield child;
  }
}

Deno.test("no app code calls a KV queue", async () => {
  const calls: string[] = [];
  for (const top of ["lib", "routes", "islands"]) {
    for await (const file of sources(ROOT, top)) {
      const text = await Deno.readTextFile(new URL(file, ROOT));
      text.split("\n").forEach((line, i) => {
        // `controller.enqueue` is a ReadableStream's, not KV's.
        if (
          /\.(enqueue|listenQueue)\(/.test(line) &&
          !/controller\.enqueue/.test(line)
        ) {
          calls.push(`${file}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  for (const file of ["main.ts", "dev.ts", "fresh.config.ts"]) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    if (/\.(enqueue|listenQueue)\(/.test(text)) calls.push(file);
  }
  assert.deepEqual(calls, []);
});

Deno.test("the test KV refuses queues as KV Connect does, and serves everything else", async () => {
  const kv = await openKvWithoutQueues();
  try {
    assert.throws(() => kv.enqueue("x"), /not supported/);
    assert.throws(() => kv.listenQueue(() => {}), /not supported/);
    assert.throws(
      () => kv.atomic().set(["a"], 1).enqueue("x"),
      /not supported/,
    );
    assert.ok((await kv.atomic().set(["a"], 1).commit()).ok);
    assert.equal((await kv.get(["a"])).value, 1);
  } finally {
    kv.close();
  }
});
