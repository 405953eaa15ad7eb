/**
 * What changed between the two sides of the compare view: the prompt lines B changed or
 * added against A (a line diff by longest common subsequence), and the one-line summary of
 * the objective's change.
 */
import { formatScore } from "./salience";
import { sliceCp } from "./text";
import type { Pair, SalienceResult } from "./types";

/** Lines of `text` with their code-point ranges (each line without its `\n`). */
function lines(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let start = 0;
  const cps = [...text]; // code points
  let cur: string[] = [];
  cps.forEach((c, i) => {
    if (c === "\n") {
      out.push({ text: cur.join(""), start, end: i });
      cur = [];
      start = i + 1;
    } else cur.push(c);
  });
  out.push({ text: cur.join(""), start, end: cps.length });
  return out;
}

/**
 * Code-point ranges of the lines of `b` that are not in `a` (changed or added), by a longest
 * common subsequence of lines. Empty lines are never marked. Equal texts give `[]`.
 */
export function changedLines(a: string, b: string): Pair[] {
  const la = lines(a);
  const lb = lines(b);
  const n = la.length;
  const m = lb.length;
  if (n * m > 4_000_000) return []; // too long to diff here; nothing is marked
  // lcs[i][j]: LCS length of la[i:] and lb[j:].
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = la[i].text === lb[j].text ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Pair[] = [];
  let i = 0;
  let j = 0;
  while (j < m) {
    if (i < n && la[i].text === lb[j].text) {
      i++;
      j++;
    } else if (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
      i++;
    } else {
      if (lb[j].text.trim()) out.push([lb[j].start, lb[j].end]);
      j++;
    }
  }
  return out;
}

/** "B vs A: f −1.250 vs −0.192 (Δ −1.058 nats); output changed" (or "unchanged"). */
export function compareHeadline(a: SalienceResult, b: SalienceResult): string {
  const delta = b.objective_value - a.objective_value;
  const sign = delta > 0 ? "+" : "";
  const targetA = sliceCp(a.text, a.target_span[0], a.target_span[1]);
  const targetB = sliceCp(b.text, b.target_span[0], b.target_span[1]);
  const output = targetA === targetB ? "output unchanged" : "output changed";
  return `B vs A: f ${formatScore(b.objective_value)} vs ${formatScore(a.objective_value)} (Δ ${sign}${formatScore(delta)} nats); ${output}`;
}
