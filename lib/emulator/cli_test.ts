import assert from "node:assert/strict";
import { parseArgs } from "./cli.ts";
import { TextLineStream } from "./test_helpers.ts";

async function firstLines(args: string[], count: number): Promise<string[]> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./cli.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextLineStream())
    .getReader();
  try {
    while (lines.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      lines.push(value);
    }
  } finally {
    child.kill("SIGTERM");
    await reader.cancel();
    await child.status;
  }
  return lines;
}

Deno.test("cli prints the listening line and a generated dev key", async () => {
  const [listening, key] = await firstLines(["--port", "0"], 2);
  assert.match(
    listening,
    /^ably emulator listening on http:\/\/127\.0\.0\.1:\d+$/,
  );
  assert.match(key, /^dev key: dev\w+\.\w+:[\w-]+$/);
});

Deno.test("cli accepts keys with capabilities and never prints their secrets", async () => {
  const [listening, keys] = await firstLines(
    [
      "--port",
      "0",
      "--key",
      'app.k:s3cret={"room":["subscribe"]}',
      "--key",
      "app.x:y",
    ],
    2,
  );
  assert.match(listening, /^ably emulator listening on /);
  assert.equal(keys, "keys: app.k, app.x");
});

Deno.test("cli parses --revocable and --persist, repeatable", () => {
  const args = parseArgs([
    "--key",
    "app.k:s",
    "--revocable",
    "app.k",
    "--persist=chat",
    "--persist",
    "audit",
  ]);
  assert.deepEqual(args.revocableKeys, ["app.k"]);
  assert.deepEqual(args.persist, ["chat", "audit"]);
  assert.throws(() => parseArgs(["--persist"]), /--persist needs a value/);
});
