/**
 * The colour scale of the heatmap.
 *
 * Scores are normalised by `max|score|` over the displayed prompt segments (BOS left out by
 * default), multiplied by the intensity gain and clipped to [-1, 1]. Signed methods use a
 * diverging map (blue = pulls the selection down, red = pushes it up), unsigned methods a
 * sequential one (white -> purple).
 */

export type RGB = [number, number, number];

/** Colour stops at t = 0, 0.5, 1 of each ramp. */
const NEUTRAL: RGB = [247, 247, 247];
export const RAMPS = {
  positive: [NEUTRAL, [244, 165, 130], [178, 24, 43]] as RGB[],
  negative: [NEUTRAL, [146, 197, 222], [33, 102, 172]] as RGB[],
  sequential: [[255, 255, 255], [188, 189, 220], [84, 39, 143]] as RGB[],
};

export interface Scale {
  /** Diverging (signed method) or sequential (unsigned). */
  signed: boolean;
  /** The score that maps to full colour before the gain: max |score| of the displayed segments. */
  maxAbs: number;
  /** Intensity gain: 2 means half of `maxAbs` already gets full colour. */
  gain: number;
}

/** max |v| over the finite numbers in `values`; 0 if there are none. */
export function maxAbs(values: Iterable<number | null | undefined>): number {
  let m = 0;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    m = Math.max(m, Math.abs(v));
  }
  return m;
}

/** `v / maxAbs * gain`, clipped to [-1, 1] ([0, 1] for unsigned scales); 0 when maxAbs is 0. */
export function normalise(v: number, scale: Scale): number {
  if (!(scale.maxAbs > 0) || !Number.isFinite(v)) return 0;
  const t = (v / scale.maxAbs) * scale.gain;
  const lo = scale.signed ? -1 : 0;
  return Math.min(1, Math.max(lo, t));
}

function lerp(a: RGB, b: RGB, t: number): RGB {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as RGB;
}

/** Colour of a ramp (3 stops) at `t` in [0, 1]. */
export function rampAt(ramp: readonly RGB[], t: number): RGB {
  const x = Math.min(1, Math.max(0, t));
  return x <= 0.5 ? lerp(ramp[0], ramp[1], x * 2) : lerp(ramp[1], ramp[2], (x - 0.5) * 2);
}

/** Colour of a normalised value `n` (in [-1, 1] signed, [0, 1] unsigned). */
export function colourOfNormalised(n: number, signed: boolean): RGB {
  if (!signed) return rampAt(RAMPS.sequential, n);
  return n >= 0 ? rampAt(RAMPS.positive, n) : rampAt(RAMPS.negative, -n);
}

export function css(rgb: RGB): string {
  return `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;
}

/** Background colour for a score, or `null` (no colour) for an unscored segment. */
export function colourFor(v: number | null | undefined, scale: Scale): string | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return css(colourOfNormalised(normalise(v, scale), scale.signed));
}

/** Relative luminance (WCAG) of an sRGB colour. */
export function luminance(rgb: RGB): number {
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/** Text colour readable on `bg`: near-black on light backgrounds, white on dark ones. */
export function textColourOn(bg: RGB): string {
  const l = luminance(bg);
  // Contrast against #1a1a1a (L ~ 0.010) vs. white (L = 1).
  return (l + 0.05) / (0.0103 + 0.05) >= (1 + 0.05) / (l + 0.05) ? "#1a1a1a" : "#ffffff";
}

/** Both colours for a score, `null` when unscored. */
export function styleFor(v: number | null | undefined, scale: Scale): { background: string; color: string } | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const rgb = colourOfNormalised(normalise(v, scale), scale.signed);
  return { background: css(rgb), color: textColourOn(rgb) };
}

/** CSS `linear-gradient(...)` of the legend bar, left = lowest value. */
export function legendGradient(signed: boolean, steps = 10): string {
  const stops: string[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const rgb = signed ? colourOfNormalised(t * 2 - 1, true) : colourOfNormalised(t, false);
    stops.push(`${css(rgb)} ${Math.round(t * 100)}%`);
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}

/** The legend's end labels: the scores that reach full colour at this gain. */
export function legendRange(scale: Scale): { low: number; high: number } {
  const full = scale.maxAbs > 0 ? scale.maxAbs / scale.gain : 0;
  return { low: scale.signed ? -full : 0, high: full };
}

/** Intensity slider position (-2..2, log2 of the gain) -> gain. */
export function gainOfSlider(position: number): number {
  return 2 ** position;
}
