import { describe, expect, it } from "vitest";
import { aggregate, assignTokens, regexSegments, segmentAt } from "./aggregate";
import fixture from "./fixtures/result.json";
import { sliceCp } from "./text";
import type { SalienceResult } from "./types";

const result = fixture as unknown as SalienceResult;
const scores = (m: string) => result.tokens.map((t) => t.scores[m] ?? null);

/** Hand-computed from fixtures/result.json (see the token table there). */
describe("token -> segment aggregation", () => {
  it("assigns each token by its first non-whitespace character", () => {
    // words: "I " "like " "🍰. " "No " "eggs.\n" "Recommend? " "Try " "it."
    const owner = assignTokens(result.text, result.tokens, result.boundaries.words);
    // BOS (empty, start 0) -> word 0; " like" -> word 1 (its space belongs to word 0);
    // "\n" is whitespace-only -> the word holding its start (18, in "eggs.\n").
    expect(owner).toEqual([0, 0, 1, 2, 2, 3, 4, 4, 4, 5, 5, 6, 7, 7]);
  });

  it("sums scored tokens per word and leaves unscored words null", () => {
    const w = aggregate(result.text, result.tokens, scores("grad_l2"), result.boundaries.words, { skipSpecial: true });
    const expected = [0.1, 0.2, 0.45, 0.3, 0.53, 0.3, null, null];
    expect(w).toHaveLength(expected.length);
    w.forEach((v, i) => (expected[i] === null ? expect(v).toBeNull() : expect(v).toBeCloseTo(expected[i]!, 10)));
  });

  it("follows the schema's rule literally by default (an empty first token, BOS, joins the first segment)", () => {
    const w = aggregate(result.text, result.tokens, scores("grad_l2"), result.boundaries.words);
    expect(w[0]).toBeCloseTo(1.0, 10);
    expect(w[1]).toBeCloseTo(0.2, 10);
  });

  it("keeps signs for signed methods", () => {
    const w = aggregate(result.text, result.tokens, scores("grad_dot_input"), result.boundaries.words, { skipSpecial: true });
    const expected = [0.05, -0.1, 0.31, -0.2, -0.4, 0.15, null, null];
    w.forEach((v, i) => (expected[i] === null ? expect(v).toBeNull() : expect(v).toBeCloseTo(expected[i]!, 10)));
  });

  it("re-aggregates to sentences and lines from the same token scores", () => {
    const s = aggregate(result.text, result.tokens, scores("grad_l2"), result.boundaries.sentences, { skipSpecial: true });
    expect(s[0]).toBeCloseTo(0.75, 10);
    expect(s[1]).toBeCloseTo(0.83, 10);
    expect(s[2]).toBeCloseTo(0.3, 10);
    expect(s[3]).toBeNull();
    const l = aggregate(result.text, result.tokens, scores("grad_l2"), result.boundaries.lines, { skipSpecial: true });
    expect(l[0]).toBeCloseTo(1.58, 10);
    expect(l[1]).toBeCloseTo(0.3, 10);
  });

  it("keeps an empty byte-fallback token with the token before it", () => {
    // "🍰" split into two byte pieces: the second has an empty span at 2, where the next segment starts.
    const text = "a🍰 b";
    const tokens = [
      { text: "", start: 0, end: 0, special: true, scores: { m: 5 } },
      { text: "a", start: 0, end: 1, scores: { m: 1 } },
      { text: "🍰", start: 1, end: 2, scores: { m: 2 } },
      { text: "", start: 2, end: 2, scores: { m: 4 } },
      { text: " b", start: 2, end: 4, scores: { m: 8 } },
    ];
    const segs: [number, number][] = [
      [0, 2],
      [2, 4],
    ];
    expect(assignTokens(text, tokens, segs)).toEqual([0, 0, 0, 0, 1]);
    expect(aggregate(text, tokens, tokens.map((t) => t.scores.m), segs)).toEqual([12, 8]);
    expect(aggregate(text, tokens, tokens.map((t) => t.scores.m), segs, { skipSpecial: true })).toEqual([7, 8]);
  });

  it("finds the segment holding a position", () => {
    const segs = result.boundaries.lines;
    expect(segmentAt(segs, 0)).toBe(0);
    expect(segmentAt(segs, 18)).toBe(0);
    expect(segmentAt(segs, 19)).toBe(1);
    expect(segmentAt(segs, 37)).toBe(1); // end of text: the last segment
    expect(segmentAt([], 3)).toBe(-1);
  });
});

describe("custom regex granularity", () => {
  it("makes every match and every gap a segment, in code points", () => {
    const segs = regexSegments(result.text, "[^.?]+[.?]");
    expect(segs.map(([a, b]) => sliceCp(result.text, a, b))).toEqual(["I like 🍰.", " No eggs.", "\nRecommend?", " Try it."]);
    expect(segs[0]).toEqual([0, 9]);
  });

  it("keeps gaps between matches", () => {
    const segs = regexSegments("ab12cd3", "\\d+");
    expect(segs).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 7],
    ]);
  });

  it("ignores empty matches", () => {
    expect(regexSegments("a😀b", "x*")).toEqual([[0, 3]]);
    expect(regexSegments("a b", "\\b")).toEqual([[0, 3]]);
  });

  it("partitions the text whatever the pattern", () => {
    const text = "Line one 😀.\nLine two!\n\nPara two.";
    for (const p of ["\\w+", "\\n+", ".", "[😀!]", "Line"]) {
      const segs = regexSegments(text, p);
      let pos = 0;
      for (const [a, b] of segs) {
        expect(a).toBe(pos);
        expect(b).toBeGreaterThan(a);
        pos = b;
      }
      expect(pos).toBe([...text].length);
    }
  });

  it("explains an invalid or empty pattern", () => {
    expect(() => regexSegments("abc", "(?P<x>a)")).toThrow(/Invalid JavaScript regular expression/);
    expect(() => regexSegments("abc", "")).toThrow(/empty/);
  });
});
