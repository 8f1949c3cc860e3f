/**
 * The browser half of islands. The bundler makes each island module an entry
 * of its own (`island-<name>.js`, see `bundler.ts`) that carries this runtime
 * and hands it the module's exports through `boot()`; a page with islands
 * loads one module script per island entry it uses, the first of which names
 * the page's islands (id to `[bundle, export]`) and the build id. Once every
 * entry the page names has booted, `revive()` reads the props from
 * `#__FRSH_STATE` (see `deserializer.ts`), finds each island's
 * `<!--frsh-<id>:<n>-->` … `<!--/frsh-<id>:<n>-->` markers, and hydrates the
 * island's component in place, on exactly the nodes between its markers.
 *
 * Why the runtime rides in the island entries rather than in an entry of its
 * own: what hydration needs then arrives in as few files as esbuild can make
 * it (one, when the build has one island module; otherwise each entry and a
 * chunk with what they share), and each file costs a request and compresses
 * alone.
 */
import { type ComponentType, h, hydrate } from "preact";
import { setBuildId } from "./build_id.ts";
import { deserializeIslandProps, hasSignals } from "./deserializer.ts";

/**
 * A stand-in parent for Preact that covers only the nodes between two
 * markers, so an island hydrates its own nodes and inserts new ones before
 * its end marker, never elsewhere in the real parent.
 */
function markerRoot(start: Comment, end: Comment): Element {
  const parent = start.parentNode!;
  const nodes: ChildNode[] = [];
  for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) {
    nodes.push(n);
  }
  const within = (node: Node | null) => {
    for (let n = start.nextSibling; n && n !== end; n = n.nextSibling) {
      if (n === node) return true;
    }
    return false;
  };
  const insertBefore = <T extends Node>(node: T, ref: Node | null): T =>
    parent.insertBefore(node, ref && within(ref) ? ref : end);
  return {
    nodeType: 1,
    parentNode: parent,
    namespaceURI: (parent as Element).namespaceURI,
    firstChild: nodes[0] ?? null,
    childNodes: nodes,
    insertBefore,
    appendChild: <T extends Node>(node: T): T => insertBefore(node, null),
    removeChild: <T extends Node>(node: T): T => parent.removeChild(node),
    contains: within,
  } as unknown as Element;
}

/** Hydrates every island of the page; `islands` maps island ids to components. */
export function revive(
  islands: Record<string, ComponentType>,
  buildId: string,
): void {
  setBuildId(buildId);
  const state = document.getElementById("__FRSH_STATE")?.textContent;
  // Signals in the props: hydrate once their library has loaded (a chunk of
  // its own, or shared with the islands that use it).
  if (state && hasSignals(state)) {
    import("@preact/signals").then(({ signal }) =>
      hydrateAll(islands, deserializeIslandProps(state, signal))
    );
    return;
  }
  hydrateAll(islands, state ? deserializeIslandProps(state) : []);
}

/** Hydrates each island between its markers with its props. */
function hydrateAll(
  islands: Record<string, ComponentType>,
  props: Record<string, unknown>[],
): void {
  const walker = document.createTreeWalker(document.body, 128);
  const found: [Comment, Comment, ComponentType, Record<string, unknown>][] =
    [];
  for (let n = walker.nextNode() as Comment | null; n;) {
    if (n.data.startsWith("frsh-")) {
      const [id, index] = n.data.slice(5).split(":");
      let end = n.nextSibling;
      while (
        end && !(end.nodeType === 8 && (end as Comment).data === "/" + n.data)
      ) {
        end = end.nextSibling;
      }
      const component = islands[id];
      if (end && component) {
        found.push([n, end as Comment, component, props[Number(index)] ?? {}]);
      }
    }
    n = walker.nextNode() as Comment | null;
  }
  for (const [start, end, component, islandProps] of found) {
    hydrate(h(component, islandProps), markerRoot(start, end));
  }
}

/** Island modules that have booted, by bundle entry name. */
const booted = new Map<string, Record<string, unknown>>();

/**
 * Called by each island entry with its module's exports; hydrates the page
 * once every island entry the page names has booted.
 */
export function boot(entry: string, exports: Record<string, unknown>): void {
  booted.set(entry, exports);
  const script = document.querySelector<HTMLScriptElement>(
    "script[data-frsh-islands]",
  );
  if (!script) return;
  const table: Record<string, [string, string]> = JSON.parse(
    script.dataset.frshIslands!,
  );
  const islands: Record<string, ComponentType> = {};
  for (const [id, [name, exportName]] of Object.entries(table)) {
    const module = booted.get(name);
    // Another entry of this page is still to run; it boots last.
    if (!module) return;
    islands[id] = module[exportName] as ComponentType;
  }
  revive(islands, script.dataset.frshBuild ?? "");
}
