/**
 * Rendering a page: nests the page in its layouts (inner to outer) and the
 * app wrapper, awaiting async ones (which take `(req, ctx)` and may return a
 * `Response` to short-circuit), renders the tree to HTML with Preact, puts
 * `<Head>` children into `<head>`, and, only when islands were rendered,
 * adds the props script and one external module script per island bundle
 * the page uses (each carries the browser runtime, `client.ts`, which
 * hydrates the page once all of them have run). A page without islands ships
 * no script at all.
 */
import {
  type ComponentChildren,
  type ComponentType,
  Fragment,
  h,
  type VNode,
} from "preact";
import { renderToString } from "preact-render-to-string";
import { ALIVE_SCRIPT_PATH } from "./alive.ts";
import { HeadContext } from "./head.ts";
import { type IslandRenderState, withIslandState } from "./islands.ts";
import { serializeIslandProps } from "./serializer.ts";
import type { PageComponent, RenderOptions } from "./types.ts";

/** What the renderer needs beyond the component chain. */
export interface RenderInput {
  /** The request being answered. */
  req: Request;
  /** The context the route sees, without `Component`. */
  ctx: Record<string, unknown>;
  /** App wrapper, layouts outer to inner, then the page. */
  components: PageComponent[];
  /** Status and headers. */
  options?: RenderOptions;
  /** URL path of the bundles, `/_frsh/js/<BUILD_ID>`. */
  bundlePath: string;
  /** The build id, passed to the browser runtime for `asset()`. */
  buildId: string;
  /** Adds the live-reload script (`alive.ts`), under `dev()` only. */
  liveReload?: boolean;
}

const AsyncFunction = (async () => {}).constructor;

function isAsync(fn: PageComponent): boolean {
  return fn instanceof AsyncFunction;
}

/** Renders a page to a `Response`, or returns what an async part returned. */
export async function renderPage(input: RenderInput): Promise<Response> {
  const { req, ctx, components } = input;
  let inner: VNode = h(Fragment, null);
  for (let i = components.length - 1; i >= 0; i--) {
    const component = components[i];
    const child = inner;
    const Component = () => child;
    if (isAsync(component)) {
      const result = await (component as (
        req: Request,
        ctx: unknown,
      ) => Promise<unknown>)(req, { ...ctx, Component });
      if (result instanceof Response) return result;
      inner = h(Fragment, null, result as ComponentChildren);
    } else {
      inner = h(component as ComponentType<Record<string, unknown>>, {
        ...ctx,
        Component,
      });
    }
  }

  const head: ComponentChildren[] = [];
  const state: IslandRenderState = { islands: [] };
  let body = withIslandState(
    state,
    () => renderToString(h(HeadContext.Provider, { value: head }, inner)),
  );

  const headHtml = head.length ? renderToString(h(Fragment, null, head)) : "";
  let scripts = "";
  if (state.islands.length) {
    const json = serializeIslandProps(state.islands);
    const table: Record<string, [string, string]> = {};
    const entries = new Set<string>();
    for (const { island } of state.islands) {
      table[island.id] = [island.entry, island.exportName];
      entries.add(island.entry);
    }
    // External module scripts (no inline code) keep the page working under a
    // `script-src 'self'` Content-Security-Policy. The first names the
    // page's islands and the build for the runtime; the others only load.
    const names = ` data-frsh-build="${input.buildId}" data-frsh-islands="${
      escapeAttr(JSON.stringify(table))
    }"`;
    scripts =
      `<script type="application/json" id="__FRSH_STATE">${json}</script>` +
      [...entries].map((entry, i) =>
        `<script type="module" src="${input.bundlePath}/${entry}.js"${
          i === 0 ? names : ""
        }></script>`
      ).join("");
  }

  if (input.liveReload) {
    scripts += `<script type="module" src="${ALIVE_SCRIPT_PATH}"></script>`;
  }

  if (/^\s*<html[\s>]/i.test(body)) {
    const headEnd = body.indexOf("</head>");
    if (headHtml.includes("<title") && headEnd !== -1) {
      // A page's <Head><title> replaces the app's default title.
      body =
        body.slice(0, headEnd).replace(/<title[\s>][\s\S]*?<\/title>/, "") +
        body.slice(headEnd);
    }
    body = insertBefore(body, body.indexOf("</head>"), headHtml);
    body = insertBefore(body, body.lastIndexOf("</body>"), scripts);
  } else {
    body =
      `<html><head><meta charset="utf-8">${headHtml}</head><body>${body}${scripts}</body></html>`;
  }
  const headers = new Headers(input.options?.headers);
  if (!headers.has("content-type")) {
    headers.set("content-type", "text/html; charset=utf-8");
  }
  return new Response("<!DOCTYPE html>" + body, {
    status: input.options?.status ?? 200,
    statusText: input.options?.statusText,
    headers,
  });
}

function escapeAttr(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(
    /</g,
    "&lt;",
  );
}

function insertBefore(html: string, at: number, text: string): string {
  if (!text) return html;
  return at === -1 ? html + text : html.slice(0, at) + text + html.slice(at);
}
