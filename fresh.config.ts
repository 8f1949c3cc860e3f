import { defineConfig } from "$fresh/server.ts";
import { livePlugin } from "./lib/app/mod.ts";

export default defineConfig({
  plugins: [livePlugin()],
});
