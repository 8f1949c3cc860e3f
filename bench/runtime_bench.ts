/**
 * Hot paths of lib/fresh: server render of a page with an island through
 * `createHandler` (routing, `_app`, island markers, props script), a page
 * without islands, a static file with a matching ETag, and island props
 * serialization. Run with `deno task bench`; results are read, not asserted.
 */
import { signal } from "@preact/signals";
import { createHandler } from "$fresh/server.ts";
import { serializeIslandProps } from "../lib/fresh/serializer.ts";
import * as $_app from "../routes/_app.tsx";
import * as $about from "../routes/about.tsx";
import * as $index from "../tests/fixtures/counter/routes/index.tsx";
import * as $Counter from "../tests/fixtures/counter/islands/Counter.tsx";

// The pages measured, without the app's middleware and its services.
const handler = await createHandler({
  routes: {
    "./routes/_app.tsx": $_app,
    "./routes/about.tsx": $about,
    "./routes/index.tsx": $index,
  },
  islands: { "./tests/fixtures/counter/islands/Counter.tsx": $Counter },
  baseUrl: new URL("../fresh.gen.ts", import.meta.url).href,
});
const home = new Request("http://localhost/");
const about = new Request("http://localhost/about");
const css = await handler(new Request("http://localhost/styles.css"));
await css.body?.cancel();
const etag = css.headers.get("etag")!;

Deno.bench("SSR of a page with an island (the Counter fixture)", async () => {
  await (await handler(home.clone())).text();
});

Deno.bench("SSR of a page without islands", async () => {
  await (await handler(about.clone())).text();
});

Deno.bench("static file answered 304 by ETag", async () => {
  const res = await handler(
    new Request("http://localhost/styles.css", {
      headers: { "if-none-match": etag },
    }),
  );
  await res.body?.cancel();
});

const props = [
  { id: "counter_default", props: { count: signal(3) } },
  {
    id: "chat_default",
    props: {
      room: "lobby",
      user: { id: "github:1", login: "ada", name: "Ada", avatarUrl: null },
      messages: Array.from({ length: 20 }, (_, i) => ({
        id: i,
        text: `message ${i} </script>`,
        at: new Date(1_764_000_000_000 + i),
      })),
      key: new Uint8Array(32),
    },
  },
];

Deno.bench("island props serialization (2 islands, 20 messages)", () => {
  serializeIslandProps(props);
});
