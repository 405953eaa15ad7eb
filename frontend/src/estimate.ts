/**
 * How long a salience call will take, from how long earlier calls took on the same model.
 *
 * Work is counted in passes: gradient passes (a forward and a backward: grad_l2 and
 * grad_dot_input take one, integrated gradients one per path step) or forward passes (the
 * perturbation methods: one per variant scored). A finished call teaches the seconds per pass
 * of its method on its model (`passesDone`); a planned one is estimated from that rate, or,
 * for a perturbation method not run yet, from another perturbation method's (they batch their
 * variants alike). A gradient call's time is not stretched to integrated gradients' steps:
 * its fixed costs (the request, tokenizing, the record) would dominate on a small model and
 * the path steps are batched, so such a guess would be wrong both ways. Nothing measured: no
 * estimate, and auto-run just runs (the first call of a method on a model teaches its rate).
 */
import type { SalienceResult } from "./types";

export type PassKind = "gradient" | "forward";

export interface Work {
  kind: PassKind;
  passes: number;
  /** "path steps", "forward passes": what `passes` counts, for the message. */
  unit: string;
}

/** An auto-run expected to take longer than this asks first. */
export const CONFIRM_SECONDS = 5;

/** What integrated gradients' steps="auto" usually takes: 16 then 32 steps. */
const AUTO_IG_STEPS = 16 + 32;

const num = (v: unknown, fallback: number): number => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/**
 * The passes a call of `method` with `options` (defaults filled in) makes over a prompt of
 * `segments` segments at the chosen granularity; null for a method this table does not know.
 */
export function passesPlanned(method: string, options: Record<string, unknown>, segments: number): Work | null {
  switch (method) {
    case "grad_l2":
    case "grad_dot_input":
      return { kind: "gradient", passes: 1, unit: "gradient pass" };
    case "integrated_gradients":
      return { kind: "gradient", passes: options.steps === "auto" ? AUTO_IG_STEPS : num(options.steps, 32), unit: "path steps" };
    case "occlusion":
      return { kind: "forward", passes: segments + 1, unit: "forward passes" };
    case "kernel_shap":
      return { kind: "forward", passes: Math.min(num(options.samples, 64), Math.max(2 ** Math.min(segments, 30) - 2, 0)) + 2, unit: "forward passes" };
    case "lime":
      return { kind: "forward", passes: num(options.samples, 64) + 1, unit: "forward passes" };
    case "context_cite":
      return { kind: "forward", passes: num(options.samples, 64) + num(options.holdout, 16) + 1, unit: "forward passes" };
    default:
      return null;
  }
}

/** The passes a finished result of `method` made (its own report where it gives one), or null. */
export function passesDone(result: SalienceResult, method: string): Work | null {
  const meta = result.methods[method] as Record<string, unknown> | undefined;
  if (!meta) return null;
  if (method === "integrated_gradients") {
    const tries = Array.isArray(meta.tries) ? (meta.tries as { steps?: unknown }[]) : [];
    const steps = tries.length ? tries.reduce((sum, t) => sum + num(t.steps, 0), 0) : num(meta.steps, 0);
    return steps > 0 ? { kind: "gradient", passes: steps, unit: "path steps" } : null;
  }
  if (typeof meta.forward_passes === "number") return { kind: "forward", passes: meta.forward_passes, unit: "forward passes" };
  if (typeof meta.segments_scored === "number") return { kind: "forward", passes: meta.segments_scored + 1, unit: "forward passes" };
  if (meta.level === "tokens") return { kind: "gradient", passes: 1, unit: "gradient pass" };
  return null;
}

/** Seconds per pass, learned from finished calls: by model and method, and by model and kind. */
export class PassRates {
  private readonly rates = new Map<string, number>();

  /** A call of `method` on `model` that made `work` took `seconds` (a cached answer teaches nothing). */
  learn(model: string, method: string, work: Work, seconds: number): void {
    if (!(work.passes > 0) || !(seconds > 0)) return;
    const rate = seconds / work.passes;
    this.rates.set(`${model}|${method}`, rate);
    this.rates.set(`${model}|${work.kind}`, rate);
  }

  /** The expected seconds of `work` by `method` on `model`, and what it is based on; null when nothing is known. */
  estimate(model: string, method: string, work: Work): { seconds: number; basis: string } | null {
    const own = this.rates.get(`${model}|${method}`);
    if (own !== undefined) return { seconds: own * work.passes, basis: `${fmt(own)} per ${singular(work.unit)} when ${method} last ran on this model` };
    const kind = work.kind === "forward" ? this.rates.get(`${model}|forward`) : undefined;
    if (kind !== undefined) return { seconds: kind * work.passes, basis: `${fmt(kind)} per forward pass, from another perturbation method on this model` };
    return null;
  }
}

function fmt(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(1)} s` : `${Math.max(1, Math.round(seconds * 1000))} ms`;
}

function singular(unit: string): string {
  return unit.replace(/passes$/, "pass").replace(/steps$/, "step");
}

/** "about 40 s", "about 2 min": an estimate as a person reads it. */
export function aboutSeconds(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  return `about ${Math.round(seconds / 60)} min`;
}
