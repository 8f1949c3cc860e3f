/**
 * The JSX runtime of the browser bundles (`bundler.ts` resolves
 * `preact/jsx-runtime` here): the automatic JSX transform's `jsx()` calls
 * become `createElement()`, which every bundle already carries with Preact.
 * `preact/jsx-runtime` builds vnodes with its own copy of that code and adds
 * the precompiled-template helpers, which the bundles never call.
 * The server keeps Preact's runtime (`deno.json`'s `jsxImportSource`); both
 * build the same vnodes, so hydration finds what the server rendered.
 */
import {
  type ComponentType,
  createElement,
  Fragment,
  type VNode,
} from "preact";

export { Fragment };

/**
 * A vnode for `<type {...props} key={key} />`; `props.children` is passed
 * through as a prop, as the automatic transform gives it.
 */
export function jsx(
  type: string | ComponentType<Record<string, unknown>>,
  props: Record<string, unknown>,
  key?: string | number,
): VNode {
  return createElement(
    type as ComponentType<Record<string, unknown>>,
    key === undefined ? props : { ...props, key },
  );
}

export { jsx as jsxDEV, jsx as jsxs };
