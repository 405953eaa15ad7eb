/**
 * Selecting the span of the target to explain.
 *
 * The target is cut into units (a word with its trailing whitespace; leading whitespace is a
 * unit of its own). A selection is an anchor unit and a focus unit: a click sets both, a drag
 * moves the focus, shift-click moves the focus from the kept anchor. The selected character
 * span runs from the first selected unit's start to the last selected unit's last
 * non-whitespace character, in code points relative to the target (what
 * `POST /api/salience`'s `target_span` wants).
 */
import { codePoints, isPySpace } from "./text";
import type { Pair } from "./types";

export interface Unit {
  /** Code-point offsets into the target, half-open. */
  start: number;
  end: number;
}

/** Cut `text` into word units that cover it exactly (code-point offsets). */
export function wordUnits(text: string): Unit[] {
  const cps = codePoints(text);
  const units: Unit[] = [];
  let i = 0;
  if (cps.length > 0 && isPySpace(cps[0])) {
    while (i < cps.length && isPySpace(cps[i])) i++;
    units.push({ start: 0, end: i });
  }
  while (i < cps.length) {
    const start = i;
    while (i < cps.length && !isPySpace(cps[i])) i++;
    while (i < cps.length && isPySpace(cps[i])) i++;
    units.push({ start, end: i });
  }
  return units;
}

export interface Selection {
  anchor: number;
  focus: number;
  /** True between pointer-down and pointer-up. */
  dragging: boolean;
}

/** Pointer down on unit `i`: a new selection, or (with shift) extend the current one. */
export function pointerDown(sel: Selection | null, i: number, shift: boolean): Selection {
  if (shift && sel) return { anchor: sel.anchor, focus: i, dragging: true };
  return { anchor: i, focus: i, dragging: true };
}

/** Pointer moved over unit `i`: while dragging, the focus follows. */
export function pointerMove(sel: Selection | null, i: number): Selection | null {
  if (!sel || !sel.dragging || sel.focus === i) return sel;
  return { ...sel, focus: i };
}

/** Pointer released: the selection is final. */
export function pointerUp(sel: Selection | null): Selection | null {
  return sel && sel.dragging ? { ...sel, dragging: false } : sel;
}

/** Keyboard: move (or with shift, extend) the focus by `delta` units, clamped. */
export function keyMove(sel: Selection | null, delta: number, shift: boolean, count: number): Selection | null {
  if (count === 0) return null;
  const from = sel ? sel.focus : delta > 0 ? -1 : count;
  const to = Math.min(count - 1, Math.max(0, from + delta));
  if (shift && sel) return { anchor: sel.anchor, focus: to, dragging: false };
  return { anchor: to, focus: to, dragging: false };
}

/** Select all units. */
export function selectAll(count: number): Selection | null {
  return count === 0 ? null : { anchor: 0, focus: count - 1, dragging: false };
}

/** The units of the line holding unit `i` (for double-click). */
export function lineSelection(text: string, units: readonly Unit[], i: number): Selection {
  const cps = codePoints(text);
  const endsLine = (u: Unit) => cps.slice(u.start, u.end).includes(10);
  let a = i;
  while (a > 0 && !endsLine(units[a - 1])) a--;
  let b = i;
  while (b < units.length - 1 && !endsLine(units[b])) b++;
  return { anchor: a, focus: b, dragging: false };
}

/** Lowest and highest selected unit. */
export function selectedRange(sel: Selection): [number, number] {
  return sel.anchor <= sel.focus ? [sel.anchor, sel.focus] : [sel.focus, sel.anchor];
}

/**
 * The character span (code points, relative to the target) of a selection, with trailing
 * whitespace trimmed; `null` if it selects only whitespace.
 */
export function spanOf(text: string, units: readonly Unit[], sel: Selection | null): Pair | null {
  if (!sel || units.length === 0) return null;
  const [a, b] = selectedRange(sel);
  const cps = codePoints(text);
  const start = units[Math.max(0, a)].start;
  let end = units[Math.min(units.length - 1, b)].end;
  while (end > start && isPySpace(cps[end - 1])) end--;
  let s = start;
  while (s < end && isPySpace(cps[s])) s++;
  return s < end ? [s, end] : null;
}

/** True if the span covers all the target's non-whitespace text (the same as no span). */
export function isWholeTarget(text: string, span: Pair | null): boolean {
  if (span === null) return true;
  const cps = codePoints(text);
  let first = 0;
  while (first < cps.length && isPySpace(cps[first])) first++;
  let last = cps.length;
  while (last > first && isPySpace(cps[last - 1])) last--;
  return span[0] <= first && span[1] >= last;
}

/** The selection of units overlapping `span` (to restore a span from the URL); null if none. */
export function selectionFromSpan(units: readonly Unit[], span: Pair | null): Selection | null {
  if (!span) return null;
  const hit = units.map((u, i) => (u.start < span[1] && span[0] < u.end ? i : -1)).filter((i) => i >= 0);
  if (hit.length === 0) return null;
  return { anchor: hit[0], focus: hit[hit.length - 1], dragging: false };
}

/** Whether unit `i` is selected. */
export function isSelected(sel: Selection | null, i: number): boolean {
  if (!sel) return false;
  const [a, b] = selectedRange(sel);
  return i >= a && i <= b;
}
