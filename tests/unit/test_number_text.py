"""Numbers in reports are written as the web app writes them: checked against Node itself."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from promptlight.number_text import (
    format_score,
    js_number,
    js_round,
    short_number,
    to_exponential,
    to_fixed,
    to_precision,
)

# frontend/src/salience.ts formatScore, and the checks' shortNumber, as the app ships them.
_JS = r"""
const values = JSON.parse(require("fs").readFileSync(0, "utf8"));
function formatScore(v) {
  if (v === 0) return "0";
  const a = Math.abs(v), sign = v < 0 ? "−" : "";
  if (a >= 1000 || a < 0.001) return sign + a.toExponential(2);
  if (a >= 100) return sign + a.toFixed(1);
  if (a >= 1) return sign + a.toFixed(3);
  return sign + a.toPrecision(3);
}
const rows = values.map((v) => [formatScore(v), Number(v.toPrecision(3)).toString(), String(v),
  Math.abs(v) < 1e21 ? v.toFixed(2) : null, v.toPrecision(4), v.toExponential(3), Math.round(v / 7.5)]);
console.log(JSON.stringify(rows));
"""

# Ties of the exact binary value (JavaScript rounds them up, Python's format to even), carries
# (9.9996 -> 10.00), the boundaries of each branch of formatScore, signed zero, extremes.
EDGES = [1.0625, 0.0625, 2.5, -2.5, 0.125, 9.9996, 0.99996, 999.95, 99.995, 1000.0, 0.001, 0.000999999, 100.0,
         1.0, 1e-7, 1.25e-5, 123456789.0, 1e21, 5e-324, 1.7976931348623157e308, 0.1, -0.0, 0.0, 1234.5,
         0.30000000000000004, 9.995, 1.0005, -0.0005, 1e-6, 1e-6 * 0.999, 0.49999999999999994 * 7.5, 3.75]  # fmt: skip


def _values() -> list[float]:
    rng = random.Random(7)
    values = list(EDGES)
    for _ in range(2000):
        v = rng.choice([1, -1]) * 10 ** rng.uniform(-9, 7)
        values += [v, round(v, rng.randint(0, 6))]  # short decimals hit ties and exact values
    return values


def test_every_number_format_equals_node_s():
    node = shutil.which("node")
    assert node, (
        "Node.js is needed (the front end's tests and build use it too): install it, e.g. apt-get install nodejs"
    )
    values = _values()
    out = subprocess.run([node, "-e", _JS], input=json.dumps(values), capture_output=True, text=True, check=True)
    expected = json.loads(out.stdout)
    wrong = []
    for v, (score, short, string, fixed, precision, exponential, rounded) in zip(values, expected):
        ours = [format_score(v), short_number(v), js_number(v), to_fixed(v, 2) if abs(v) < 1e21 else None,
                to_precision(v, 4), to_exponential(v, 3), float(js_round(v / 7.5))]  # fmt: skip
        rounded = float(rounded)  # JSON writes a large double as padded digits: compare as doubles
        if ours != [score, short, string, fixed, precision, exponential, rounded]:
            wrong.append((v, ours, [score, short, string, fixed, precision, exponential, rounded]))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.4, "−0.400"), (12.3456, "12.346"), (1234.5, "1.23e+3"), (0.00012, "1.20e-4"), (None, "—"), (0.0, "0")],
)
def test_format_score_reads_like_the_app(value, text):
    assert format_score(value) == text


def test_ties_round_up_as_in_javascript_not_to_even():
    assert f"{1.0625:.3f}" == "1.062" and to_fixed(1.0625, 3) == "1.063"
    assert js_round(2.5) == 3 and js_round(-2.5) == -2 and round(2.5) == 2
    assert js_round(0.49999999999999994) == 0
    assert short_number(1234.0) == "1230" and short_number(2.5) == "2.5"
