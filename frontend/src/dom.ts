/**
 * A tiny DOM builder. Strings always become text nodes, never markup: prompts and outputs
 * are data, so nothing here ever assigns `innerHTML`.
 */

type Child = Node | string | number | null | undefined | false;
type Handler = (ev: Event) => void;

export interface Props {
  class?: string;
  /** Attributes (set with setAttribute); `false`/`null`/`undefined` leaves one out, `true` sets it empty. */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  /** Event listeners by event name, e.g. `{ click: ... }`. */
  on?: Record<string, Handler>;
  /** Inline style properties. */
  style?: Record<string, string>;
  /** DOM properties set directly, e.g. `{ value: "..." }`. */
  props?: Record<string, unknown>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, p: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (p) {
    if (p.class) el.className = p.class;
    if (p.attrs) {
      for (const [k, v] of Object.entries(p.attrs)) {
        if (v === false || v === null || v === undefined) continue;
        el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    if (p.style) for (const [k, v] of Object.entries(p.style)) el.style.setProperty(k, v);
    if (p.props) Object.assign(el, p.props);
    if (p.on) for (const [k, fn] of Object.entries(p.on)) el.addEventListener(k, fn);
  }
  append(el, ...children);
  return el;
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replace all children of `el`. */
export function replace(el: Node, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, ...children);
}

/** Offer `content` as a file download. */
export function download(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = h("a", { attrs: { href: url, download: filename }, style: { display: "none" } });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let uid = 0;
/** A page-unique id for label/aria wiring (several apps may be mounted on one page). */
export function uniqueId(prefix: string): string {
  uid += 1;
  return `pl-${prefix}-${uid}`;
}

/** A short one-line preview of a long text. */
export function preview(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : flat;
}
