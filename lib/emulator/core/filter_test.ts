import assert from "node:assert/strict";
import { AblyError } from "./errors.ts";
import { compileFilter } from "./filter.ts";

const msg = (name: string, headers?: Record<string, unknown>) => ({
  name,
  extras: headers ? { headers } : undefined,
});

Deno.test("filter: the documented subset of JMESPath", () => {
  const cases: Array<[string, ReturnType<typeof msg>, boolean]> = [
    ["name == 'ice-cream'", msg("ice-cream"), true],
    ['name == `"ice-cream"`', msg("sorbet"), false],
    [
      "headers.flavor == 'strawberry'",
      msg("x", { flavor: "strawberry" }),
      true,
    ],
    [
      "headers.cost > `30` && headers.temp < `5`",
      msg("x", { cost: 35, temp: 3 }),
      true,
    ],
    [
      "headers.cost > `30` && headers.temp < `5`",
      msg("x", { cost: 35, temp: 9 }),
      false,
    ],
    ["headers.a == 'x' || headers.b == 'y'", msg("x", { b: "y" }), true],
    ["!(headers.a == 'x')", msg("x", { a: "x" }), false],
    ['headers."my-key" != `null`', msg("x", { "my-key": 1 }), true],
    ["headers.missing", msg("x", {}), false],
    ["headers.flag", msg("x", { flag: true }), true],
    // Ordering of strings is null in JMESPath, so false.
    ["headers.s > 'a'", msg("x", { s: "b" }), false],
    ["headers.n >= `2`", msg("x"), false],
  ];
  for (const [expr, message, want] of cases) {
    assert.equal(compileFilter(expr)(message), want, expr);
  }
});

Deno.test("filter: outside the subset is refused with 40010, bounded", () => {
  for (
    const expr of [
      "",
      "data == 'x'",
      "name ==",
      "name == 'x' &&",
      "(name == 'x'",
      "name == `{bad`",
      "name == 'unterminated",
      "headers[0]",
      "name == 'a' name",
      "(".repeat(40) + "name" + ")".repeat(40),
      "name == 'a' || ".repeat(100) + "name == 'b'",
    ]
  ) {
    assert.throws(
      () => compileFilter(expr),
      (e: unknown) => e instanceof AblyError && e.code === 40010,
      expr,
    );
  }
});
