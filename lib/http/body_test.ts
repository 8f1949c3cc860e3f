/** The one body reader, for JSON and forms alike: type, size, shape. */
import assert from "node:assert/strict";
import {
  BodyError,
  MAX_BODY_BYTES,
  readFormBody,
  readJsonBody,
} from "./body.ts";
import { HttpError } from "./json.ts";

const post = (body: BodyInit, type: string, headers: HeadersInit = {}) =>
  new Request("http://localhost/", {
    method: "POST",
    body,
    headers: { "content-type": type, ...headers },
  });

async function refusal(promise: Promise<unknown>): Promise<BodyError> {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error instanceof BodyError, String(error));
  assert.ok(error instanceof HttpError);
  return error;
}

Deno.test("JSON and forms are read under one type check and one limit", async () => {
  assert.deepEqual(
    await readJsonBody(post('{"a":1}', "application/json; charset=utf-8")),
    { a: 1 },
  );
  const form = await readFormBody(
    post("name=x&private=on", "application/x-www-form-urlencoded"),
  );
  assert.deepEqual([...form], [["name", "x"], ["private", "on"]]);

  for (
    const [read, wrongType] of [
      [readJsonBody, "application/x-www-form-urlencoded"],
      [readFormBody, "application/json"],
    ] as const
  ) {
    assert.equal((await refusal(read(post("a=1", wrongType)))).status, 415);
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    const rightType = wrongType === "application/json"
      ? "application/x-www-form-urlencoded"
      : "application/json";
    assert.equal((await refusal(read(post(big, rightType)))).status, 413);
    // A lying Content-Length is no way past the limit: reading stops there.
    const stream = new Blob([big]).stream();
    assert.equal(
      (await refusal(read(post(stream, rightType, { "content-length": "2" }))))
        .status,
      413,
    );
  }
});

Deno.test("JSON that is malformed or no object is 400", async () => {
  for (const body of ['{"a": ', "[1]", "null", "42", "\xff"]) {
    const error = await refusal(readJsonBody(post(body, "application/json")));
    assert.equal(error.status, 400, body);
  }
});
