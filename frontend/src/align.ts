/**
 * The compare view's second pane follows the first one's selection: given the text pane A
 * explains, the span selected in it, and the text pane B explains, find the span of B that
 * answers the same question. Three rules, in order:
 *
 * 1. "text": B contains A's selected text exactly: its first occurrence.
 * 2. "label": A's selection starts at the beginning of a line (only whitespace before it on
 *    that line), stays on that line, and the line starts with a label (`LABEL_RE`, e.g.
 *    `Recommendation:`): B's first line starting with the same label, to the end of that line
 *    (trailing whitespace left out, as a selection made by hand leaves it out). Its start
 *    matches how much of A's line was selected: the whole line (extent "line") when A's
 *    selection took the line's leading whitespace too, else from the label (extent "label").
 *    Without leading whitespace the two are the same.
 * 3. "none": the whole of B's text (span null), as without a selection.
 *
 * Offsets are code points relative to each text (what the API counts); see text.ts.
 */
import { OffsetMap, isPySpace } from "./text";
import type { Pair } from "./types";

/** A line that starts with a label: optional whitespace, 1-40 word characters, spaces or hyphens, a colon. */
export const LABEL_RE = /^\s*[\w -]{1,40}:/;

export type AlignRule = "text" | "label" | "none";

export interface Alignment {
  rule: AlignRule;
  /** The span of B's text to explain (code points, relative to it); null = all of it. */
  span: Pair | null;
  /** Rule "label": the label, without surrounding whitespace, with its colon ("Recommendation:"). */
  label?: string;
  /** Rule "label": "line" = B's whole line, "label" = from B's label; both to the end of the line. */
  extent?: "line" | "label";
}

const NONE: Alignment = { rule: "none", span: null };

/** The label a line starts with ("Recommendation:"), or null. A label needs a word character. */
export function lineLabel(line: string): string | null {
  const m = LABEL_RE.exec(line);
  if (!m) return null;
  const label = m[0].trim();
  return /\w/.test(label) ? label : null;
}

/** UTF-16 index just past the last non-whitespace (Python's idea of it) character in s[from:to]. */
function trimmedEnd(s: string, from: number, to: number): number {
  let end = to;
  while (end > from && isPySpace(s.charCodeAt(end - 1))) end--;
  return end;
}

/** [start, end) UTF-16 indices of the line of `s` holding index `i` (end before its "\n"). */
function lineAt(s: string, i: number): [number, number] {
  const start = i === 0 ? 0 : s.lastIndexOf("\n", i - 1) + 1;
  const nl = s.indexOf("\n", i);
  return [start, nl < 0 ? s.length : nl];
}

/**
 * The span of `textB` that corresponds to `spanA` in `textA` (both code-point offsets), and
 * which rule found it. A span that does not fit `textA`, or is empty, matches nothing.
 */
export function alignSpan(textA: string, spanA: Pair, textB: string): Alignment {
  const mapA = new OffsetMap(textA);
  const [s, e] = spanA;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > mapA.length || s >= e) return NONE;
  const a0 = mapA.toUtf16(s);
  const a1 = mapA.toUtf16(e);
  const selected = textA.slice(a0, a1);
  const mapB = new OffsetMap(textB);

  // 1. The same text.
  const at = textB.indexOf(selected);
  if (at >= 0) return { rule: "text", span: [mapB.toCp(at), mapB.toCp(at + selected.length)] };

  // 2. The same label: A's selection is (the start of) one labelled line.
  const [lineStart, lineEnd] = lineAt(textA, a0);
  if (a1 > lineEnd) return NONE; // it runs over more than one line
  const line = textA.slice(lineStart, lineEnd);
  const label = lineLabel(line);
  if (label === null) return NONE;
  const labelStart = lineStart + line.indexOf(label);
  if (a0 > labelStart) return NONE; // it starts after the line's beginning
  const extent = a0 < labelStart ? "line" : "label";

  for (let b0 = 0; b0 <= textB.length; ) {
    const nl = textB.indexOf("\n", b0);
    const b1 = nl < 0 ? textB.length : nl;
    const lineB = textB.slice(b0, b1);
    if (lineLabel(lineB) === label) {
      const start = extent === "line" ? b0 : b0 + lineB.indexOf(label);
      const end = trimmedEnd(textB, start, b1);
      if (end > start) return { rule: "label", span: [mapB.toCp(start), mapB.toCp(end)], label, extent };
    }
    if (nl < 0) break;
    b0 = nl + 1;
  }

  // 3. Nothing to match: the whole text.
  return NONE;
}

/** How pane B's span was found, for the note in pane B: `what` is "output" or "target". */
export function alignmentNote(a: Alignment, what = "output"): string {
  if (a.rule === "text") return "same text";
  if (a.rule === "label") return `same label '${a.label ?? ""}'`;
  return `whole ${what} — no matching span`;
}
