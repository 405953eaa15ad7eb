import { describe, expect, it } from "vitest";
import { aboutSeconds, PassRates, passesDone, passesPlanned } from "./estimate";
import type { SalienceResult } from "./types";

const result = (method: string, meta: Record<string, unknown>) => ({ methods: { [method]: meta } }) as unknown as SalienceResult;

describe("passesPlanned", () => {
  it("counts each method's passes from its options and the segments", () => {
    expect(passesPlanned("grad_l2", {}, 9)).toEqual({ kind: "gradient", passes: 1, unit: "gradient pass" });
    expect(passesPlanned("integrated_gradients", { steps: 200 }, 9)?.passes).toBe(200);
    expect(passesPlanned("integrated_gradients", { steps: "auto" }, 9)?.passes).toBe(48);
    expect(passesPlanned("occlusion", {}, 9)).toEqual({ kind: "forward", passes: 10, unit: "forward passes" });
    expect(passesPlanned("kernel_shap", { samples: 64 }, 3)?.passes).toBe(6 + 2); // exact: all 2^3 - 2 coalitions
    expect(passesPlanned("context_cite", { samples: 32, holdout: 8 }, 9)?.passes).toBe(41);
    expect(passesPlanned("a_plugin_method", {}, 9)).toBeNull();
  });
});

describe("passesDone", () => {
  it("reads what a result reports it did", () => {
    const tries = [{ steps: 16 }, { steps: 32 }, { steps: 64 }];
    expect(passesDone(result("integrated_gradients", { steps: 64, tries }), "integrated_gradients")?.passes).toBe(112);
    expect(passesDone(result("lime", { forward_passes: 65 }), "lime")?.passes).toBe(65);
    expect(passesDone(result("occlusion", { segments_scored: 7 }), "occlusion")?.passes).toBe(8);
    expect(passesDone(result("grad_l2", { level: "tokens" }), "grad_l2")?.kind).toBe("gradient");
    expect(passesDone(result("grad_l2", { level: "tokens" }), "occlusion")).toBeNull();
  });
});

describe("PassRates", () => {
  it("estimates from the method's own rate, or another perturbation method's, and never stretches a gradient call", () => {
    const rates = new PassRates();
    const steps = (n: number) => ({ kind: "gradient" as const, passes: n, unit: "path steps" });
    const forwards = (n: number) => ({ kind: "forward" as const, passes: n, unit: "forward passes" });
    expect(rates.estimate("m", "integrated_gradients", steps(100))).toBeNull();
    rates.learn("m", "grad_l2", { kind: "gradient", passes: 1, unit: "gradient pass" }, 0.2);
    expect(rates.estimate("m", "integrated_gradients", steps(100))).toBeNull(); // not 100 x a whole call
    expect(rates.estimate("m", "occlusion", forwards(10))).toBeNull();
    rates.learn("m", "integrated_gradients", steps(50), 2);
    const own = rates.estimate("m", "integrated_gradients", steps(100));
    expect(own?.seconds).toBeCloseTo(4);
    expect(own?.basis).toContain("when integrated_gradients last ran");
    expect(rates.estimate("other", "integrated_gradients", steps(100))).toBeNull(); // rates are per model
    rates.learn("m", "lime", forwards(65), 1.3);
    expect(rates.estimate("m", "occlusion", forwards(10))?.seconds).toBeCloseTo(0.2); // lime's 20 ms per pass
    rates.learn("m", "occlusion", forwards(0), 3); // nothing to learn from
    expect(rates.estimate("m", "occlusion", forwards(10))?.basis).toContain("another perturbation method");
  });
});

describe("aboutSeconds", () => {
  it("rounds for a person", () => {
    expect(aboutSeconds(0.2)).toBe("about 1 s");
    expect(aboutSeconds(41.6)).toBe("about 42 s");
    expect(aboutSeconds(300)).toBe("about 5 min");
  });
});
