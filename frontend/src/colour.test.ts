import { describe, expect, it } from "vitest";
import { colourFor, colourOfNormalised, gainOfSlider, legendGradient, legendRange, maxAbs, normalise, RAMPS, textColourOn } from "./colour";

describe("colour scale", () => {
  it("normalises by max |score|, ignoring nulls", () => {
    expect(maxAbs([0.5, -2, null, undefined, 1])).toBe(2);
    expect(maxAbs([])).toBe(0);
    const scale = { signed: true, maxAbs: 2, gain: 1 };
    expect(normalise(-2, scale)).toBe(-1);
    expect(normalise(1, scale)).toBe(0.5);
  });

  it("uses a diverging map for signed methods", () => {
    const scale = { signed: true, maxAbs: 1, gain: 1 };
    expect(colourFor(1, scale)).toBe("rgb(178, 24, 43)"); // full positive: red
    expect(colourFor(-1, scale)).toBe("rgb(33, 102, 172)"); // full negative: blue
    expect(colourFor(0, scale)).toBe("rgb(247, 247, 247)"); // zero: neutral
    expect(colourFor(0.5, scale)).toBe("rgb(244, 165, 130)");
  });

  it("uses a sequential map for unsigned methods", () => {
    const scale = { signed: false, maxAbs: 4, gain: 1 };
    expect(colourFor(0, scale)).toBe("rgb(255, 255, 255)");
    expect(colourFor(4, scale)).toBe("rgb(84, 39, 143)");
    expect(colourFor(2, scale)).toBe("rgb(188, 189, 220)");
    // An unsigned scale never goes below its lowest colour.
    expect(normalise(-1, scale)).toBe(0);
  });

  it("leaves unscored segments uncoloured", () => {
    expect(colourFor(null, { signed: true, maxAbs: 1, gain: 1 })).toBeNull();
    expect(colourFor(undefined, { signed: false, maxAbs: 1, gain: 1 })).toBeNull();
  });

  it("scales intensity by the gain and clips at full colour", () => {
    const base = { signed: true, maxAbs: 1, gain: 1 };
    expect(normalise(0.25, { ...base, gain: 2 })).toBe(0.5);
    expect(normalise(0.75, { ...base, gain: 2 })).toBe(1);
    expect(normalise(-0.75, { ...base, gain: 4 })).toBe(-1);
    expect(normalise(0.5, { ...base, gain: 0.5 })).toBe(0.25);
    expect(gainOfSlider(0)).toBe(1);
    expect(gainOfSlider(1)).toBe(2);
    expect(gainOfSlider(-2)).toBe(0.25);
    expect(legendRange({ ...base, maxAbs: 3, gain: 2 })).toEqual({ low: -1.5, high: 1.5 });
    expect(legendRange({ signed: false, maxAbs: 3, gain: 1 })).toEqual({ low: 0, high: 3 });
  });

  it("does not divide by zero when nothing is scored", () => {
    expect(normalise(1, { signed: true, maxAbs: 0, gain: 1 })).toBe(0);
  });

  it("picks readable text on dark backgrounds", () => {
    expect(textColourOn(RAMPS.positive[2])).toBe("#ffffff");
    expect(textColourOn(RAMPS.sequential[2])).toBe("#ffffff");
    expect(textColourOn(RAMPS.positive[0])).toBe("#1a1a1a");
    expect(textColourOn(colourOfNormalised(0.2, false))).toBe("#1a1a1a");
  });

  it("draws the legend from low to high", () => {
    const div = legendGradient(true, 2);
    expect(div).toBe("linear-gradient(to right, rgb(33, 102, 172) 0%, rgb(247, 247, 247) 50%, rgb(178, 24, 43) 100%)");
    expect(legendGradient(false, 1)).toBe("linear-gradient(to right, rgb(255, 255, 255) 0%, rgb(84, 39, 143) 100%)");
  });
});
