/**
 * The channel between `<Head>` (in `runtime.ts`, used by pages) and the
 * server renderer: during a server render the renderer provides an array
 * through this context, `<Head>` appends its children to it, and the renderer
 * places them inside `<head>` once the page is rendered.
 */
import { type ComponentChildren, createContext } from "preact";

/** Holds the children of every `<Head>` of the page being rendered. */
export const HeadContext = createContext<ComponentChildren[] | null>(null);
