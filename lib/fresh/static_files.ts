/**
 * Serving `static/`: the folder is listed once at start-up and only listed
 * files are ever served, so no URL (`..`, `%2e%2e`, backslashes, NUL) can
 * reach a file outside it. Each response carries a strong ETag (a hash of the
 * content) and answers `If-None-Match` with 304; HEAD gets the headers only.
 * A request with `?__frsh_c=` (see `asset()`) is cached for a year, others
 * are revalidated.
 */
import { contentType } from "./content_type.ts";

/** Serves the files of one folder. */
export interface StaticFiles {
  /** Every file: URL path (decoded, leading `/`) and file path, sorted. */
  entries: { path: string; file: string }[];
  /** Absolute file path of a URL path, or undefined when not a static file. */
  lookup(pathname: string): string | undefined;
  /** Answers a GET or HEAD for a URL path `lookup()` found. */
  serve(req: Request, url: URL, file: string): Promise<Response>;
}

/** Lists `dir` (recursively) and returns a server for its files. */
export async function loadStaticFiles(dir: string): Promise<StaticFiles> {
  const files = new Map<string, string>();
  const walk = async (folder: string, prefix: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory) await walk(path, `${prefix}/${entry.name}`);
      else if (entry.isFile) files.set(`${prefix}/${entry.name}`, path);
    }
  };
  await walk(dir, "");
  // Files are fixed for the life of the process, so the ETag is computed
  // once, and small files are kept in memory.
  const cache = new Map<
    string,
    { etag: string; body?: Uint8Array<ArrayBuffer> }
  >();
  const read = async (file: string) => {
    const hit = cache.get(file);
    if (hit?.body) return { etag: hit.etag, body: hit.body };
    const body = await Deno.readFile(file);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
    const etag = `"${btoa(String.fromCharCode(...digest.subarray(0, 12)))}"`;
    cache.set(file, {
      etag,
      body: body.length <= 256 * 1024 ? body : undefined,
    });
    return { etag, body };
  };

  return {
    entries: [...files.keys()].sort().map((path) => ({
      path,
      file: files.get(path)!,
    })),
    lookup: (pathname) => files.get(pathname),
    async serve(req, url, file) {
      let etag = cache.get(file)?.etag;
      let body: Uint8Array<ArrayBuffer> | undefined;
      if (!etag) ({ etag, body } = await read(file));
      const headers = new Headers({
        "content-type": contentType(file),
        etag,
        "cache-control": url.searchParams.has("__frsh_c")
          ? "public, max-age=31536000, immutable"
          : "no-cache",
      });
      const match = req.headers.get("if-none-match");
      const tags = match?.split(",").map((t) => t.trim().replace(/^W\//, ""));
      if (tags?.some((t) => t === etag || t === "*")) {
        return new Response(null, { status: 304, headers });
      }
      body ??= (await read(file)).body;
      headers.set("content-length", String(body.length));
      return new Response(req.method === "HEAD" ? null : body, { headers });
    },
  };
}
