/**
 * Islands, server half: which components are islands, and how a server
 * render marks them. Every exported function of a module in `islands/` is an
 * island with the id `<file name>_<export name>`, lowercased. A Preact
 * `options.vnode` hook swaps each island element for `IslandHost`, which
 * records the props for `serializer.ts` and renders the island between
 * `<!--frsh-<id>:<n>-->` and `<!--/frsh-<id>:<n>-->`; `client.ts` hydrates
 * between the same markers. Islands rendered inside an island are plain
 * components: the outer island already owns them.
 */
import {
  type ComponentType,
  createContext,
  Fragment,
  h,
  options,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import { renderToString } from "preact-render-to-string";
import type { IslandProps } from "./serializer.ts";
import { Slot } from "./slot.ts";

/** One island: a component exported by a module in `islands/`. */
export interface Island {
  /** `<file>_<export>`, lowercased: the key in markers and the client map. */
  id: string;
  /** Export name in the module. */
  exportName: string;
  /** Bundle entry name of the module, e.g. `island-counter`. */
  entry: string;
  /** Absolute path of the module, for the bundler. */
  path: string;
  /** The component itself. */
  component: ComponentType;
}

/** What the renderer collects about islands while rendering one page. */
export interface IslandRenderState {
  /** Props of every island rendered so far, index = marker number. */
  islands: (IslandProps & { island: Island })[];
}

const registry = new Map<unknown, Island>();
let current: IslandRenderState | null = null;
let bypass = false;

const InsideIsland = createContext(false);

/** Lists the islands of a manifest's `islands` modules and registers them. */
export function collectIslands(
  modules: Record<string, Record<string, unknown>>,
  root: string,
): Island[] {
  const islands: Island[] = [];
  for (const [key, mod] of Object.entries(modules)) {
    const file = key.split("/").pop()!.replace(/\.[^.]+$/, "");
    const base = file.toLowerCase().replace(/[^a-z0-9_]/g, "_");
    for (const [exportName, component] of Object.entries(mod)) {
      if (typeof component !== "function") continue;
      const island: Island = {
        id: `${base}_${exportName}`.toLowerCase(),
        exportName,
        entry: `island-${base}`,
        path: new URL(key, `file://${root}/`).pathname,
        component: component as ComponentType,
      };
      registry.set(component, island);
      islands.push(island);
    }
  }
  return islands;
}

/** Runs `render` with island markers and props collection switched on. */
export function withIslandState<T>(
  state: IslandRenderState,
  render: () => T,
): T {
  const previous = current;
  current = state;
  try {
    return render();
  } finally {
    current = previous;
  }
}

function plain(component: ComponentType, props: Record<string, unknown>) {
  bypass = true;
  try {
    return h(component, props);
  } finally {
    bypass = false;
  }
}

/** An HTML comment, which preact-render-to-string emits for this prop. */
function comment(text: string): VNode {
  return h(Fragment, { UNSTABLE_comment: text } as Record<string, unknown>);
}

interface HostProps {
  island: Island;
  props: Record<string, unknown>;
}

function IslandHost({ island, props }: HostProps): VNode {
  const inside = useContext(InsideIsland);
  const state = current;
  if (inside || !state) return plain(island.component, props);
  if (props.children !== undefined && props.children !== null) {
    const html = renderToString(h(Fragment, null, props.children as VNode));
    props = { ...props, children: h(Slot, { html }) };
  }
  const marker = `frsh-${island.id}:${state.islands.length}`;
  state.islands.push({ id: island.id, island, props });
  return h(
    Fragment,
    null,
    comment(marker),
    h(InsideIsland.Provider, { value: true }, plain(island.component, props)),
    comment("/" + marker),
  );
}

const previousVNodeHook = options.vnode;
options.vnode = (vnode) => {
  if (!bypass && typeof vnode.type === "function") {
    const island = registry.get(vnode.type);
    if (island) {
      (vnode as { props: unknown }).props = { island, props: vnode.props };
      (vnode as { type: unknown }).type = IslandHost;
    }
  }
  previousVNodeHook?.(vnode);
};
