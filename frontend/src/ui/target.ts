/**
 * The selectable target (dataset target or model output): click a word, drag across words,
 * shift-click to extend, double-click for the whole line. Keyboard: arrows move, shift+arrows
 * extend, Home/End, Ctrl+A selects all, Enter explains the selection, Escape = whole target.
 */
import { h, replace } from "../dom";
import {
  isWholeTarget,
  keyMove,
  lineSelection,
  pointerDown,
  pointerMove,
  pointerUp,
  selectAll,
  selectedRange,
  selectionFromSpan,
  spanOf,
  wordUnits,
  type Selection,
  type Unit,
} from "../selection";
import { OffsetMap } from "../text";
import type { Pair } from "../types";

/** How long a click waits for a possible double-click before it counts. */
const CLICK_SETTLE_MS = 250;

export class TargetSelector {
  readonly el: HTMLElement;
  /** Says why a selection was not taken (only whitespace selected); empty otherwise. */
  readonly notice = h("span", { class: "pl-small pl-notice-text", attrs: { role: "status", "aria-live": "polite" } });
  /** Called with the final span (null = the whole target) after a click, drag, Enter or Escape. */
  onCommit: (span: Pair | null) => void = () => {};
  private text = "";
  private units: Unit[] = [];
  private unitEls: HTMLElement[] = [];
  private sel: Selection | null = null;
  private committed: Pair | null = null;
  private settleTimer: number | undefined;
  private readonly onDocUp = () => this.endDrag();

  constructor(label: string) {
    this.el = h("div", {
      class: "pl-target pl-mono",
      attrs: { tabindex: 0, role: "group", "aria-label": label, title: "Click or drag over words to select; shift-click extends; double-click takes the line; Esc selects all" },
      on: {
        pointerdown: (e) => this.onDown(e as PointerEvent),
        pointerover: (e) => this.onOver(e as PointerEvent),
        dblclick: (e) => this.onDouble(e as MouseEvent),
        keydown: (e) => this.onKey(e as KeyboardEvent),
      },
    });
  }

  destroy(): void {
    document.removeEventListener("pointerup", this.onDocUp);
    window.clearTimeout(this.settleTimer);
  }

  /** Show `text` with `span` (code points, relative to it) selected; null = whole target. */
  set(text: string, span: Pair | null): void {
    const same = text === this.text && sameSpan(span, this.committed);
    if (same && this.unitEls.length === this.units.length && this.units.length > 0) return;
    if (text !== this.text || this.unitEls.length === 0) {
      this.text = text;
      this.units = wordUnits(text);
      const map = new OffsetMap(text);
      this.unitEls = this.units.map((u, i) => h("span", { class: "pl-unit", attrs: { "data-i": i } }, map.slice(u.start, u.end)));
      if (this.unitEls.length) replace(this.el, ...this.unitEls);
      else replace(this.el, h("span", { class: "pl-muted" }, "(empty)"));
    }
    this.committed = span;
    this.sel = selectionFromSpan(this.units, span);
    this.paint();
  }

  private unitIndex(e: Event): number {
    const t = (e.target as HTMLElement | null)?.closest?.(".pl-unit") as HTMLElement | null;
    if (!t || !this.el.contains(t)) return -1;
    return Number(t.dataset.i);
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const i = this.unitIndex(e);
    if (i < 0) return;
    e.preventDefault(); // no native text selection; keep our own
    this.el.focus();
    this.sel = pointerDown(this.sel, i, e.shiftKey);
    document.addEventListener("pointerup", this.onDocUp, { once: true });
    this.paint();
  }

  private onOver(e: PointerEvent): void {
    if (!this.sel?.dragging) return;
    const i = this.unitIndex(e);
    if (i < 0) return;
    this.sel = pointerMove(this.sel, i);
    this.paint();
  }

  private endDrag(): void {
    if (!this.sel?.dragging) return;
    this.sel = pointerUp(this.sel);
    this.paint();
    window.clearTimeout(this.settleTimer);
    this.settleTimer = window.setTimeout(() => this.commit(), CLICK_SETTLE_MS);
  }

  private onDouble(e: MouseEvent): void {
    const i = this.unitIndex(e);
    if (i < 0) return;
    window.clearTimeout(this.settleTimer);
    this.sel = lineSelection(this.text, this.units, i);
    this.paint();
    this.commit();
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.units.length;
    let next: Selection | null | undefined;
    switch (e.key) {
      case "ArrowRight":
      case "ArrowDown":
        next = keyMove(this.sel, 1, e.shiftKey, n);
        break;
      case "ArrowLeft":
      case "ArrowUp":
        next = keyMove(this.sel, -1, e.shiftKey, n);
        break;
      case "Home":
        next = keyMove(this.sel, -n, e.shiftKey, n);
        break;
      case "End":
        next = keyMove(this.sel, n, e.shiftKey, n);
        break;
      case "a":
      case "A":
        if (!(e.ctrlKey || e.metaKey)) return;
        next = selectAll(n);
        break;
      case "Enter":
      case " ":
        e.preventDefault();
        this.commit();
        return;
      case "Escape":
        e.preventDefault();
        this.sel = null;
        this.paint();
        this.commit();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.sel = next ?? null;
    this.paint();
  }

  private commit(): void {
    let span = spanOf(this.text, this.units, this.sel);
    if (this.sel !== null && span === null) {
      // Only whitespace: there is nothing to explain there, and explaining the whole text instead would be a surprise.
      this.notice.textContent = "Only whitespace was selected, so the selection is unchanged: select some text.";
      this.sel = selectionFromSpan(this.units, this.committed);
      this.paint();
      return;
    }
    this.notice.textContent = "";
    if (span && isWholeTarget(this.text, span)) span = null;
    if (sameSpan(span, this.committed)) return;
    this.committed = span;
    this.onCommit(span);
  }

  private paint(): void {
    const whole = this.sel === null;
    const [a, b] = this.sel ? selectedRange(this.sel) : [0, this.units.length - 1];
    this.unitEls.forEach((el, i) => {
      const on = i >= a && i <= b;
      el.classList.toggle("pl-unit-sel", on && !whole);
      el.classList.toggle("pl-unit-all", on && whole);
      el.classList.toggle("pl-unit-focus", !!this.sel && i === this.sel.focus);
    });
  }
}

function sameSpan(a: Pair | null, b: Pair | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}
