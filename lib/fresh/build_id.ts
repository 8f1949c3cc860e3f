/**
 * The id of the current build, shared by the server (which sets it once the
 * bundles are known) and the browser (where the client entry sets it from the
 * page). `asset()` and the `/_frsh/js/<BUILD_ID>/` paths depend on it, so a new
 * build never hits a stale immutable cache entry.
 */

/** The current build id; empty until the server or the client entry sets it. */
export let BUILD_ID = "";

/** Makes `id` the build id for `asset()` and bundle paths. */
export function setBuildId(id: string): void {
  BUILD_ID = id;
}

/** Hex SHA-256 of `parts`, taken in order; the first 16 characters suffice. */
export async function hashBuildId(
  parts: Iterable<Uint8Array | string>,
): Promise<string> {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (const part of parts) {
    const bytes = typeof part === "string" ? encoder.encode(part) : part;
    chunks.push(bytes, new Uint8Array(1));
    length += bytes.length + 1;
  }
  const all = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(
    digest.subarray(0, 8),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}
