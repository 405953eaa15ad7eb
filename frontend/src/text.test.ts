import { describe, expect, it } from "vitest";
import { codePoints, cpLength, cpToUtf16, isPySpace, OffsetMap, sliceCp, utf16ToCp } from "./text";

describe("code points <-> UTF-16", () => {
  const s = "a😀b👍🏽c"; // 👍🏽 is two code points (thumbs up + skin tone), four UTF-16 units

  it("counts code points like Python's len()", () => {
    expect(cpLength("")).toBe(0);
    expect(cpLength("abc")).toBe(3);
    expect(cpLength(s)).toBe(6);
    expect(s.length).toBe(9);
  });

  it("maps every code-point offset to its UTF-16 index and back", () => {
    const expected = [0, 1, 3, 4, 6, 8, 9];
    expected.forEach((u, cp) => {
      expect(cpToUtf16(s, cp)).toBe(u);
      expect(utf16ToCp(s, u)).toBe(cp);
    });
  });

  it("rounds an index inside a surrogate pair down to its character", () => {
    expect(utf16ToCp(s, 2)).toBe(1); // between the halves of 😀
    expect(utf16ToCp(s, 5)).toBe(3);
  });

  it("slices by Python offsets", () => {
    expect(sliceCp(s, 1, 2)).toBe("😀");
    expect(sliceCp(s, 3, 5)).toBe("👍🏽");
    expect(sliceCp("I like 🍰. No", 7, 8)).toBe("🍰");
    const m = new OffsetMap(s);
    expect(m.slice(0, m.length)).toBe(s);
  });

  it("rejects offsets outside the text", () => {
    expect(() => cpToUtf16("ab", 3)).toThrow(RangeError);
    expect(() => cpToUtf16("ab", -1)).toThrow(RangeError);
    expect(() => utf16ToCp("ab", 5)).toThrow(RangeError);
  });

  it("handles plain ASCII and empty strings as identity", () => {
    const m = new OffsetMap("hello");
    for (let i = 0; i <= 5; i++) expect(m.toUtf16(i)).toBe(i);
    expect(new OffsetMap("").length).toBe(0);
    expect(new OffsetMap("").toUtf16(0)).toBe(0);
  });

  it("counts a lone surrogate as one character", () => {
    const lone = "a\ud83db";
    expect(cpLength(lone)).toBe(3);
    expect(new OffsetMap(lone).toUtf16(2)).toBe(2);
    expect(codePoints(lone)).toHaveLength(3);
  });

  it("knows Python's whitespace, not JavaScript's", () => {
    for (const c of [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000"]) {
      expect(isPySpace(c.codePointAt(0)!)).toBe(true);
    }
    for (const c of ["a", "\ufeff", "\u200b", "😀"]) expect(isPySpace(c.codePointAt(0)!)).toBe(false);
  });
});
