"""Numbers written exactly as the web app writes them, so a report reads the same from every surface.

JavaScript's ``toFixed``, ``toPrecision`` and ``toExponential`` round the exact binary value
half away from zero, and ``String(number)`` writes the shortest digits that read back to the
same double; Python's ``format`` rounds half to even and pads exponents. The helpers here
follow the JavaScript rules (ECMA-262, Number.prototype) on the exact value, with
:class:`decimal.Decimal`, so ``format_score(x)`` equals ``formatScore(x)`` of
``frontend/src/salience.ts`` for every finite double.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

MINUS = "−"  # U+2212, as the web app prints negative scores


def js_round(x: float) -> int:
    """``Math.round`` of a finite ``x``: the nearest integer, halves rounded up (towards +infinity)."""
    low = math.floor(x)
    return low + 1 if x - low >= 0.5 else low  # exact, unlike floor(x + 0.5) at 0.49999999999999994


def _digits(magnitude: Decimal, precision: int) -> tuple[str, int]:
    """``magnitude`` (> 0) rounded to ``precision`` significant digits: the digit string and the exponent."""
    e = magnitude.adjusted()
    n = magnitude.scaleb(precision - 1 - e).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if n >= 10**precision:  # 9.996 to 3 digits is 10.0: one more place
        e += 1
        n = magnitude.scaleb(precision - 1 - e).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return str(int(n)), e


def _sign(x: float) -> str:
    return "-" if x < 0 else ""  # -0.0 < 0 is False, as in JavaScript


def to_fixed(x: float, digits: int) -> str:
    """``x.toFixed(digits)`` for a finite ``x`` below 1e21 in magnitude."""
    q = Decimal(abs(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _sign(x) + format(q, "f")


def to_precision(x: float, precision: int) -> str:
    """``x.toPrecision(precision)`` for a finite ``x``."""
    if x == 0:
        return "0" if precision == 1 else "0." + "0" * (precision - 1)
    m, e = _digits(Decimal(abs(x)), precision)
    if e < -6 or e >= precision:
        return _sign(x) + _exponential(m, e)
    if e == precision - 1:
        return _sign(x) + m
    if e >= 0:
        return _sign(x) + m[: e + 1] + "." + m[e + 1 :]
    return _sign(x) + "0." + "0" * (-(e + 1)) + m


def to_exponential(x: float, digits: int) -> str:
    """``x.toExponential(digits)`` for a finite ``x``."""
    if x == 0:
        return ("0." + "0" * digits if digits else "0") + "e+0"
    m, e = _digits(Decimal(abs(x)), digits + 1)
    return _sign(x) + _exponential(m, e)


def _exponential(m: str, e: int) -> str:
    mantissa = m if len(m) == 1 else m[0] + "." + m[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def js_number(x: float) -> str:
    """``String(x)``: the shortest digits that read back to ``x``, in JavaScript's layout (``1230``, ``1e-7``)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    _, digit_tuple, exponent = Decimal(repr(abs(float(x)))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = int(exponent) + k  # the value is 0.digits x 10^n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        body = _exponential(digits, n - 1)
    return _sign(x) + body


def format_score(v: float | None) -> str:
    """A score in short form, as the web app shows it: ``−0.400``, ``12.345``, ``1.23e+3``; ``—`` for none."""
    if v is None or not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    a = abs(v)
    sign = MINUS if v < 0 else ""
    if a >= 1000 or a < 0.001:
        return sign + to_exponential(a, 2)
    if a >= 100:
        return sign + to_fixed(a, 1)
    if a >= 1:
        return sign + to_fixed(a, 3)
    return sign + to_precision(a, 3)


def short_number(v: float | None) -> str:
    """Three significant digits without trailing zeros (``2.5``, ``1230``); ``n/a`` for none."""
    if v is None:
        return "n/a"
    return js_number(float(to_precision(v, 3)))
