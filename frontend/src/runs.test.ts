import { describe, expect, it } from "vitest";
import { compareSummary, filterRows, partBars, sortRows, type RunRow } from "./runs";

const row = (over: Partial<RunRow>): RunRow => ({
  key: "k",
  row: 0,
  source: "s",
  method: "grad_l2",
  status: "ok",
  error: null,
  f: -1,
  target: " Avoid it.",
  selected: " Avoid it.",
  top_segment: "Dislikes: eggs.",
  top_score: 0.5,
  faithfulness_ratio: null,
  seconds: 0.1,
  ...over,
});

describe("rows", () => {
  const rows = [
    row({ row: 0, source: "quiche", f: -2 }),
    row({ row: 1, source: "rice", f: null, status: "error", error: "ValueError: matches nothing" }),
    row({ row: 2, source: "pesto", f: -0.5, method: "occlusion" }),
    row({ row: 3, source: "soup", f: -2 }),
  ];

  it("sorts by a number with missing values last in both directions and ties in dataset order", () => {
    expect(sortRows(rows, "f", false).map((r) => r.row)).toEqual([0, 3, 2, 1]);
    expect(sortRows(rows, "f", true).map((r) => r.row)).toEqual([2, 0, 3, 1]);
    expect(sortRows(rows, "source", false).map((r) => r.source)).toEqual(["pesto", "quiche", "rice", "soup"]);
  });

  it("filters by method, status and a search over source, target, top segment and error", () => {
    expect(filterRows(rows, { method: "occlusion" }).map((r) => r.row)).toEqual([2]);
    expect(filterRows(rows, { status: "error" }).map((r) => r.row)).toEqual([1]);
    expect(filterRows(rows, { status: "ok" }).map((r) => r.row)).toEqual([0, 2, 3]);
    expect(filterRows(rows, { query: "MATCHES" }).map((r) => r.row)).toEqual([1]);
    expect(filterRows(rows, { query: "  " }).length).toBe(4);
  });
});

describe("partBars", () => {
  it("puts zero, every min and max inside the width and draws the mean from zero", () => {
    const { zero, scale, bars } = partBars(
      [
        { part: "dish", rows: 2, mean: 2, std: 1, min: 1, max: 3, top_share: 1 },
        { part: "template#0", rows: 2, mean: -1, std: 0, min: -1, max: -1, top_share: 0 },
      ],
      400,
    );
    expect(zero).toBeCloseTo(100); // values span [-1, 3]: 0 is a quarter of the way
    expect(scale).toBeCloseTo(100);
    expect(bars[0]).toMatchObject({ x0: 100, x1: 300, sd0: 200, sd1: 400, w0: 200, w1: 400 });
    expect(bars[1]).toMatchObject({ x0: 0, x1: 100, w0: 0, w1: 0 });
  });

  it("copes with no data", () => {
    expect(partBars([], 100).bars).toEqual([]);
    const { bars } = partBars([{ part: "x", rows: 0, mean: null, std: null, min: null, max: null, top_share: null }], 100);
    expect(bars[0].x0).toBe(bars[0].x1);
  });
});

it("summarises an A/B comparison", () => {
  expect(compareSummary({ a: "v1", b: "v2", method: "grad_l2", rows: [], mean_delta: -1.0625, changed_outputs: 0 })).toBe(
    "v2 vs v1 (grad_l2): 0 rows in common; mean Δf -1.06 nats; output changed in 0 of 0.",
  );
});
