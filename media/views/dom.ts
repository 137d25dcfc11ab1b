// A small element builder. Text goes in as text nodes and attributes through setAttribute, never
// through innerHTML, so that names and paths from the tree cannot inject markup; styles go through
// the CSSOM (el.style), which the panel's CSP allows, unlike inline style attributes.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Place an element in the diagram grid (1-based lines, end exclusive). */
export function place(el: HTMLElement, row: number, colStart: number, colEnd = colStart + 1): HTMLElement {
  el.style.gridRow = String(row);
  el.style.gridColumn = `${colStart} / ${colEnd}`;
  return el;
}
