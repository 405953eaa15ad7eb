"""The heatmap's colour scale, the same one the web app draws (``frontend/src/colour.ts``).

Scores are normalised by ``max|score|`` over the displayed prompt segments (BOS left out by
default), multiplied by the intensity gain and clipped to [-1, 1] ([0, 1] unsigned). Signed
methods use a diverging map (blue = pulls the selection down, red = pushes it up), unsigned
methods a sequential one (white -> purple). Each ramp has three stops, at t = 0, 0.5 and 1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from promptlight.number_text import js_round

RGB = tuple[int, int, int]

NEUTRAL: RGB = (247, 247, 247)
POSITIVE_RAMP: tuple[RGB, RGB, RGB] = (NEUTRAL, (244, 165, 130), (178, 24, 43))
NEGATIVE_RAMP: tuple[RGB, RGB, RGB] = (NEUTRAL, (146, 197, 222), (33, 102, 172))
SEQUENTIAL_RAMP: tuple[RGB, RGB, RGB] = ((255, 255, 255), (188, 189, 220), (84, 39, 143))


@dataclasses.dataclass(frozen=True)
class Scale:
    """How scores map to colour: ``signed`` picks the map, ``max_abs`` reaches full colour at gain 1."""

    signed: bool
    max_abs: float
    gain: float = 1.0


def normalise(v: float, scale: Scale) -> float:
    """``v / max_abs * gain`` clipped to [-1, 1] ([0, 1] unsigned); 0 when ``max_abs`` is 0."""
    if not scale.max_abs > 0 or not math.isfinite(v):
        return 0.0
    t = (v / scale.max_abs) * scale.gain
    return min(1.0, max(-1.0 if scale.signed else 0.0, t))


def _lerp(a: RGB, b: RGB, t: float) -> RGB:
    return (js_round(a[0] + (b[0] - a[0]) * t), js_round(a[1] + (b[1] - a[1]) * t), js_round(a[2] + (b[2] - a[2]) * t))


def ramp_at(ramp: Sequence[RGB], t: float) -> RGB:
    """The colour of a three-stop ramp at ``t`` in [0, 1]."""
    x = min(1.0, max(0.0, t))
    return _lerp(ramp[0], ramp[1], x * 2) if x <= 0.5 else _lerp(ramp[1], ramp[2], (x - 0.5) * 2)


def colour_of_normalised(n: float, *, signed: bool) -> RGB:
    """The colour of a normalised value ``n`` (in [-1, 1] signed, [0, 1] unsigned)."""
    if not signed:
        return ramp_at(SEQUENTIAL_RAMP, n)
    return ramp_at(POSITIVE_RAMP, n) if n >= 0 else ramp_at(NEGATIVE_RAMP, -n)


def css(rgb: RGB) -> str:
    return f"rgb({rgb[0]}, {rgb[1]}, {rgb[2]})"


def luminance(rgb: RGB) -> float:
    """Relative luminance (WCAG) of an sRGB colour."""
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def text_colour_on(background: RGB) -> str:
    """Near-black text on light backgrounds, white on dark ones: whichever contrasts more."""
    lum = luminance(background)
    return "#1a1a1a" if (lum + 0.05) / (0.0103 + 0.05) >= (1 + 0.05) / (lum + 0.05) else "#ffffff"


def style_for(v: float | None, scale: Scale) -> tuple[str, str] | None:
    """``(background, text colour)`` as CSS for a score; ``None`` for an unscored segment."""
    if v is None or not math.isfinite(v):
        return None
    rgb = colour_of_normalised(normalise(v, scale), signed=scale.signed)
    return css(rgb), text_colour_on(rgb)


def legend_gradient(signed: bool, steps: int = 10) -> str:
    """The legend bar's CSS ``linear-gradient(...)``, lowest value on the left."""
    stops = []
    for i in range(steps + 1):
        t = i / steps
        rgb = colour_of_normalised(t * 2 - 1, signed=True) if signed else colour_of_normalised(t, signed=False)
        stops.append(f"{css(rgb)} {js_round(t * 100)}%")
    return f"linear-gradient(to right, {', '.join(stops)})"


def legend_range(scale: Scale) -> tuple[float, float]:
    """The legend's end labels: the scores that reach full colour at this gain."""
    full = scale.max_abs / scale.gain if scale.max_abs > 0 else 0.0
    return (-full if scale.signed else 0.0, full)
