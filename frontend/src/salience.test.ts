import { describe, expect, it } from "vitest";
import fixture from "./fixtures/result.json";
import { buildDisplay, checkSummary, describeObjective, formatScore, methodNotes } from "./salience";
import type { SalienceResult } from "./types";
import { tooltipLines } from "./ui/heatmap";

const result = fixture as unknown as SalienceResult;

describe("display of a result", () => {
  it("leaves BOS out of the colour scale by default", () => {
    const d = buildDisplay(result, { method: "grad_l2", granularity: "words" });
    // Words of the prompt: 0.1 0.2 0.45 0.3 0.53 0.3; BOS (0.9) would dominate.
    expect(d.scale.maxAbs).toBeCloseTo(0.53, 10);
    expect(d.signed).toBe(false);
    const bos = d.pieces[0];
    expect(bos).toMatchObject({ region: "special", text: "BOS", score: 0.9, onScale: false });
    expect(d.pieces[1]).toMatchObject({ text: "I ", region: "prompt" });
    expect(d.pieces[1].score).toBeCloseTo(0.1, 10);
  });

  it("marks the segments coarse-to-fine occlusion estimated, and says so on hover", () => {
    const words = result.boundaries.words;
    const values = words.map((_, k) => (k < 6 ? 0.1 * (k + 1) : null));
    const coarse: SalienceResult = {
      ...result,
      method: "occlusion",
      methods: { occlusion: { signed: true, level: "words", hierarchical: true, estimated_segments: [2, 3] } },
      segment_scores: { occlusion: { granularity: "words", values } },
    };
    const d = buildDisplay(coarse, { method: "occlusion", granularity: "words" });
    const marked = d.pieces.filter((p) => p.estimated).map((p) => p.segment);
    expect([...new Set(marked)]).toEqual([2, 3]);
    const piece = d.pieces.find((p) => p.segment === 2)!;
    expect(tooltipLines({ piece, scale: d.scale }).at(-1)).toMatch(/^estimated \(coarse to fine\)/);
    // At another granularity the scores (and the marks) are not shown.
    expect(buildDisplay(coarse, { method: "occlusion", granularity: "lines" }).pieces.some((p) => p.estimated)).toBe(false);
  });

  it("puts BOS on the scale when asked", () => {
    const d = buildDisplay(result, { method: "grad_l2", granularity: "words", includeBos: true });
    expect(d.scale.maxAbs).toBeCloseTo(0.9, 10);
    expect(d.pieces[0].onScale).toBe(true);
  });

  it("cuts a segment that straddles the prompt/target boundary and marks the selection", () => {
    const d = buildDisplay(result, { method: "grad_l2", granularity: "words" });
    const texts = d.pieces.map((p) => [p.text, p.region, p.selected]);
    // "Recommend? " spans prompt [19, 29) and target [29, 30); the selection starts at 30.
    expect(texts.slice(-4)).toEqual([
      ["Recommend?", "prompt", false],
      [" ", "target", false],
      ["Try ", "target", true],
      ["it.", "target", true],
    ]);
    expect(d.pieces.filter((p) => p.region === "target").every((p) => p.score === null)).toBe(true);
    // Every character of the text appears exactly once.
    expect(d.pieces.filter((p) => p.region !== "special").map((p) => p.text).join("")).toBe(result.text);
  });

  it("ranks prompt segments by |score|", () => {
    const d = buildDisplay(result, { method: "grad_dot_input", granularity: "words" });
    expect(d.signed).toBe(true);
    expect(d.ranked.map((r) => r.text)).toEqual(["eggs.\n", "🍰. ", "No ", "Recommend?", "like ", "I "]);
    expect(d.ranked[0].score).toBeCloseTo(-0.4, 10);
  });

  it("switches granularity without a request for gradient methods", () => {
    const d = buildDisplay(result, { method: "grad_l2", granularity: "lines" });
    expect(d.needsRun).toBe(false);
    expect(d.ranked.map((r) => r.score)).toEqual([expect.closeTo(1.58, 10), expect.closeTo(0.3, 10)]);
    const r = buildDisplay(result, { method: "grad_l2", granularity: "regex:[^.?]+[.?]" });
    // Segments "I like 🍰." " No eggs." "\nRecommend?" (the "\n" token joins the third).
    expect(r.ranked.map((x) => x.text)).toEqual([" No eggs.", "I like 🍰.", "\nRecommend?"]);
    expect(r.ranked.map((x) => x.score)).toEqual([expect.closeTo(0.82, 10), expect.closeTo(0.75, 10), expect.closeTo(0.31, 10)]);
  });

  it("uses occlusion's own segments, and asks for a new request at another granularity", () => {
    const same = buildDisplay(result, { method: "occlusion", granularity: "sentences" });
    expect(same.needsRun).toBe(false);
    expect(same.ranked.map((r) => r.score)).toEqual([1.1, 0.2, -0.05]);
    const other = buildDisplay(result, { method: "occlusion", granularity: "lines" });
    expect(other.needsRun).toBe(true);
    expect(other.notice).toMatch(/computed per granularity.*sentences/);
    expect(other.pieces.every((p) => p.score === null)).toBe(true);
  });

  it("asks for a request when the method is not in the result", () => {
    const d = buildDisplay(result, { method: "integrated_gradients", granularity: "words" });
    expect(d.needsRun).toBe(true);
    expect(d.notice).toMatch(/no integrated_gradients scores/);
  });

  it("reports an invalid custom regex and falls back to words", () => {
    const d = buildDisplay(result, { method: "grad_l2", granularity: "regex:(" });
    expect(d.granularityError).toMatch(/Invalid JavaScript regular expression/);
    expect(d.ranked).toHaveLength(6);
  });

  it("states the objective in the record's own words and formats numbers", () => {
    // The server describes its objective; the UI shows that sentence as it comes (a new
    // objective needs no UI change), never a sentence of its own.
    expect(describeObjective(result)).toBe(result.objective);
    expect(describeObjective({ ...result, objective: "f = log p(A) - log p(B)" })).toBe("f = log p(A) - log p(B)");
    // An unsigned method's scores have no sign: the sentence says what they mean instead.
    const unsigned = { ...result, objective: "f = sum of log p(x); a positive score means that part pushes it up.", methods: { grad_l2: { signed: false, level: "tokens" } } };
    expect(describeObjective(unsigned as typeof result, "grad_l2")).toBe(
      "f = sum of log p(x); grad_l2 is unsigned: a larger score means that part of the prompt moves f more, in either direction.",
    );
    expect(describeObjective({ ...result, objective: "f = a - b; positive = pushes the selection up relative to the foil.", methods: { grad_l2: { signed: false, level: "tokens" } } } as typeof result, "grad_l2")).toBe(
      "f = a - b; grad_l2 is unsigned: a larger score means that part of the prompt moves f more, in either direction.",
    );
    expect(formatScore(-0.4)).toBe("−0.400");
    expect(formatScore(1.58)).toBe("1.580");
    expect(formatScore(null)).toBe("—");
    expect(formatScore(0.00001)).toBe("1.00e-5");
    const ig = { ...result, methods: { integrated_gradients: { signed: true, level: "tokens", steps: 32, completeness_gap: 0.002, f_input: -7.25, f_baseline: -9.25 } } };
    expect(methodNotes(ig, "integrated_gradients")).toEqual(["32 steps", "f(input) − f(baseline) = 2.000", "completeness gap 0.00200"]);
    // An unsigned method says that its scores carry no direction (the objective's sentence speaks of signs).
    expect(methodNotes(result, "grad_l2")[0]).toMatch(/^unsigned: how strongly/);
  });
});

describe("checkSummary", () => {
  const removal = (drop: number, median: number | null, size = 1) => ({
    size,
    segments: [0],
    drop,
    random: [],
    random_median: median,
    ratio: median !== null && median > 1e-9 ? drop / median : null,
    above_random: median !== null && drop > median,
  });
  it("says what removing the top segment did against a random one, in the CLI's words", () => {
    const check = { granularity: "lines", ranked_by: "score" as const, f: -3, segments_ranked: 6, random_sets: 8, seed: 0, forward_passes: 19, top1: removal(6.2, 3.3), top3: removal(9.04, 5.5, 3) };
    // promptlight.report.check_summary gives the same line for the same record.
    expect(checkSummary(check)).toBe("Removing the top line lowers f by 6.2 nats; a random line: 3.3 (x1.9). Top 3: 9.04 vs 5.5 at random.");
  });
  it("warns when the top segment does no better than chance", () => {
    const check = { granularity: "words", ranked_by: "magnitude" as const, f: -3, segments_ranked: 3, random_sets: 8, seed: 0, forward_passes: 19, top1: removal(-0.4, 3.3), top3: removal(1, 1, 3) };
    expect(checkSummary(check)).toBe("Removing the top word raises f by 0.4 nats; a random word: 3.3. The top segment does no better than a random one here: read this heatmap with care.");
    expect(checkSummary(null)).toBe("");
  });
});
