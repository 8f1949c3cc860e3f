/**
 * The build a server runs with: bundle files, their gzip encodings and the
 * build id. From `_fresh/` when `deno task build` wrote it (`snapshot.json`
 * plus `js/`, each bundle beside its `.gz`), so start-up does no bundling and
 * no compressing; otherwise bundled once, in memory, at start-up, and
 * compressed once when a bundle is first asked for gzipped (`gzip.ts`).
 * The build id is a hash of `DENO_DEPLOYMENT_ID` when set (Fresh's rule: one
 * id per deployment), else of the bundles and static files, so a change to
 * either changes every immutable URL.
 */
import { bundle, type BundleFiles } from "./bundler.ts";
import { hashBuildId } from "./build_id.ts";
import { gzipBundles } from "./gzip.ts";
import type { Island } from "./islands.ts";

/** Bundle files and the id under which they are served. */
export interface Build {
  /** The build id. */
  buildId: string;
  /** Content of a bundle file by name, undefined when there is none. */
  file(name: string): Promise<Uint8Array | undefined>;
  /** Its gzip encoding (`gzip.ts`), undefined when there is no such file. */
  gzipped(name: string): Promise<Uint8Array | undefined>;
}

/** What `snapshot.json` holds. */
interface Snapshot {
  build_id: string;
  files: string[];
  islands: string[];
  /** Each file has its gzip encoding beside it, as `<file>.gz`. */
  gzip?: boolean;
}

let devMode = false;

/** In development the snapshot is ignored: bundles follow the source. */
export function setDevMode(on: boolean): void {
  devMode = on;
}

/** True under `dev()`: live reload on, snapshot ignored. */
export function isDevMode(): boolean {
  return devMode;
}

const bundles = new Map<string, Promise<BundleFiles>>();

/**
 * Bundles once per process for a given root and island set, so tests that
 * create many handlers for one app pay for esbuild once.
 */
function bundleOnce(root: string, islands: Island[]): Promise<BundleFiles> {
  const key = root + "\n" + islands.map((i) => i.path).sort().join("\n");
  let files = bundles.get(key);
  if (!files) {
    files = bundle(root, islands);
    bundles.set(key, files);
    files.catch(() => bundles.delete(key));
  }
  return files;
}

const compressed = new WeakMap<BundleFiles, Promise<BundleFiles>>();

/** Compresses a build's files once, however many handlers serve them. */
function gzipOnce(files: BundleFiles): Promise<BundleFiles> {
  let zipped = compressed.get(files);
  if (!zipped) {
    zipped = gzipBundles(files);
    compressed.set(files, zipped);
    zipped.catch(() => compressed.delete(files));
  }
  return zipped;
}

async function computeBuildId(
  files: BundleFiles,
  staticFiles: { path: string; file: string }[],
): Promise<string> {
  const deployment = Deno.env.get("DENO_DEPLOYMENT_ID");
  if (deployment) return await hashBuildId([deployment]);
  const parts: (string | Uint8Array)[] = [];
  for (const name of [...files.keys()].sort()) {
    parts.push(name, files.get(name)!);
  }
  for (const { path, file } of staticFiles) {
    parts.push(path, await Deno.readFile(file));
  }
  return await hashBuildId(parts);
}

/** Bundles the islands (if any) and computes the build id, all in memory. */
export async function buildInMemory(
  root: string,
  islands: Island[],
  staticFiles: { path: string; file: string }[],
): Promise<{ buildId: string; files: BundleFiles }> {
  let files: BundleFiles = new Map();
  try {
    if (islands.length) files = await bundleOnce(root, islands);
  } catch (err) {
    // Hosts without subprocesses (Deno Deploy) cannot run esbuild at boot;
    // say what to do instead of leaving esbuild's own message alone.
    throw new Error(
      `Bundling the islands failed (${
        err instanceof Error ? err.message : err
      }). esbuild runs as a subprocess: where the host does not allow that, run \`deno task build\` and deploy _fresh/ with the app.`,
      { cause: err },
    );
  }
  return { buildId: await computeBuildId(files, staticFiles), files };
}

/** Writes a build to `outDir` for `loadBuild()` to find. */
export async function writeBuild(
  outDir: string,
  build: { buildId: string; files: BundleFiles },
  islands: Island[],
): Promise<void> {
  await Deno.remove(outDir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  await Deno.mkdir(`${outDir}/js`, { recursive: true });
  const zipped = await gzipOnce(build.files);
  for (const [name, content] of build.files) {
    await Deno.writeFile(`${outDir}/js/${name}`, content);
    await Deno.writeFile(`${outDir}/js/${name}.gz`, zipped.get(name)!);
  }
  const snapshot: Snapshot = {
    build_id: build.buildId,
    files: [...build.files.keys()].sort(),
    islands: islands.map((i) => i.id).sort(),
    gzip: true,
  };
  await Deno.writeTextFile(
    `${outDir}/snapshot.json`,
    JSON.stringify(snapshot, null, 2) + "\n",
  );
}

/**
 * The build for a server: the snapshot in `outDir` when there is one for
 * these islands (and not in development), else a fresh in-memory build.
 */
export async function loadBuild(
  root: string,
  outDir: string,
  islands: Island[],
  staticFiles: { path: string; file: string }[],
): Promise<Build> {
  if (!devMode) {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = JSON.parse(await Deno.readTextFile(`${outDir}/snapshot.json`));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const ids = islands.map((i) => i.id).sort().join(",");
    if (snapshot?.gzip && snapshot.islands.join(",") === ids) {
      const names = new Set(snapshot.files);
      const cache = new Map<string, Promise<Uint8Array>>();
      const read = (path: string) => {
        let content = cache.get(path);
        if (!content) {
          content = Deno.readFile(`${outDir}/js/${path}`);
          cache.set(path, content);
        }
        return content;
      };
      return {
        buildId: snapshot.build_id,
        file: (name) =>
          names.has(name) ? read(name) : Promise.resolve(undefined),
        gzipped: (name) =>
          names.has(name) ? read(`${name}.gz`) : Promise.resolve(undefined),
      };
    }
    if (snapshot) {
      console.warn(
        `${outDir} was built for other islands or by an older version; bundling in memory instead. Run \`deno task build\` again.`,
      );
    }
  }
  const { buildId, files } = await buildInMemory(root, islands, staticFiles);
  return {
    buildId,
    file: (name) => Promise.resolve(files.get(name)),
    gzipped: async (name) =>
      files.has(name) ? (await gzipOnce(files)).get(name) : undefined,
  };
}
