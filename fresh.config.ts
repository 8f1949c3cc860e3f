import { defineConfig } from "$fresh/server.ts";
import { livePlugin } from "./lib/app/plugin.ts";

export default defineConfig({
  plugins: [livePlugin()],
});
