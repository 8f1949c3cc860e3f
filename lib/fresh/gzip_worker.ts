/**
 * Runs zopfli for `gzip.ts`'s `gzipBundles()`: receives the files, answers
 * with their gzip encodings, in order. A worker of its own because the
 * zopfli build (emscripten) installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers when loaded; here they reach only this
 * worker, which ends after one answer.
 */
import { gzipAsync } from "@gfx/zopfli";

/** zopfli's own default; more finds almost nothing on bundles this size. */
const ITERATIONS = 15;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<Uint8Array[]>) => void) | null;
  postMessage(message: Uint8Array[], transfer: ArrayBuffer[]): void;
};

scope.onmessage = async ({ data }) => {
  const zipped: Uint8Array[] = [];
  for (const bytes of data) {
    zipped.push(await gzipAsync(bytes, { numiterations: ITERATIONS }));
  }
  scope.postMessage(zipped, zipped.map((z) => z.buffer as ArrayBuffer));
};
