/**
 * Gzip for the island bundles, which are compressed once per build and
 * served many times: with zopfli, whose output any gzip decoder reads and
 * which is about 3.5 % smaller than zlib at its best level (on the live
 * room's bundles: 49.9 KB instead of 51.7 KB). It takes about a second, in a
 * worker (`gzip_worker.ts`), once per build (`build.ts`): `deno task build`
 * does it ahead, an in-memory build on the first gzipped request. Deno.serve
 * here sends bodies as given, and a bundle is about 3 times smaller gzipped.
 */

/** True when the request accepts a gzip-encoded response. */
export function acceptsGzip(req: Request): boolean {
  const accept = req.headers.get("accept-encoding") ?? "";
  return accept.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.find((p) => p.trim().startsWith("q="));
    return (coding === "gzip" || coding === "*") &&
      (!q || Number(q.trim().slice(2)) > 0);
  });
}

/** The gzip encoding of each of `files`, by the same names. */
export async function gzipBundles(
  files: Map<string, Uint8Array>,
): Promise<Map<string, Uint8Array>> {
  const names = [...files.keys()];
  if (!names.length) return new Map();
  const worker = new Worker(new URL("./gzip_worker.ts", import.meta.url), {
    type: "module",
  });
  try {
    const zipped = await new Promise<Uint8Array[]>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`gzip worker: ${event.message}`));
      };
      worker.postMessage(names.map((name) => files.get(name)!));
    });
    return new Map(names.map((name, i) => [name, zipped[i]]));
  } finally {
    worker.terminate();
  }
}
