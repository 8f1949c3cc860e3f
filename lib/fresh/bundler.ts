/**
 * Island bundles: esbuild (from npm) builds one entry per island module
 * (`island-<name>.js`: the module and the browser runtime, `client.ts`, which
 * it boots), for the browser, as ES modules with code splitting, minified;
 * code shared by several entries (Preact, signals, the runtime) lands in
 * common chunks, and a dynamic `import()` in an island (e.g. `ably/modular`)
 * becomes its own chunk loaded only when called.
 *
 * Why esbuild's JS API rather than `deno bundle`: it runs in-process without
 * spawning a Deno subprocess per build, returns files in memory (`write:
 * false`, so `start` on Deno Deploy needs no writable file system), and takes
 * ~100 ms here. It resolves bare imports through `node_modules` only, so a
 * small plugin maps the `deno.json` import map first (`$fresh/` to this
 * folder, `npm:` aliases to their package names).
 */
import childProcess, { type ChildProcess } from "node:child_process";
import * as esbuild from "esbuild";
import type { Island } from "./islands.ts";

/**
 * The result of a build: file name (no folder) to content; bundles and the
 * licence texts taken out of them (`<bundle>.LEGAL.txt`).
 */
export type BundleFiles = Map<string, Uint8Array>;

/** Finds the nearest `deno.json` at or above `dir` and returns its imports. */
async function readImportMap(
  dir: string,
): Promise<{ base: string; imports: Record<string, string> }> {
  for (let d = dir; d; d = d.slice(0, d.lastIndexOf("/"))) {
    try {
      const json = JSON.parse(await Deno.readTextFile(`${d}/deno.json`));
      return { base: d, imports: json.imports ?? {} };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return { base: dir, imports: {} };
}

/** `npm:pkg@1.2.3/sub` or `npm:/pkg@1.2.3/sub` to `pkg/sub`. */
function npmName(target: string): string {
  const spec = target.slice(4).replace(/^\//, "");
  const at = spec.indexOf("@", spec.startsWith("@") ? 1 : 0);
  if (at === -1) return spec;
  const slash = spec.indexOf("/", at);
  return spec.slice(0, at) + (slash === -1 ? "" : spec.slice(slash));
}

/** The bundles' JSX runtime, in place of `preact/jsx-runtime`. */
const JSX_RUNTIME = new URL("./jsx_runtime.ts", import.meta.url).pathname;

/** The browser runtime every island entry boots. */
const CLIENT = new URL("./client.ts", import.meta.url).pathname;

/** Resolves the automatic JSX transform's import to `jsx_runtime.ts`. */
const jsxRuntimePlugin: esbuild.Plugin = {
  name: "fresh-jsx-runtime",
  setup(build) {
    build.onResolve(
      { filter: /^preact\/jsx-(dev-)?runtime$/ },
      () => ({ path: JSX_RUNTIME }),
    );
  },
};

/** Namespace of the generated island entries. */
const ENTRY = "frsh-island-entry";

/**
 * Generates each island entry: the island module's components handed to the
 * runtime under the entry's name (`client.ts`'s `boot()`). Named imports
 * rather than `import * as`: a namespace object needs an esbuild helper that
 * the lazy chunks would share, which makes a chunk of its own.
 */
function islandEntryPlugin(islands: Island[]): esbuild.Plugin {
  const modules = new Map<string, { path: string; names: string[] }>();
  for (const island of islands) {
    const module = modules.get(island.entry) ??
      { path: island.path, names: [] };
    module.names.push(island.exportName);
    modules.set(island.entry, module);
  }
  return {
    name: "fresh-island-entries",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY}:`) }, (args) => ({
        path: args.path.slice(ENTRY.length + 1),
        namespace: ENTRY,
      }));
      build.onLoad({ filter: /.*/, namespace: ENTRY }, (args) => {
        const { path, names } = modules.get(args.path)!;
        const json = JSON.stringify;
        const locals = names.map((name, i) => `${json(name)} as c${i}`);
        const exports = names.map((name, i) => `${json(name)}: c${i}`);
        return {
          contents: `import { boot } from ${json(CLIENT)};\n` +
            `import { ${locals.join(", ")} } from ${json(path)};\n` +
            `boot(${json(args.path)}, { ${exports.join(", ")} });\n`,
          loader: "js",
          resolveDir: CLIENT.slice(0, CLIENT.lastIndexOf("/")),
        };
      });
    },
  };
}

function importMapPlugin(
  base: string,
  imports: Record<string, string>,
): esbuild.Plugin {
  const keys = Object.keys(imports).sort((a, b) => b.length - a.length);
  const map = (spec: string): string | undefined => {
    for (const key of keys) {
      const exact = key === spec;
      if (!exact && !(key.endsWith("/") && spec.startsWith(key))) continue;
      const target = imports[key] + (exact ? "" : spec.slice(key.length));
      if (target.startsWith("npm:")) return npmName(target);
      if (target.startsWith("./") || target.startsWith("../")) {
        return new URL(target, `file://${base}/`).pathname;
      }
      return target;
    }
  };
  return {
    name: "deno-import-map",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "mapped") return undefined;
        const mapped = map(args.path);
        if (mapped === undefined || mapped === args.path) return undefined;
        if (mapped.startsWith("/")) return { path: mapped };
        return await build.resolve(mapped, {
          kind: args.kind,
          resolveDir: base,
          importer: args.importer,
          pluginData: "mapped",
        });
      });
    },
  };
}

// esbuild runs one shared service process and `stop()` ends it for every
// caller, so builds take turns.
let queue: Promise<unknown> = Promise.resolve();

/**
 * Bundles the client entry and the island modules; `root` is the project
 * folder (where `deno.json` and `node_modules` are).
 */
export function bundle(root: string, islands: Island[]): Promise<BundleFiles> {
  const run = queue.then(() => bundleNow(root, islands));
  queue = run.catch(() => {});
  return run;
}

async function bundleNow(
  root: string,
  islands: Island[],
): Promise<BundleFiles> {
  const { base, imports } = await readImportMap(root);
  const entryPoints: Record<string, string> = {};
  for (const island of islands) {
    entryPoints[island.entry] = `${ENTRY}:${island.entry}`;
  }
  let service: ChildProcess | undefined;
  const spawn = childProcess.spawn;
  // esbuild's stop() kills its service process without waiting for it to
  // exit, which would leave a live child process behind every build (and
  // fail tests run with --sanitize-resources). The process is spawned
  // synchronously inside build(), so borrowing spawn() for exactly that call
  // gives us the handle to wait on.
  childProcess.spawn =
    ((...args: Parameters<typeof spawn>) =>
      service = spawn(...args)) as typeof spawn;
  let building: Promise<esbuild.BuildResult<{ write: false }>>;
  try {
    building = esbuild.build({
      entryPoints,
      bundle: true,
      platform: "browser",
      format: "esm",
      target: ["es2022"],
      splitting: true,
      minify: true,
      treeShaking: true,
      // Licence headers (ably-js has one) go to `<file>.LEGAL.txt` beside
      // each bundle, served with it, instead of into every page's download.
      legalComments: "external",
      write: false,
      outdir: "/_frsh_out",
      entryNames: "[name]",
      chunkNames: "chunk-[hash]",
      jsx: "automatic",
      jsxImportSource: "preact",
      absWorkingDir: base,
      nodePaths: [`${base}/node_modules`],
      logLevel: "silent",
      plugins: [
        islandEntryPlugin(islands),
        jsxRuntimePlugin,
        importMapPlugin(base, imports),
      ],
    });
  } finally {
    childProcess.spawn = spawn;
  }
  try {
    const result = await building;
    const files: BundleFiles = new Map();
    for (const file of result.outputFiles) {
      files.set(file.path.slice("/_frsh_out/".length), file.contents);
    }
    return files;
  } finally {
    const exited = service && service.exitCode === null &&
        service.signalCode === null
      ? new Promise((resolve) => service!.once("exit", resolve))
      : undefined;
    // esbuild unrefs its process; ref it so the wait keeps the loop alive.
    service?.ref();
    await esbuild.stop();
    await exited;
  }
}
