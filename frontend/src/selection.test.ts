import { describe, expect, it } from "vitest";
import {
  isSelected,
  isWholeTarget,
  keyMove,
  lineSelection,
  pointerDown,
  pointerMove,
  pointerUp,
  selectAll,
  selectionFromSpan,
  spanOf,
  wordUnits,
  type Selection,
} from "./selection";
import { sliceCp } from "./text";

const target = " Analysis: you don't like eggs 🥚.\nRecommendation: try it!\n";
const units = wordUnits(target);
const texts = units.map((u) => sliceCp(target, u.start, u.end));
const idx = (word: string) => texts.findIndex((t) => t.trim() === word);

describe("target units", () => {
  it("cover the target exactly, words with their trailing whitespace", () => {
    expect(texts.join("")).toBe(target);
    expect(texts.slice(0, 3)).toEqual([" ", "Analysis: ", "you "]);
    expect(texts).toContain("🥚.\n");
    expect(wordUnits("")).toEqual([]);
  });
});

describe("span selection", () => {
  it("click selects one word, mapped to code-point offsets without trailing space", () => {
    let sel: Selection | null = pointerDown(null, idx("try"), false);
    sel = pointerUp(sel);
    const span = spanOf(target, units, sel)!;
    expect(sliceCp(target, span[0], span[1])).toBe("try");
  });

  it("drag selects from the pressed word to the word under the pointer, either direction", () => {
    let sel: Selection | null = pointerDown(null, idx("Recommendation:"), false);
    sel = pointerMove(sel, idx("try"));
    sel = pointerMove(sel, idx("it!"));
    sel = pointerUp(sel);
    expect(sel).toMatchObject({ dragging: false });
    let span = spanOf(target, units, sel)!;
    expect(sliceCp(target, span[0], span[1])).toBe("Recommendation: try it!");

    let back: Selection | null = pointerDown(null, idx("it!"), false);
    back = pointerUp(pointerMove(back, idx("try")));
    span = spanOf(target, units, back)!;
    expect(sliceCp(target, span[0], span[1])).toBe("try it!");
  });

  it("moving without a pressed button changes nothing", () => {
    const sel = pointerUp(pointerDown(null, 2, false));
    expect(pointerMove(sel, 5)).toBe(sel);
  });

  it("shift-click extends from the kept anchor", () => {
    let sel: Selection | null = pointerUp(pointerDown(null, idx("you"), false));
    sel = pointerUp(pointerDown(sel, idx("eggs"), true));
    let span = spanOf(target, units, sel)!;
    expect(sliceCp(target, span[0], span[1])).toBe("you don't like eggs");
    // Extending again re-uses the same anchor, also backwards.
    sel = pointerUp(pointerDown(sel, idx("Analysis:"), true));
    span = spanOf(target, units, sel)!;
    expect(sliceCp(target, span[0], span[1])).toBe("Analysis: you");
    // A plain click starts over.
    sel = pointerUp(pointerDown(sel, idx("it!"), false));
    expect(spanOf(target, units, sel)).toEqual([target.indexOf("it!") - 1, target.indexOf("it!") + 2]);
  });

  it("counts offsets in code points after an emoji", () => {
    const sel = pointerUp(pointerDown(null, idx("Recommendation:"), false));
    const span = spanOf(target, units, sel)!;
    // "🥚" is one code point but two UTF-16 units: the code-point offset is one less.
    expect(span[0]).toBe(target.indexOf("Recommendation:") - 1);
    expect(sliceCp(target, span[0], span[1])).toBe("Recommendation:");
  });

  it("a selection of whitespace only is no span", () => {
    expect(spanOf(target, units, { anchor: 0, focus: 0, dragging: false })).toBeNull();
    expect(spanOf(target, units, null)).toBeNull();
  });

  it("double-click selects the line", () => {
    const sel = lineSelection(target, units, idx("try"));
    const span = spanOf(target, units, sel)!;
    expect(sliceCp(target, span[0], span[1])).toBe("Recommendation: try it!");
    const first = spanOf(target, units, lineSelection(target, units, idx("like")))!;
    expect(sliceCp(target, first[0], first[1])).toBe("Analysis: you don't like eggs 🥚.");
  });

  it("keyboard moves and extends", () => {
    let sel = keyMove(null, 1, false, units.length);
    expect(sel).toMatchObject({ anchor: 0, focus: 0 });
    sel = keyMove(sel, 1, false, units.length);
    sel = keyMove(sel, 1, true, units.length);
    sel = keyMove(sel, 1, true, units.length);
    expect(sel).toMatchObject({ anchor: 1, focus: 3 });
    expect(isSelected(sel, 2)).toBe(true);
    expect(isSelected(sel, 4)).toBe(false);
    expect(keyMove(sel, -100, false, units.length)).toMatchObject({ anchor: 0, focus: 0 });
    expect(keyMove(null, -1, false, units.length)).toMatchObject({ anchor: units.length - 1 });
    expect(selectAll(units.length)).toMatchObject({ anchor: 0, focus: units.length - 1 });
  });

  it("restores a selection from a span and knows the whole target", () => {
    const start = target.indexOf("try") - 1;
    const sel = selectionFromSpan(units, [start, start + 3]);
    expect(sel).toMatchObject({ anchor: idx("try"), focus: idx("try") });
    expect(selectionFromSpan(units, null)).toBeNull();
    const all = spanOf(target, units, selectAll(units.length))!;
    expect(isWholeTarget(target, all)).toBe(true);
    expect(isWholeTarget(target, [start, start + 3])).toBe(false);
    expect(isWholeTarget(target, null)).toBe(true);
  });
});
