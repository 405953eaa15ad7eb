import { describe, expect, it } from "vitest";
import { aggregate, isRegexGranularity, regexSegments } from "./aggregate";
import parity from "./fixtures/parity.json";
import { boundariesOf } from "./salience";
import type { SalienceResult } from "./types";

/**
 * Real tiny-model results with Python's own segment scores (scripts/parity_fixture.py):
 * the TypeScript aggregation must give the same numbers, segment for segment, including the
 * literal rule for BOS (first segment) and a regex that means the same in both languages.
 */
type Case = { result: SalienceResult; expected: Record<string, [number, number, number | null][]> };

describe("parity with Python's SalienceResult.aggregate", () => {
  for (const { result, expected } of parity as unknown as Case[]) {
    for (const [key, want] of Object.entries(expected)) {
      const [method, granularity] = key.split("|");
      it(`${method} at ${granularity}`, () => {
        const segs = isRegexGranularity(granularity) ? regexSegments(result.text, granularity.slice(6)) : boundariesOf(result, granularity);
        const perSegment = result.segment_scores?.[method];
        const values = perSegment
          ? perSegment.values
          : aggregate(result.text, result.tokens, result.tokens.map((t) => t.scores[method] ?? null), segs);
        const end = result.prompt_span[1];
        const got = segs.map(([s, e], k) => [s, Math.min(e, end), values[k]] as const).filter(([s]) => s < end);
        expect(got.map(([s, e]) => [s, e])).toEqual(want.map(([s, e]) => [s, e]));
        got.forEach(([, , v], i) => {
          const w = want[i][2];
          if (w === null) expect(v).toBeNull();
          else expect(v).toBeCloseTo(w, 9);
        });
      });
    }
  }
});
