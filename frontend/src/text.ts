/**
 * Code points (Python `str` offsets) <-> UTF-16 indices (JavaScript string offsets).
 *
 * The server counts characters in code points: "😀" is 1 character in Python and 2 UTF-16
 * units in JavaScript. Every offset that crosses the API boundary goes through here.
 * Offsets are positions *between* characters, so a string of n code points has n + 1 of them.
 */

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Number of code points of `s` (Python's `len(s)`). A lone surrogate counts as one. */
export function cpLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) i++;
    n++;
  }
  return n;
}

/**
 * A precomputed two-way map between code-point offsets and UTF-16 indices of one string.
 * Build it once per text and convert many offsets in O(1) (code point -> UTF-16) or
 * O(log n) (UTF-16 -> code point).
 */
export class OffsetMap {
  readonly text: string;
  /** `utf16Of[cp]` is the UTF-16 index of code-point offset `cp`, for `cp` in `0..length`. */
  private readonly utf16Of: Uint32Array;

  constructor(text: string) {
    this.text = text;
    const starts: number[] = [];
    for (let i = 0; i < text.length; i++) {
      starts.push(i);
      if (isHighSurrogate(text.charCodeAt(i)) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) i++;
    }
    starts.push(text.length);
    this.utf16Of = Uint32Array.from(starts);
  }

  /** Number of code points. */
  get length(): number {
    return this.utf16Of.length - 1;
  }

  /** UTF-16 index of code-point offset `cp`. Throws a RangeError outside `0..length`. */
  toUtf16(cp: number): number {
    if (!Number.isInteger(cp) || cp < 0 || cp > this.length) {
      throw new RangeError(`Code-point offset ${cp} is outside 0..${this.length} of a ${this.length}-character text.`);
    }
    return this.utf16Of[cp];
  }

  /**
   * Code-point offset of UTF-16 index `i`. An index inside a surrogate pair (between the two
   * halves of an emoji) rounds down to the start of that character.
   */
  toCp(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i > this.text.length) {
      throw new RangeError(`UTF-16 index ${i} is outside 0..${this.text.length}.`);
    }
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.utf16Of[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** `text[start:end]` in Python terms: slice by code-point offsets. */
  slice(start: number, end: number): string {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}

/** UTF-16 index of code-point offset `cp` in `s`. */
export function cpToUtf16(s: string, cp: number): number {
  return new OffsetMap(s).toUtf16(cp);
}

/** Code-point offset of UTF-16 index `i` in `s` (rounding down inside a surrogate pair). */
export function utf16ToCp(s: string, i: number): number {
  return new OffsetMap(s).toCp(i);
}

/** `s[start:end]` with Python (code-point) offsets. */
export function sliceCp(s: string, start: number, end: number): string {
  return new OffsetMap(s).slice(start, end);
}

/**
 * Python's `str.isspace()` for one code point. It differs from JavaScript's `\s`: Python
 * counts U+001C..U+001F and U+0085 as whitespace, JavaScript counts U+FEFF.
 */
export function isPySpace(codePoint: number): boolean {
  return (
    (codePoint >= 0x09 && codePoint <= 0x0d) ||
    (codePoint >= 0x1c && codePoint <= 0x20) ||
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

/** The code points of `s` as numbers (index = code-point offset). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}
