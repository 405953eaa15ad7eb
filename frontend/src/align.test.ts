import { describe, expect, it } from "vitest";
import { alignSpan, alignmentNote, lineLabel } from "./align";
import { cpLength, sliceCp } from "./text";
import type { Pair } from "./types";

/** The code-point span of the first `needle` in `text` (as the API would count it). */
function spanOfText(text: string, needle: string): Pair {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${JSON.stringify(needle)} is not in the text`);
  const start = cpLength(text.slice(0, i));
  return [start, start + cpLength(needle)];
}

const A = " The quiche is made with eggs, which you cannot eat.\nRecommendation: You have to try it.";
const B = " The quiche has eggs, and you are allergic.\nRecommendation: Better to avoid this one.\n";

describe("rule 1: the same text", () => {
  it("selects the first occurrence of A's selected text in B", () => {
    const b = "Analysis: fine.\nRecommendation: You have to try it.\nRecommendation: You have to try it.";
    const a = alignSpan(A, spanOfText(A, "Recommendation: You have to try it."), b);
    expect(a.rule).toBe("text");
    expect(a.span).toEqual(spanOfText(b, "Recommendation: You have to try it."));
    expect(alignmentNote(a)).toBe("same text");
  });

  it("wins over the label rule, also for a word in the middle of a line", () => {
    const a = alignSpan(A, spanOfText(A, "eggs"), B);
    expect(a).toEqual({ rule: "text", span: spanOfText(B, "eggs") });
    const label = alignSpan(A, spanOfText(A, "Recommendation:"), B);
    expect(label.rule).toBe("text");
    expect(sliceCp(B, ...label.span!)).toBe("Recommendation:");
  });
});

describe("rule 2: the same label", () => {
  it("takes B's labelled line when A selected its whole labelled line", () => {
    const a = alignSpan(A, spanOfText(A, "Recommendation: You have to try it."), B);
    expect(a).toEqual({ rule: "label", label: "Recommendation:", extent: "label", span: spanOfText(B, "Recommendation: Better to avoid this one.") });
    expect(alignmentNote(a)).toBe("same label 'Recommendation:'");
  });

  it("takes B's line from the label to its end when A selected part of the line from the label", () => {
    const a = alignSpan(A, spanOfText(A, "Recommendation: You have"), B);
    expect(a.rule).toBe("label");
    expect(a.extent).toBe("label");
    expect(sliceCp(B, ...a.span!)).toBe("Recommendation: Better to avoid this one.");
  });

  it("matches how much of the line A selected: from the label, or the whole line with its indent", () => {
    const a = "Notes:\n  - Verdict: skip it\n";
    const b = "Notes:\n    - Verdict: go for it  \nDone.";
    const fromLabel = alignSpan(a, spanOfText(a, "- Verdict: skip"), b);
    expect(fromLabel).toMatchObject({ rule: "label", label: "- Verdict:", extent: "label" });
    expect(sliceCp(b, ...fromLabel.span!)).toBe("- Verdict: go for it");
    const wholeLine = alignSpan(a, spanOfText(a, "  - Verdict: skip it"), b);
    expect(wholeLine).toMatchObject({ rule: "label", label: "- Verdict:", extent: "line" });
    expect(sliceCp(b, ...wholeLine.span!)).toBe("    - Verdict: go for it");
  });

  it("takes B's first line with the label, and only a line that starts with it", () => {
    const b = "My Recommendation: no.\nAnalysis: ok.\nRecommendation: first.\nRecommendation: second.";
    const a = alignSpan(A, spanOfText(A, "Recommendation: You have to try it."), b);
    expect(sliceCp(b, ...a.span!)).toBe("Recommendation: first.");
  });

  it("counts offsets in code points around emoji", () => {
    const a = "🍳🍳\nAnalysis: eggs 🥚🥚.\nRecommendation: try it 😋!";
    const b = "🚫🥚\nAnalysis: eggs.\nRecommendation: avoid 🙅 it.\n";
    const r = alignSpan(a, spanOfText(a, "Analysis: eggs 🥚🥚."), b);
    expect(r.rule).toBe("label");
    expect(r.span).toEqual([3, 18]); // "🚫🥚\n" is 3 code points (5 UTF-16 units)
    expect(sliceCp(b, ...r.span!)).toBe("Analysis: eggs.");
    const rec = alignSpan(a, spanOfText(a, "Recommendation: try it 😋!"), b);
    expect(rec.span).toEqual([19, 46]);
    expect(sliceCp(b, ...rec.span!)).toBe("Recommendation: avoid 🙅 it.");
    expect(alignSpan(a, spanOfText(a, "eggs"), b)).toEqual({ rule: "text", span: [13, 17] });
    expect(alignSpan(b, spanOfText(b, "avoid 🙅 it"), `🙅 ${b}`)).toEqual({ rule: "text", span: [37, 47] });
  });
});

describe("rule 3: no matching span", () => {
  it("explains B's whole text when the label is not in B", () => {
    const a = alignSpan(A, spanOfText(A, "Recommendation: You have to try it."), "Verdict: skip.\nAnalysis: eggs.");
    expect(a).toEqual({ rule: "none", span: null });
    expect(alignmentNote(a)).toBe("whole output — no matching span");
    expect(alignmentNote(a, "target")).toBe("whole target — no matching span");
  });

  it("needs a selection that starts the line, stays on it, and a label", () => {
    // starts in the middle of the line
    expect(alignSpan(A, spanOfText(A, "You have to try it."), B).rule).toBe("none");
    // runs over two lines
    expect(alignSpan(A, spanOfText(A, "eat.\nRecommendation: You"), B).rule).toBe("none");
    // no label on the line
    expect(alignSpan(A, spanOfText(A, "The quiche is made"), B).rule).toBe("none");
  });

  it("matches nothing for an empty or out-of-range span", () => {
    expect(alignSpan(A, [3, 3], B).rule).toBe("none");
    expect(alignSpan(A, [0, cpLength(A) + 1], B).rule).toBe("none");
    expect(alignSpan("", [0, 1], B).rule).toBe("none");
  });
});

describe("labels", () => {
  it("are word characters, spaces and hyphens (1-40) before a colon at the line start", () => {
    expect(lineLabel("Recommendation: try it")).toBe("Recommendation:");
    expect(lineLabel("  Taste-likes: cheese")).toBe("Taste-likes:");
    expect(lineLabel("Step 2: mix")).toBe("Step 2:");
    expect(lineLabel("   : nothing")).toBeNull();
    expect(lineLabel("e.g.: a dot is no label")).toBeNull();
    expect(lineLabel(`${"x".repeat(41)}: too long`)).toBeNull();
    expect(lineLabel("no label here")).toBeNull();
  });
});
