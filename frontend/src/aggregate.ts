/**
 * Token scores -> segment scores, exactly as docs/result-schema.md says:
 *
 * - each token belongs to the segment holding its first non-whitespace character;
 * - a whitespace-only token belongs to the segment holding its `start`;
 * - an empty token (a byte-fallback piece completing the previous token's character) belongs
 *   to the segment of the token before it; an empty first token (BOS) to the first segment;
 * - a segment's score is the sum of its tokens' non-null scores, `null` if it has none.
 *
 * Also the custom-regex granularity, computed here in JavaScript with the rule Python uses:
 * every match is a segment, every gap between matches is a segment, empty matches are ignored.
 * All offsets are code points into the result's `text`.
 */
import { codePoints, isPySpace, OffsetMap } from "./text";
import type { Pair, ResultToken } from "./types";

/**
 * Index of the segment holding code-point position `pos`: the last segment starting at or
 * before it (so an empty segment never wins over the non-empty one starting at the same
 * place, and `pos == len(text)` falls in the last segment).
 */
export function segmentAt(segments: readonly Pair[], pos: number): number {
  if (segments.length === 0) return -1;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid][0] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The code-point position that decides a token's segment (see the module docstring). */
export function anchorOf(cps: readonly number[], token: Pick<ResultToken, "start" | "end">): number {
  for (let i = token.start; i < token.end && i < cps.length; i++) {
    if (!isPySpace(cps[i])) return i;
  }
  return token.start;
}

/** For each token, the index of the segment it belongs to. */
export function assignTokens(text: string, tokens: readonly Pick<ResultToken, "start" | "end">[], segments: readonly Pair[]): number[] {
  const cps = codePoints(text);
  const owners: number[] = [];
  for (const t of tokens) {
    if (t.start === t.end && owners.length > 0) owners.push(owners[owners.length - 1]);
    else owners.push(segmentAt(segments, anchorOf(cps, t)));
  }
  return owners;
}

export interface AggregateOptions {
  /** Leave special tokens (BOS) out of the sums; the display does this by default. */
  skipSpecial?: boolean;
}

/** Segment scores: the sum of each segment's tokens' non-null scores, `null` if none is scored. */
export function aggregate(
  text: string,
  tokens: readonly ResultToken[],
  scores: readonly (number | null | undefined)[],
  segments: readonly Pair[],
  options: AggregateOptions = {},
): (number | null)[] {
  const owner = assignTokens(text, tokens, segments);
  const out: (number | null)[] = segments.map(() => null);
  tokens.forEach((tok, i) => {
    const v = scores[i];
    if (v === null || v === undefined || Number.isNaN(v)) return;
    if (options.skipSpecial && tok.special) return;
    const k = owner[i];
    if (k < 0) return;
    out[k] = (out[k] ?? 0) + v;
  });
  return out;
}

/** `segments` with every one that strictly contains a position of `cuts` split there. */
export function splitAt(segments: readonly Pair[], cuts: readonly number[]): Pair[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Pair[] = [];
  for (const [s, e] of segments) {
    let start = s;
    for (const c of points) {
      if (c <= start) continue;
      if (c >= e) break;
      out.push([start, c]);
      start = c;
    }
    out.push([start, e]);
  }
  return out;
}

/** Positions no segment of a result crosses: the prompt's end and every chat message's edges. */
export function resultCuts(result: { text: string; prompt_span: Pair; messages?: { start: number; end: number }[] }): number[] {
  const n = codePoints(result.text).length;
  const points = new Set<number>([result.prompt_span[1]]);
  for (const m of result.messages ?? []) {
    points.add(m.start);
    points.add(m.end);
  }
  return [...points].filter((p) => p > 0 && p < n).sort((a, b) => a - b);
}

/** A regex granularity name: `regex:<pattern>`. */
export const REGEX_PREFIX = "regex:";

export function isRegexGranularity(granularity: string): boolean {
  return granularity.startsWith(REGEX_PREFIX);
}

/**
 * Segments of `text` for a JavaScript regular expression (code-point offsets).
 *
 * Every non-empty match is a segment and so is every gap between matches, so the segments
 * partition the text. The pattern uses JavaScript syntax with the `u` flag (not Python's
 * `re`); an invalid pattern throws an Error that says so.
 */
export function regexSegments(text: string, pattern: string): Pair[] {
  if (pattern === "") throw new Error("The custom pattern is empty: type a JavaScript regular expression, e.g. [^.!?]+[.!?]\\s*");
  let re: RegExp;
  try {
    re = new RegExp(pattern, "gu");
  } catch (err) {
    throw new Error(`Invalid JavaScript regular expression /${pattern}/: ${(err as Error).message}`);
  }
  const map = new OffsetMap(text);
  const out: Pair[] = [];
  let pos = 0; // UTF-16 index where the next gap starts
  for (const m of text.matchAll(re)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (end === start) continue; // empty matches are ignored (matchAll steps past them)
    if (start > pos) out.push([map.toCp(pos), map.toCp(start)]);
    out.push([map.toCp(start), map.toCp(end)]);
    pos = end;
  }
  if (pos < text.length) out.push([map.toCp(pos), map.toCp(text.length)]);
  return out;
}
