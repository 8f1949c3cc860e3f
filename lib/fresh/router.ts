/**
 * File paths to URL patterns, and matching a path against them. A route file
 * `./routes/blog/[slug].tsx` becomes the segments `blog`, `:slug`; `index`
 * names its folder; `[...rest]` matches the rest of the path (zero segments or
 * more); `[[opt]]` matches zero or one segment; `(group)` folders vanish
 * from the URL. Routes are sorted so that, segment by segment, a static name
 * beats `[param]`, which beats `[[opt]]`, which beats `[...rest]`; the first
 * route that matches wins.
 */

/** One segment of a route pattern. */
export type Segment =
  | { kind: "static"; value: string }
  | { kind: "param"; name: string }
  | { kind: "optional"; name: string }
  | { kind: "rest"; name: string };

const RANK = { static: 0, param: 1, optional: 2, rest: 3 } as const;

/** Turns the folders and file name of a route (no extension) into segments. */
export function parseSegments(parts: string[]): Segment[] {
  const segments: Segment[] = [];
  for (const part of parts) {
    if (part === "index" || part === "" || /^\(.+\)$/.test(part)) continue;
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^\[\.\.\.(\w+)\]$/))) {
      segments.push({ kind: "rest", name: m[1] });
    } else if ((m = part.match(/^\[\[(\w+)\]\]$/))) {
      segments.push({ kind: "optional", name: m[1] });
    } else if ((m = part.match(/^\[(\w+)\]$/))) {
      segments.push({ kind: "param", name: m[1] });
    } else {
      segments.push({ kind: "static", value: part });
    }
  }
  return segments;
}

/** The pattern text Fresh reports as `ctx.route`, e.g. `/blog/:slug`. */
export function patternText(segments: Segment[]): string {
  return "/" +
    segments.map((s) =>
      s.kind === "static"
        ? s.value
        : s.kind === "param"
        ? `:${s.name}`
        : s.kind === "optional"
        ? `{/:${s.name}}?`
        : `:${s.name}*`
    ).join("/").replace(/\/\{/g, "{");
}

/** Orders two patterns so the more specific one comes first. */
export function compareSegments(a: Segment[], b: Segment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = RANK[a[i].kind] - RANK[b[i].kind];
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

/**
 * Matches path segments (already URL-decoded) against a pattern; returns the
 * params, or null. With `prefix`, the pattern only has to match the start of
 * the path (used for `_middleware` folders).
 */
export function matchSegments(
  pattern: Segment[],
  path: string[],
  prefix = false,
): Record<string, string> | null {
  const params: Record<string, string> = {};
  const walk = (pi: number, si: number): boolean => {
    if (pi === pattern.length) return prefix || si === path.length;
    const seg = pattern[pi];
    switch (seg.kind) {
      case "static":
        return si < path.length && path[si] === seg.value &&
          walk(pi + 1, si + 1);
      case "param":
        if (si >= path.length || !walk(pi + 1, si + 1)) return false;
        params[seg.name] = path[si];
        return true;
      case "optional":
        if (si < path.length && walk(pi + 1, si + 1)) {
          params[seg.name] = path[si];
          return true;
        }
        return walk(pi + 1, si);
      case "rest":
        for (let end = path.length; end >= si; end--) {
          if (walk(pi + 1, end)) {
            params[seg.name] = path.slice(si, end).join("/");
            return true;
          }
        }
        return false;
    }
  };
  return walk(0, 0) ? params : null;
}

/** Splits a URL path into decoded segments; throws `URIError` on bad escapes. */
export function splitPath(pathname: string): string[] {
  const segments = pathname.split("/").filter((s) => s !== "");
  // Most paths have no escapes: decoding them would only copy every segment.
  return pathname.includes("%") ? segments.map(decodeURIComponent) : segments;
}
