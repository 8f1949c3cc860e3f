/**
 * Gzip for responses that are compressed once and served many times (the
 * island bundles): Deno.serve here sends bodies as given, and a bundle is
 * about 2.5 times smaller gzipped.
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

/** Gzips `bytes`. */
export async function gzip(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
