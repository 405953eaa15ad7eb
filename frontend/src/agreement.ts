/**
 * Do the methods agree? When the page holds results of several methods for the same selection,
 * the rank correlation (Spearman) of their segment scores at the shown granularity says whether
 * they tell the same story. Each method's ranking is the one its heatmap and faithfulness check
 * use: signed scores by value, unsigned ones (magnitudes) by size.
 */
import { buildDisplay, type DisplayOptions } from "./salience";
import type { SalienceResult } from "./types";

/** Average ranks (1-based) of `values`, ties sharing the mean of their positions. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = rank;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation in [-1, 1] (Pearson of average ranks); null when either side is constant or shorter than 2. */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new Error(`spearman needs two lists of one length, got ${a.length} and ${b.length}.`);
  if (a.length < 2) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i] - mean) * (rb[i] - mean);
    saa += (ra[i] - mean) ** 2;
    sbb += (rb[i] - mean) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

export interface Agreement {
  method: string;
  /** Spearman's rho between the shown method's segment scores and this method's. */
  rho: number;
  /** How many prompt segments both score. */
  segments: number;
}

/** The fewest common segments a correlation is shown for: with fewer, any ranking agrees by chance. */
export const MIN_SEGMENTS = 3;

/**
 * Agreement of each of `others` with `shown`, over the prompt segments both score at
 * `options.granularity` (chat-template text left out, as in the ranking); a method that cannot
 * be shown at that granularity, or shares too few segments, is left out.
 */
export function methodAgreement(shown: SalienceResult, others: readonly { method: string; result: SalienceResult }[], options: DisplayOptions): Agreement[] {
  const scores = (result: SalienceResult, method: string): Map<string, number> | null => {
    const display = buildDisplay(result, { ...options, method, includeBos: false });
    if (display.needsRun || display.granularityError) return null;
    return new Map(display.ranked.map((r) => [`${r.start}:${r.end}`, r.score]));
  };
  const mine = scores(shown, options.method);
  if (!mine) return [];
  const out: Agreement[] = [];
  for (const { method, result } of others) {
    const theirs = result.text === shown.text ? scores(result, method) : null;
    if (!theirs) continue;
    const common = [...mine.keys()].filter((k) => theirs.has(k));
    if (common.length < MIN_SEGMENTS) continue;
    const rho = spearman(
      common.map((k) => mine.get(k) as number),
      common.map((k) => theirs.get(k) as number),
    );
    if (rho !== null) out.push({ method, rho, segments: common.length });
  }
  return out;
}
