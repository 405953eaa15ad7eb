import { describe, expect, it } from "vitest";
import { methodAgreement, ranks, spearman } from "./agreement";
import fixture from "./fixtures/result.json";
import type { SalienceResult } from "./types";

const result = fixture as unknown as SalienceResult;

describe("spearman", () => {
  it("gives tied values their mean rank", () => {
    expect(ranks([0.5, -1, 3, 0.5])).toEqual([2.5, 1, 4, 2.5]);
  });

  it("is 1 for the same order, -1 for the reverse, null for a constant side", () => {
    expect(spearman([1, 2, 3], [10, 20, 300])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
  });

  it("equals the server's (promptlight.salience.context_cite.spearman) with ties", () => {
    // Python: spearman([0.5, -1.2, 3.0, 0.5, 2.2, -0.1], [1.0, 0.2, 2.5, 0.9, 0.1, -3.0]) == 0.5217939320872036
    expect(spearman([0.5, -1.2, 3.0, 0.5, 2.2, -0.1], [1.0, 0.2, 2.5, 0.9, 0.1, -3.0])).toBeCloseTo(0.5217939320872036, 12);
  });
});

describe("agreement between the methods a page holds", () => {
  const withScores = (f: (l2: number) => number): SalienceResult => ({
    ...result,
    tokens: result.tokens.map((t) => ({ ...t, scores: { ...t.scores, grad_dot_input: t.scores.grad_l2 === null ? null : f(t.scores.grad_l2 as number) } })),
  });

  it("is 1 for a method ranking the words the same way and -1 for the reverse", () => {
    const options = { method: "grad_l2", granularity: "words" };
    const same = methodAgreement(result, [{ method: "grad_dot_input", result: withScores((v) => 3 * v + 1) }], options);
    expect(same).toHaveLength(1);
    expect(same[0].rho).toBeCloseTo(1, 12);
    expect(same[0].segments).toBe(6); // "I", " like", " 🍰.", " No", " eggs.\n", "Recommend?"
    const reverse = methodAgreement(result, [{ method: "grad_dot_input", result: withScores((v) => -v) }], options);
    expect(reverse[0].rho).toBeCloseTo(-1, 12);
  });

  it("leaves out a per-segment method run at another granularity, and one sharing too few segments", () => {
    const occlusion = { method: "occlusion", result };
    expect(methodAgreement(result, [occlusion], { method: "grad_l2", granularity: "words" })).toEqual([]);
    const atSentences = methodAgreement(result, [occlusion], { method: "grad_l2", granularity: "sentences" });
    expect(atSentences.map((a) => a.method)).toEqual(["occlusion"]);
    expect(atSentences[0].segments).toBe(3);
    expect(methodAgreement(result, [{ method: "grad_dot_input", result }], { method: "grad_l2", granularity: "lines" })).toEqual([]);
  });
});
