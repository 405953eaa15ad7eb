import { describe, expect, it } from "vitest";
import fixture from "./fixtures/result.json";
import { methodNotes } from "./salience";
import { recordCovers, Store } from "./state";
import type { MethodInfo, SalienceRequest, SalienceResult, VariantRecord } from "./types";
import { selectionCost } from "./ui/toolbar";

// fixtures/result.json: the target " Try it." is tokens 11..13 (" Try", " it", ".") at chars 29..37.
const record: VariantRecord = { granularity: "words", first_token: 11, players: [1, 2], removed: [[0], [1]], full: [-1, -2, -3], logprobs: [[-1, -2, -4], [-2, -2, -3]] };
const occlusion: SalienceResult = { ...(fixture as unknown as SalienceResult), method: "occlusion", methods: { occlusion: { signed: true, level: "words" } }, variants: { occlusion: record } };
const methods: MethodInfo[] = [
  { name: "occlusion", signed: true, level: "segments", options: [], answers_new_selections: true },
  { name: "grad_l2", signed: false, level: "tokens", options: [], answers_new_selections: false },
];

function storeHolding(result: SalienceResult, span: [number, number] | null): { store: Store; req: (span: [number, number]) => SalienceRequest } {
  const store = new Store();
  store.methods = methods;
  const base: SalienceRequest = { model: "tiny", prompt: result.text.slice(0, 29), target: " Try it.", target_span: span, method: result.method, granularity: "words", options: {} };
  store.cache.set(store.cacheKey(base), result);
  return { store, req: (s) => ({ ...base, target_span: s }) };
}

describe("a held run's record answers a new selection", () => {
  it("covers the selections whose tokens were all recorded, and no others", () => {
    expect(recordCovers(occlusion, record, [0, 4])).toBe(true); // " Try"
    expect(recordCovers(occlusion, record, [5, 8])).toBe(true); // "it."
    expect(recordCovers(occlusion, { ...record, first_token: 12, full: [-2, -3] }, [0, 4])).toBe(false); // " Try" was context, not recorded
    expect(recordCovers(occlusion, { ...record, full: [-1, -2] }, [5, 8])).toBe(false); // "." was not recorded
  });

  it("finds the run a request can be answered from and the span that run was asked with", () => {
    const whole = storeHolding(occlusion, null);
    expect(whole.store.recordFor(whole.req([0, 4]))).toEqual([0, 8]); // null span = the whole target, in code points
    const part = storeHolding(occlusion, [1, 8]);
    expect(part.store.recordFor(part.req([5, 8]))).toEqual([1, 8]);
    // The whole target (span null) from a run whose record starts at its first token.
    expect(part.store.recordFor({ ...part.req([0, 8]), target_span: null })).toEqual([1, 8]);
    // Another option, a foil, a check or a gradient method: no record answers it.
    expect(whole.store.recordFor({ ...whole.req([0, 4]), options: { batch_size: 2 } })).toBeNull();
    expect(whole.store.recordFor({ ...whole.req([0, 4]), foil: " Skip it." })).toBeNull();
    expect(whole.store.recordFor({ ...whole.req([0, 4]), check: true })).toBeNull();
    const gradient = storeHolding({ ...occlusion, method: "grad_l2" }, null);
    expect(gradient.store.recordFor(gradient.req([0, 4]))).toBeNull();
  });

  it("notes what a result was answered from, as Python's report does", () => {
    const answered = (from: unknown): SalienceResult => ({ ...occlusion, methods: { occlusion: { signed: true, level: "words", from_record: from } } });
    expect(methodNotes(answered({ selected_span: [0, 8], held_fixed: 0 }), "occlusion")).toEqual(["answered from the run over the whole target, no model call"]);
    expect(methodNotes(answered({ selected_span: [1, 8], held_fixed: 2 }), "occlusion")).toEqual([
      "answered from the run over target chars 1–8, no model call",
      "the 2 target tokens before the selection held fixed, not scored",
    ]);
    expect(selectionCost(methods[0])).toMatch(/no model call/);
    expect(selectionCost(methods[1])).toMatch(/needs a model call/);
  });
});
