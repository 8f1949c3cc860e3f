/**
 * The browser entry of every page with islands (bundled as `main.js`): reads
 * the props from `#__FRSH_STATE` (see `deserializer.ts`), finds each island's
 * `<!--frsh-<id>:<n>-->` … `<!--/frsh-<id>:<n>-->` markers, and hydrates the
 * island's component in place, on exactly the nodes between its markers.
 * The page loads this as `<script type="module" data-frsh-islands=…>`; on
 * load it imports the island bundles that attribute names (id to
 * `[bundle, export]`, relative to this module) and calls `revive()`.
 */
import { type ComponentType, h, hydrate } from "preact";
import { setBuildId } from "./build_id.ts";
import { deserializeIslandProps } from "./deserializer.ts";

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
  const props = state ? deserializeIslandProps(state) : [];
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

const script = typeof document === "undefined"
  ? null
  : document.querySelector<HTMLScriptElement>("script[data-frsh-islands]");
if (script) {
  const table: Record<string, [string, string]> = JSON.parse(
    script.dataset.frshIslands!,
  );
  const entries = [...new Set(Object.values(table).map(([entry]) => entry))];
  const modules = new Map(
    await Promise.all(entries.map(async (entry) =>
      [
        entry,
        await import(new URL(`./${entry}.js`, import.meta.url).href),
      ] as const
    )),
  );
  const islands: Record<string, ComponentType> = {};
  for (const [id, [entry, name]] of Object.entries(table)) {
    islands[id] = modules.get(entry)[name];
  }
  revive(islands, script.dataset.frshBuild ?? "");
}
