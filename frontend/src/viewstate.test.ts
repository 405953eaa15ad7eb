import { describe, expect, it } from "vitest";
import { decodeView, encodeView, withoutUnconfirmedRun, type ViewState } from "./viewstate";

describe("URL state", () => {
  it("round-trips a full view", () => {
    const v: ViewState = {
      model: "gemma3-270m",
      dataset: "sample_prompts",
      example: "sample_prompts:3",
      span: [12, 40],
      compare: "u:17",
      compareSpan: [3, 9],
      method: "integrated_gradients",
      granularity: "regex:[^\\n]+\\n?",
      source: "output",
      intensity: 1.5,
      run: true,
      generation: { max_new_tokens: 32, temperature: 0.7, top_p: 0.9, top_k: 40, seed: 7, stop: ["\n\n", "&x=1#"] },
    };
    const hash = encodeView(v);
    expect(hash.startsWith("#")).toBe(true);
    expect(decodeView(hash)).toEqual(v);
    expect(decodeView(hash.slice(1))).toEqual(v);
  });

  it("keeps links short: defaults are left out", () => {
    expect(encodeView({})).toBe("");
    expect(encodeView({ example: "sample_prompts:0", source: "target", intensity: 0, generation: { max_new_tokens: 64, temperature: 0, stop: [] } })).toBe(
      "#ex=sample_prompts%3A0",
    );
    expect(encodeView({ example: "a", span: [1, 5], method: "grad_l2", granularity: "lines" })).toBe("#ex=a&span=1-5&method=grad_l2&gran=lines");
  });

  it("ignores malformed parts", () => {
    expect(decodeView("#ex=a&span=5-1&src=html&int=abc&mnt=&run=yes")).toEqual({ example: "a" });
    expect(decodeView("#span=x-2&cspan=3")).toEqual({});
    expect(decodeView("#int=9")).toEqual({ intensity: 2 });
    expect(decodeView("")).toEqual({});
  });

  it("never runs a custom regex from a link by itself", () => {
    const link = decodeView("#ex=sample_prompts:0&method=occlusion&gran=regex:a%2B&run=1");
    const { view, reason } = withoutUnconfirmedRun(link);
    expect(view.run).toBeUndefined();
    expect(view.granularity).toBe("regex:a+");
    expect(reason).toContain('"a+"');
    const plain = decodeView("#ex=sample_prompts:0&gran=lines&run=1");
    expect(withoutUnconfirmedRun(plain)).toEqual({ view: plain, reason: null });
  });
});
