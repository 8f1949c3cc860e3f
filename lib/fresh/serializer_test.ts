import assert from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Signal, signal } from "@preact/signals";
import { deserializeIslandProps, hasSignals } from "./deserializer.ts";
import { IslandPropsError, serializeIslandProps } from "./serializer.ts";
import { Slot } from "./slot.ts";

const roundTrip = (props: Record<string, unknown>) =>
  deserializeIslandProps(
    serializeIslandProps([{ id: "x_default", props }]),
    signal,
  )[0];

Deno.test("JSON props reach the island unchanged", () => {
  const props = {
    text: 'héllo \u2028 "quoted"',
    n: 42.5,
    yes: true,
    none: null,
    list: [1, "two", { three: [3] }],
    nested: { a: { b: { c: "deep" } } },
  };
  assert.deepEqual(roundTrip(props), props);
});

Deno.test("numbers JSON cannot carry, bigint and undefined survive", () => {
  const out = roundTrip({
    nan: NaN,
    inf: -Infinity,
    big: 2n ** 70n,
    u: undefined,
  });
  assert.ok(Number.isNaN(out.nan));
  assert.equal(out.inf, -Infinity);
  assert.equal(out.big, 2n ** 70n);
  assert.ok("u" in out);
  assert.equal(out.u, undefined);
});

Deno.test("a signal prop comes back as a signal with its value", () => {
  const count = signal(7);
  const out = roundTrip({ count, list: signal([1, 2]) });
  const revived = out.count as Signal<number>;
  assert.ok(revived instanceof Signal);
  assert.equal(revived.value, 7);
  assert.deepEqual((out.list as Signal<number[]>).value, [1, 2]);
});

Deno.test("one signal shared by two islands stays one signal", () => {
  const shared = signal("a");
  const text = serializeIslandProps([
    { id: "a_default", props: { s: shared } },
    { id: "b_default", props: { s: shared } },
  ]);
  const [a, b] = deserializeIslandProps(text, signal);
  assert.equal(a.s, b.s);
  (a.s as Signal<string>).value = "b";
  assert.equal((b.s as Signal<string>).value, "b");
});

Deno.test("Uint8Array and Date props survive the trip", () => {
  const bytes = new Uint8Array([0, 1, 127, 128, 255]);
  const when = new Date("2026-11-25T19:30:00.000Z");
  const out = roundTrip({ bytes, when, bad: new Date(NaN) });
  assert.deepEqual(out.bytes, bytes);
  assert.ok(out.when instanceof Date);
  assert.equal((out.when as Date).toISOString(), when.toISOString());
  assert.ok(Number.isNaN((out.bad as Date).getTime()));
});

Deno.test("an object with its own _f key is not mistaken for a tag", () => {
  const props = { weird: { _f: "s", v: 1 } };
  assert.deepEqual(roundTrip(props), props);
});

Deno.test("children come back as the server-rendered HTML", () => {
  const children = h(Slot, { html: "<em>hi</em> there" });
  const out = roundTrip({ children });
  assert.equal(
    renderToString(out.children as ReturnType<typeof h>),
    renderToString(children),
  );
});

Deno.test("a function prop fails with the island and prop named", () => {
  assert.throws(
    () =>
      serializeIslandProps([{
        id: "counter_default",
        props: { options: { onChange: () => {} } },
      }]),
    (err: unknown) => {
      assert.ok(err instanceof IslandPropsError);
      assert.match(err.message, /Island "counter_default"/);
      assert.match(err.message, /prop "options\.onChange"/);
      assert.match(err.message, /a function/);
      return true;
    },
  );
  assert.throws(
    () =>
      serializeIslandProps([{ id: "x_default", props: { s: Symbol("s") } }]),
    /prop "s": a symbol/,
  );
  assert.throws(
    () => serializeIslandProps([{ id: "x_default", props: { m: new Map() } }]),
    /prop "m": a Map/,
  );
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(
    () => serializeIslandProps([{ id: "x_default", props: { loop } }]),
    /prop "loop\.self": a cycle/,
  );
});

Deno.test("a prop cannot close the script tag or open a comment", () => {
  const text = serializeIslandProps([{
    id: "x_default",
    props: { evil: "</script><script>alert(1)</script><!-- x" },
  }]);
  assert.doesNotMatch(text, /<\/script/i);
  assert.doesNotMatch(text, /<!--/);
  assert.equal(
    deserializeIslandProps(text, signal)[0].evil,
    "</script><script>alert(1)</script><!-- x",
  );
});

Deno.test("props without a signal need no signal library; with one, they ask for it", () => {
  const plain = serializeIslandProps([{ id: "x_default", props: { n: 1 } }]);
  assert.equal(hasSignals(plain), false);
  assert.deepEqual(deserializeIslandProps(plain), [{ n: 1 }]);
  // Text that spells a signal's tag is escaped, so it is no signal.
  const text = serializeIslandProps([{
    id: "x_default",
    props: { t: '"_f":"s"' },
  }]);
  assert.equal(hasSignals(text), false);
  const withSignal = serializeIslandProps([{
    id: "x_default",
    props: { s: signal(2) },
  }]);
  assert.equal(hasSignals(withSignal), true);
  assert.throws(() => deserializeIslandProps(withSignal), /pass signal/);
});
