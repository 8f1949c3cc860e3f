/**
 * `$fresh/runtime.ts`: what pages and islands import, on the server and in
 * the browser alike. `IS_BROWSER` tells them apart, `asset()` adds the build
 * id to a static path so it can be cached for good, `<Head>` adds elements to
 * the page's `<head>` during a server render.
 */
import type { ComponentChildren, VNode } from "preact";
import { useContext } from "preact/hooks";
import { BUILD_ID } from "./build_id.ts";
import { HeadContext } from "./head.ts";

/** True in the browser, false while rendering on the server. */
export const IS_BROWSER = typeof document !== "undefined";

/**
 * Appends `?__frsh_c=<BUILD_ID>` to a local absolute path so the response is
 * served with a one-year immutable cache; other URLs come back unchanged.
 *
 * @example
 * ```tsx
 * <link rel="stylesheet" href={asset("/styles.css")} />
 * ```
 */
export function asset(path: string): string {
  if (!path.startsWith("/") || path.startsWith("//")) return path;
  try {
    const url = new URL(path, "https://fresh.local");
    if (url.searchParams.has("__frsh_c")) return path;
    url.searchParams.set("__frsh_c", BUILD_ID);
    return url.pathname + url.search + url.hash;
  } catch {
    return path;
  }
}

/** Props of `<Head>`. */
export interface HeadProps {
  /** Elements for the page's `<head>`: `<title>`, `<meta>`, `<link>`. */
  children?: ComponentChildren;
}

/** Puts its children into the page's `<head>` during a server render. */
export function Head(props: HeadProps): VNode | null {
  const collected = useContext(HeadContext);
  if (collected) collected.push(props.children);
  return null;
}
