import { describe, expect, it } from "vitest";
import { changedLines, compareHeadline } from "./diff";
import type { SalienceResult } from "./types";

describe("changedLines", () => {
  it("marks the lines of B that A does not have, by their code-point ranges", () => {
    const a = "Likes: rice\nDislikes: eggs\nDish: quiche\nVerdict:";
    const b = "Likes: rice\nDislikes: nothing 🍳\nDish: quiche\nNote: new line\nVerdict:";
    const marks = changedLines(a, b);
    const cps = [...b];
    expect(marks.map(([s, e]) => cps.slice(s, e).join(""))).toEqual(["Dislikes: nothing 🍳", "Note: new line"]);
  });

  it("marks nothing for equal texts, deleted lines or blank lines", () => {
    expect(changedLines("x\ny", "x\ny")).toEqual([]);
    expect(changedLines("x\ny\nz", "x\nz")).toEqual([]);
    expect(changedLines("x", "x\n\n")).toEqual([]);
  });
});

it("says how f moved and whether the output changed", () => {
  const r = (f: number, text: string, target: [number, number]) => ({ objective_value: f, text, target_span: target }) as unknown as SalienceResult;
  expect(compareHeadline(r(-0.192, "P T", [1, 3]), r(-1.25, "Q T", [1, 3]))).toBe("B vs A: f −1.250 vs −0.192 (Δ −1.058 nats); output unchanged");
  expect(compareHeadline(r(-2, "P a", [1, 3]), r(-1, "P b", [1, 3]))).toBe("B vs A: f −1.000 vs −2.000 (Δ +1.000 nats); output changed");
});
