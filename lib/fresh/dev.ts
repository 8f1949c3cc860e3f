/**
 * `$fresh/dev.ts`: the development entry. `dev()` regenerates
 * `fresh.gen.ts`, then either builds `_fresh/` and exits (argument `build`,
 * for `deno task build`) or imports the app's entry point in development
 * mode: the prebuilt snapshot is ignored, so bundles always follow the
 * source while `deno task dev` restarts on changes, and open pages reload
 * after each restart (`alive.ts`).
 */
import { buildInMemory, setDevMode, writeBuild } from "./build.ts";
import { projectRoot, resolveConfig } from "./handler.ts";
import { collectIslands } from "./islands.ts";
import { loadStaticFiles } from "./static_files.ts";
import type { FreshConfig, Manifest } from "./types.ts";
import { writeManifest } from "./manifest_gen.ts";

/** Builds the app of `root` into its output folder. */
export async function build(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<void> {
  const resolved = resolveConfig(manifest, config);
  const root = projectRoot(manifest);
  const islands = collectIslands(manifest.islands, root);
  const staticFiles = await loadStaticFiles(resolved.staticDir);
  const result = await buildInMemory(root, islands, staticFiles.entries);
  await writeBuild(resolved.build.outDir, result, islands);
  let bytes = 0;
  for (const content of result.files.values()) bytes += content.length;
  console.log(
    `Built ${result.files.size} files (${bytes} bytes) into ${resolved.build.outDir}, build id ${result.buildId}`,
  );
}

/**
 * Regenerates `fresh.gen.ts` next to `base` (the caller's
 * `import.meta.url`), then builds (`deno run -A dev.ts build`) or runs the
 * app's `entrypoint`.
 */
async function dev(
  base: string,
  entrypoint: string,
  config: FreshConfig = {},
): Promise<void> {
  const root = new URL(".", base).pathname.replace(/\/$/, "");
  await writeManifest(root);
  if (Deno.args.includes("build")) {
    const manifest = (await import(new URL("./fresh.gen.ts", base).href))
      .default as Manifest;
    await build(manifest, config);
    Deno.exit(0);
  }
  setDevMode(true);
  await import(new URL(entrypoint, base).href);
}

export default dev;
