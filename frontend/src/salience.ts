/**
 * What to draw for a salience result: the text cut into pieces with their scores and colours,
 * at any granularity and for any method the result carries, without asking the server.
 *
 * Shared by the heatmap in the app and the HTML report, so both show the same numbers.
 * Special tokens (BOS) are drawn as their own piece and kept out of the segment sums and,
 * unless `includeBos`, out of the colour scale (BOS otherwise dominates it).
 */
import { aggregate, isRegexGranularity, regexSegments, REGEX_PREFIX, resultCuts, splitAt } from "./aggregate";
import { maxAbs, type Scale } from "./colour";
import { OffsetMap } from "./text";
import type { FaithfulnessCheck, Pair, SalienceResult } from "./types";

export interface DisplayOptions {
  method: string;
  granularity: string;
  /** Put BOS and chat-template text on the colour scale (default: leave them out). */
  includeBos?: boolean;
  /** Intensity gain (1 = the largest displayed segment gets full colour). */
  gain?: number;
  /** Colour by this max |score| instead of the result's own (the compare view's shared scale). */
  maxAbs?: number;
}

export type Region = "special" | "prompt" | "target";

export interface Piece {
  /** Code-point offsets into `result.text`. */
  start: number;
  end: number;
  /** The piece's text (a JavaScript string, ready to show); a label for special tokens. */
  text: string;
  region: Region;
  /** Raw score (prompt pieces and special tokens), `null` when unscored. */
  score: number | null;
  /** Index of the segment (into the granularity's boundaries), -1 for special tokens. */
  segment: number;
  /** Inside the selected target span. */
  selected: boolean;
  /** Counted in the colour scale. */
  onScale: boolean;
  /** Chat-template text (role markers, turn delimiters): drawn muted, off the scale unless `includeBos`. */
  template?: boolean;
  /** Coarse-to-fine occlusion did not leave this segment out on its own: its score is a share of its paragraph's or sentence's. */
  estimated?: boolean;
}

/** Whether `[start, end)` of a chat result's prompt holds no character of any message's content. */
export function isTemplateText(result: SalienceResult, start: number, end: number): boolean {
  const messages = result.messages ?? [];
  if (!messages.length || start >= result.prompt_span[1]) return false;
  return !messages.some((m) => start < m.end && m.start < end);
}

export interface RankedSegment {
  segment: number;
  start: number;
  end: number;
  text: string;
  score: number;
}

export interface Display {
  pieces: Piece[];
  scale: Scale;
  signed: boolean;
  /** Prompt segments with a score, largest |score| first. */
  ranked: RankedSegment[];
  /** Why no scores are shown (method or granularity needs a new request), or null. */
  notice: string | null;
  /** True when the shown method/granularity needs a new request to get scores. */
  needsRun: boolean;
  /** A problem with the granularity itself (e.g. an invalid custom regex), or null. */
  granularityError: string | null;
}

/** The granularity's segments of the result's text; the regex ones computed here in JavaScript. */
export function boundariesOf(result: SalienceResult, granularity: string): Pair[] {
  if (isRegexGranularity(granularity)) return splitAt(regexSegments(result.text, granularity.slice(REGEX_PREFIX.length)), resultCuts(result));
  const b = result.boundaries[granularity];
  if (!b) {
    const known = Object.keys(result.boundaries).join(", ");
    throw new Error(`This result has no '${granularity}' segments. Available: ${known}.`);
  }
  return b;
}

function specialLabel(index: number, text: string): string {
  if (text.trim()) return text;
  return index === 0 ? "BOS" : "special";
}

/** Cut `result.text` into pieces for `options`, with scores, the scale and the ranking. */
export function buildDisplay(result: SalienceResult, options: DisplayOptions): Display {
  const { method } = options;
  const gain = options.gain ?? 1;
  const map = new OffsetMap(result.text);
  const promptEnd = result.prompt_span[1];
  const [selStart, selEnd] = result.selected_span;
  const meta = result.methods[method];
  const signed = meta ? meta.signed : method !== "grad_l2";

  let granularityError: string | null = null;
  let segments: Pair[];
  let granularity = options.granularity;
  try {
    segments = boundariesOf(result, granularity);
  } catch (err) {
    granularityError = (err as Error).message;
    granularity = "words" in result.boundaries ? "words" : "tokens";
    segments = result.boundaries[granularity] ?? [[0, map.length]];
  }

  let values: (number | null)[] = segments.map(() => null);
  let notice: string | null = null;
  let needsRun = false;
  const perSegment = result.segment_scores?.[method];
  if (!meta) {
    needsRun = true;
    const have = Object.keys(result.methods).join(", ");
    notice = `This result has no ${method} scores (it has ${have}). Run salience to compute them.`;
  } else if (perSegment) {
    if (perSegment.granularity === options.granularity && !granularityError) {
      segments = result.boundaries[perSegment.granularity] ?? segments;
      values = segments.map((_, k) => perSegment.values[k] ?? null);
    } else {
      needsRun = true;
      notice =
        `${method} is computed per granularity: these scores are for ${perSegment.granularity}. ` +
        `Run salience again to leave out ${options.granularity} instead.`;
    }
  } else {
    const scores = result.tokens.map((t) => t.scores[method] ?? null);
    values = aggregate(result.text, result.tokens, scores, segments, { skipSpecial: true });
  }

  // Coarse-to-fine occlusion lists the segments it estimated (indices into this granularity's boundaries).
  const estimatedList = perSegment && !needsRun && Array.isArray(meta?.estimated_segments) ? (meta.estimated_segments as number[]) : [];
  const estimated = new Set(estimatedList);
  const pieces: Piece[] = [];
  const specials = result.tokens
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.special)
    .map(({ t, i }) => ({ pos: t.start, index: i, label: specialLabel(i, t.text), score: needsRun ? null : (t.scores[method] ?? null) }));
  let nextSpecial = 0;
  const pushSpecialsUpTo = (pos: number) => {
    while (nextSpecial < specials.length && specials[nextSpecial].pos <= pos) {
      const s = specials[nextSpecial++];
      const inPrompt = s.pos < promptEnd || (s.pos === 0 && promptEnd === 0);
      pieces.push({
        start: s.pos,
        end: s.pos,
        text: s.label,
        region: "special",
        score: s.score,
        segment: -1,
        selected: false,
        onScale: inPrompt && !!options.includeBos && s.score !== null,
      });
    }
  };

  segments.forEach(([s, e], k) => {
    const cuts = new Set<number>([s, e]);
    for (const c of [promptEnd, selStart, selEnd]) if (c > s && c < e) cuts.add(c);
    const points = [...cuts].sort((a, b) => a - b);
    for (let j = 0; j + 1 < points.length; j++) {
      const a = points[j];
      const b = points[j + 1];
      pushSpecialsUpTo(a);
      const inPrompt = b <= promptEnd;
      const template = inPrompt && isTemplateText(result, a, b);
      pieces.push({
        start: a,
        end: b,
        text: map.slice(a, b),
        region: inPrompt ? "prompt" : "target",
        score: inPrompt ? values[k] : null,
        segment: k,
        selected: a >= selStart && b <= selEnd && a < b,
        onScale: inPrompt && values[k] !== null && (!template || !!options.includeBos),
        template,
        ...(inPrompt && estimated.has(k) ? { estimated: true } : {}),
      });
    }
  });
  pushSpecialsUpTo(Number.POSITIVE_INFINITY);

  const own = maxAbs(pieces.filter((p) => p.onScale).map((p) => p.score));
  const scale: Scale = { signed, maxAbs: options.maxAbs !== undefined && options.maxAbs > 0 ? Math.max(options.maxAbs, own) : own, gain };

  const ranked: RankedSegment[] = [];
  segments.forEach(([s, e], k) => {
    const v = values[k];
    if (v === null || s >= promptEnd) return;
    const end = Math.min(e, promptEnd);
    if (isTemplateText(result, s, end) && !options.includeBos) return;
    ranked.push({ segment: k, start: s, end, text: map.slice(s, end), score: v });
  });
  ranked.sort((x, y) => Math.abs(y.score) - Math.abs(x.score) || x.start - y.start);

  return { pieces, scale, signed, ranked, notice, needsRun, granularityError };
}

/**
 * The objective in words, for the panel and the report: the record's own sentence, as the
 * server wrote it. For an unsigned method (`method`'s scores are magnitudes) the sentence's
 * sign clause ("a positive score means ...") would mislead, so it says what the numbers mean instead.
 */
export function describeObjective(result: SalienceResult, method?: string): string {
  const unsigned = method !== undefined && result.methods[method]?.signed === false;
  if (!unsigned) return result.objective;
  const cut = result.objective.search(/; (a )?positive( score)?( =| means)/);
  const what = cut >= 0 ? result.objective.slice(0, cut) : result.objective.replace(/\.$/, "");
  return `${what}; ${method} is unsigned: a larger score means that part of the prompt moves f more, in either direction.`;
}

/** Short human form of a score. */
export function formatScore(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const sign = v < 0 ? "−" : "";
  if (a >= 1000 || a < 0.001) return sign + a.toExponential(2);
  if (a >= 100) return sign + a.toFixed(1);
  if (a >= 1) return sign + a.toFixed(3);
  return sign + a.toPrecision(3);
}

/** Method metadata worth showing next to the scores (e.g. integrated gradients' completeness gap). */
export function methodNotes(result: SalienceResult, method: string): string[] {
  const meta = result.methods[method];
  if (!meta) return [];
  const notes: string[] = [];
  // The objective's sentence speaks of signs; an unsigned method's scores have none.
  if (!meta.signed) notes.push("unsigned: how strongly a part moves f, not in which direction");
  if (typeof meta.steps === "number") notes.push(`${meta.steps} steps${meta.auto === true ? (meta.converged === true ? " (auto: gap under tolerance)" : " (auto: not converged)") : ""}`);
  if (typeof meta.relative_gap === "number") notes.push(`relative gap ${(100 * meta.relative_gap).toFixed(meta.relative_gap < 0.01 ? 2 : 1)}%`);
  if (typeof meta.baseline === "string") notes.push(`baseline: ${meta.baseline}`);
  if (typeof meta.f_input === "number" && typeof meta.f_baseline === "number") {
    notes.push(`f(input) − f(baseline) = ${formatScore(meta.f_input - meta.f_baseline)}`);
  }
  if (typeof meta.completeness_gap === "number") notes.push(`completeness gap ${formatScore(meta.completeness_gap)}`);
  if (meta.exact === true) notes.push("exact Shapley values");
  else if (typeof meta.samples === "number") notes.push(`${meta.samples} samples`);
  if (typeof meta.lds === "number") notes.push(`held-out fit (LDS) ${meta.lds.toFixed(2)}`);
  if (meta.hierarchical === true && typeof meta.segments_scored === "number" && typeof meta.segments_estimated === "number") {
    notes.push(`coarse to fine: ${meta.segments_scored} scored exactly, ${meta.segments_estimated} estimated from their paragraph or sentence`);
  }
  if (typeof meta.forward_passes === "number") notes.push(`${meta.forward_passes} forward passes`);
  const from = meta.from_record as { selected_span?: Pair; held_fixed?: number } | undefined;
  if (from && Array.isArray(from.selected_span)) {
    const [a, b] = from.selected_span;
    const whole = a === 0 && b === result.target_span[1] - result.target_span[0];
    notes.push(`answered from the run over ${whole ? "the whole target" : `target chars ${a}–${b}`}, no model call`);
    const n = from.held_fixed ?? 0;
    if (n > 0) notes.push(`the ${n} target ${n === 1 ? "token" : "tokens"} before the selection held fixed, not scored`);
  }
  return notes;
}

/** A segment of each granularity in words ("line 5", "a random line"); the same names as Python's report. */
export const SEGMENT_UNITS: Record<string, string> = { tokens: "token", words: "word", sentences: "sentence", lines: "line", paragraphs: "paragraph", messages: "message", fields: "part" };

function shortNumber(v: number | null): string {
  if (v === null) return "n/a";
  return Number(v.toPrecision(3)).toString();
}

/**
 * The faithfulness check in one line, in the same words as the CLI and the HTML report
 * (promptlight/report.py: check_summary): "Removing the top line lowers f by 6.2 nats; a random line: 3.3 (x1.9)."
 */
export function checkSummary(check: FaithfulnessCheck | null | undefined): string {
  if (!check) return "";
  const unit = SEGMENT_UNITS[check.granularity] ?? "segment";
  const top = check.top1;
  const what = top.size === 1 ? unit : `${top.size} ${unit}s`;
  const moves = top.drop >= 0 ? `lowers f by ${shortNumber(top.drop)} nats` : `raises f by ${shortNumber(-top.drop)} nats`;
  let line = `Removing the top ${what} ${moves}; a random ${unit}: ${shortNumber(top.random_median)}`;
  if (top.ratio !== null && top.drop > 0) line += ` (x${top.ratio.toFixed(1)})`;
  const three = check.top3;
  if (three.size > 1 && three.size < check.segments_ranked) line += `. Top ${three.size}: ${shortNumber(three.drop)} vs ${shortNumber(three.random_median)} at random`;
  if (!top.above_random) line += ". The top segment does no better than a random one here: read this heatmap with care";
  return line + ".";
}
