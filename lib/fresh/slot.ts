/**
 * The element that carries an island's `children` across the server/browser
 * boundary: the server renders the children to HTML once, the island renders
 * `<frsh-slot>` around that HTML on both sides, so hydration finds the same
 * DOM. `display: contents` keeps the wrapper out of layout.
 */
import { h, type VNode } from "preact";

/** Props of `Slot`. */
export interface SlotProps {
  /** The server-rendered children. */
  html: string;
}

/** Renders server-rendered children inside an island. */
export function Slot(props: SlotProps): VNode {
  return h("frsh-slot", {
    style: "display:contents",
    dangerouslySetInnerHTML: { __html: props.html },
  }) as VNode;
}
