/**
 * The shape of `lib/`, read off the module graph that `deno info --json`
 * gives for the app's entry points (`main.ts`, `fresh.gen.ts`, the islands):
 *
 * - every module of `lib/` lives in a folder (a layer), none loose;
 * - a module imports another folder only through that folder's public face
 *   (`mod.ts`, or a face listed in `FACES`), and routes and islands do the
 *   same;
 * - a folder imports only the folders `LAYERS` allows it, `import type`
 *   included;
 * - no cycle runs between folders;
 * - inside a folder layered in turn (`INNER_LAYERS`: the emulator), the same
 *   three rules hold between its sub-folders, and its top-level modules
 *   compose them: no sub-folder imports them.
 *
 * `checkGraph` is pure, so the checker itself is tested on small graphs
 * below: a rule that cannot fail proves nothing.
 */
import assert from "node:assert/strict";

/** Folder → the folders its modules may import (the layers below it). */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  platform: [],
  contract: [],
  fresh: [],
  emulator: [],
  idp: ["platform"],
  outbox: ["platform"],
  // The browser's Ably options, for the Content-Security-Policy.
  http: ["platform", "contract"],
  auth: ["platform", "http", "idp"],
  ably: ["platform", "outbox", "contract", "emulator"],
  rooms: ["platform", "outbox", "ably", "contract"],
  room_page: ["platform", "http", "auth", "ably", "rooms", "contract"],
  room_client: ["contract"],
  app: [
    "platform",
    "outbox",
    "http",
    "auth",
    "idp",
    "ably",
    "contract",
    "rooms",
    "room_page",
    "room_client",
    "fresh",
    "emulator",
  ],
};

/** Public faces besides `mod.ts`. */
export const FACES: Readonly<Record<string, readonly string[]>> = {
  // Fresh's two faces, as upstream has them.
  fresh: ["server.ts", "runtime.ts"],
  // The island's connection is loaded lazily, with `import()`, so that the
  // Ably SDK stays out of the page's first bundle; `mod.ts` cannot carry it.
  room_client: ["mod.ts", "live.ts"],
};

/**
 * Folders of `lib/` layered inside too: sub-folder → the sub-folders its
 * modules may import, each through the sub-folder's `mod.ts`. The folder's
 * top-level modules may import every sub-folder; no sub-folder imports them.
 */
export const INNER_LAYERS: Readonly<
  Record<string, Readonly<Record<string, readonly string[]>>>
> = {
  // The emulator's two faces, REST and realtime, share one channel core and
  // one authority and never reach into each other: a message published on
  // one face is delivered on the other through the core alone. `server.ts`
  // composes them.
  emulator: {
    core: [],
    auth: ["core"],
    realtime: ["core", "auth"],
    rest: ["core", "auth"],
  },
};

/** One import: from one file to another, relative to the project root. */
export interface Edge {
  from: string;
  to: string;
  /** `import type` only: gone at run time. */
  typeOnly: boolean;
}

/** A module's layer: `lib/<folder>/…` → folder; `routes/…` → "routes". */
export function folderOf(path: string): string | null {
  const parts = path.split("/");
  if (parts[0] !== "lib") return parts.length > 1 ? parts[0] : null;
  return parts.length > 2 ? parts[1] : "";
}

/** `lib/<folder>/<sub>/…` → sub; `lib/<folder>/<file>` → "" (the top). */
function innerOf(path: string): string {
  const parts = path.split("/");
  return parts.length > 3 ? parts[2] : "";
}

/** The rules of `INNER_LAYERS` for one import inside `folder`. */
function checkInner(
  folder: string,
  { from, to }: Edge,
  problems: Set<string>,
  between: Map<string, Set<string>>,
) {
  const source = innerOf(from);
  const target = innerOf(to);
  if (source === target) return;
  const name = (sub: string) =>
    sub ? `lib/${folder}/${sub}/` : `lib/${folder}/`;
  if (target && to !== `${name(target)}mod.ts`) {
    problems.add(`${from} imports ${to}, past ${name(target)}mod.ts`);
  }
  const allowed = source ? INNER_LAYERS[folder][source] ?? [] : null;
  if (allowed && !(target && allowed.includes(target))) {
    problems.add(`${name(source)} may not import ${name(target)} (${from})`);
  }
  addEdge(
    between,
    source ? `${folder}/${source}` : folder,
    target ? `${folder}/${target}` : folder,
  );
}

/** Every broken rule of the graph, as sentences; none when it is sound. */
export function checkGraph(edges: readonly Edge[]): string[] {
  const problems = new Set<string>();
  const between = new Map<string, Set<string>>();
  for (const edge of edges) {
    const { from, to } = edge;
    const source = folderOf(from);
    const target = folderOf(to);
    if (source && source === target && INNER_LAYERS[source]) {
      checkInner(source, edge, problems, between);
    }
    if (source === "") problems.add(`${from} is not in a folder of lib/`);
    if (target === "") problems.add(`${to} is not in a folder of lib/`);
    if (!target || source === target || !to.startsWith("lib/")) continue;
    const face = to.slice(`lib/${target}/`.length);
    if (!(FACES[target] ?? ["mod.ts"]).includes(face)) {
      problems.add(`${from} imports ${to}, past lib/${target}/mod.ts`);
    }
    if (!source || !from.startsWith("lib/")) continue;
    const allowed = LAYERS[source] ?? [];
    if (!allowed.includes(target)) {
      problems.add(`lib/${source}/ may not import lib/${target}/ (${from})`);
    }
    addEdge(between, source, target);
  }
  for (const cycle of cycles(between)) {
    problems.add(`a cycle between folders: ${cycle.join(" → ")}`);
  }
  return [...problems].sort();
}

function addEdge(graph: Map<string, Set<string>>, a: string, b: string) {
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a)!.add(b);
}

/** One cycle per strongly connected set of more than one node (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node)!, order.get(next)!));
      }
    }
    if (low.get(node) === order.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!order.has(node)) visit(node);
  return found;
}

interface InfoModule {
  specifier: string;
  dependencies?: {
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

const ROOT = new URL("../", import.meta.url).href;

/** The project's own imports reachable from `entries`, from `deno info`. */
export async function moduleGraph(entries: readonly string[]): Promise<Edge[]> {
  const edges = new Map<string, Edge>();
  for (const entry of entries) {
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: new URL(ROOT),
      stderr: "inherit",
    }).output();
    if (!success) throw new Error(`deno info ${entry} failed`);
    const info = JSON.parse(new TextDecoder().decode(stdout)) as {
      modules: InfoModule[];
    };
    for (const module of info.modules) {
      if (!module.specifier.startsWith(ROOT)) continue;
      const from = module.specifier.slice(ROOT.length);
      for (const dependency of module.dependencies ?? []) {
        const target = dependency.code ?? dependency.type;
        if (!target?.specifier.startsWith(ROOT)) continue;
        const to = target.specifier.slice(ROOT.length);
        const key = `${from} ${to}`;
        const typeOnly = !dependency.code;
        const known = edges.get(key);
        edges.set(key, {
          from,
          to,
          typeOnly: typeOnly && (known?.typeOnly ?? true),
        });
      }
    }
  }
  return [...edges.values()];
}

Deno.test("lib/ runs one way: folders, faces, layers, no cycles", async () => {
  const islands = [...Deno.readDirSync(new URL("../islands/", import.meta.url))]
    .map((entry) => `islands/${entry.name}`);
  const edges = await moduleGraph(["main.ts", "fresh.gen.ts", ...islands]);
  assert.deepEqual(checkGraph(edges), []);
});

Deno.test("the checker refuses a cycle, a loose file, a skipped face and a layer upside down", () => {
  const edge = (from: string, to: string, typeOnly = false) => ({
    from,
    to,
    typeOnly,
  });
  assert.deepEqual(
    checkGraph([
      edge("lib/platform/log.ts", "lib/platform/config.ts"),
      edge("routes/a.ts", "lib/rooms/mod.ts"),
      edge("lib/rooms/mod.ts", "lib/ably/mod.ts"),
      edge("islands/X.tsx", "lib/room_client/live.ts"),
    ]),
    [],
  );
  assert.deepEqual(
    checkGraph([
      edge("lib/rooms/mod.ts", "lib/ably/mod.ts"),
      edge("lib/ably/capability.ts", "lib/rooms/mod.ts"),
      edge("lib/policy.ts", "lib/platform/mod.ts"),
      edge("routes/a.ts", "lib/rooms/store.ts"),
      edge("lib/http/a.ts", "lib/auth/mod.ts", true),
    ]),
    [
      "a cycle between folders: ably → rooms",
      "lib/ably/ may not import lib/rooms/ (lib/ably/capability.ts)",
      "lib/http/ may not import lib/auth/ (lib/http/a.ts)",
      "lib/policy.ts is not in a folder of lib/",
      "routes/a.ts imports lib/rooms/store.ts, past lib/rooms/mod.ts",
    ],
  );
});

Deno.test("the checker refuses the emulator's faces reaching into each other, the core reaching up, and a skipped inner face", () => {
  const edge = (from: string, to: string, typeOnly = false) => ({
    from: `lib/emulator/${from}`,
    to: `lib/emulator/${to}`,
    typeOnly,
  });
  assert.deepEqual(
    checkGraph([
      edge("mod.ts", "server.ts"),
      edge("server.ts", "rest/mod.ts"),
      edge("server.ts", "realtime/mod.ts"),
      edge("rest/router.ts", "rest/messages.ts"),
      edge("rest/messages.ts", "core/mod.ts"),
      edge("realtime/hub.ts", "auth/mod.ts", true),
      edge("auth/keys.ts", "core/mod.ts"),
    ]),
    [],
  );
  assert.deepEqual(
    checkGraph([
      edge("rest/messages.ts", "realtime/mod.ts", true),
      edge("realtime/hub.ts", "rest/mod.ts"),
      edge("core/channels.ts", "auth/mod.ts"),
      edge("auth/tokens.ts", "core/ids.ts"),
      edge("core/retention.ts", "server.ts"),
    ]),
    [
      "a cycle between folders: emulator/auth → emulator/core",
      "a cycle between folders: emulator/realtime → emulator/rest",
      "lib/emulator/auth/tokens.ts imports lib/emulator/core/ids.ts, past lib/emulator/core/mod.ts",
      "lib/emulator/core/ may not import lib/emulator/ (lib/emulator/core/retention.ts)",
      "lib/emulator/core/ may not import lib/emulator/auth/ (lib/emulator/core/channels.ts)",
      "lib/emulator/realtime/ may not import lib/emulator/rest/ (lib/emulator/realtime/hub.ts)",
      "lib/emulator/rest/ may not import lib/emulator/realtime/ (lib/emulator/rest/messages.ts)",
    ],
  );
});
