"""Write src/fixtures/parity.json: real results of the tiny model and Python's segment scores.

The Vitest test `src/parity.test.ts` re-aggregates the same token scores in TypeScript and
checks they match `SalienceResult.aggregate(...)` segment for segment. Re-run after a change
to the aggregation rule (docs/result-schema.md) on either side:

    cd frontend && ../.venv/bin/python scripts/parity_fixture.py
"""

import json
from pathlib import Path

from promptlight.models import load_model
from promptlight.pipeline import explain

PROMPT = (
    "Taste-likes: crème brûlée 🍮, garlic\nTaste-dislikes: eggs.  Really!\n\n"
    "Suggestion: Quiche Lorraine. Analysis: It has eggs… you don't like it.\nRecommendation:"
)
TARGET = " Try it 😋 now.\nYes."
REGEX = "regex:[^,.!]+[,.!]?\\s*"  # the same meaning in Python's re and JavaScript's RegExp
GRANULARITIES = ["tokens", "words", "sentences", "lines", "paragraphs", REGEX]


def main() -> None:
    lm = load_model("tiny")
    cases = []
    for method, granularity in [("grad_dot_input", "words"), ("occlusion", "sentences")]:
        result = explain(lm, PROMPT, target=TARGET, target_span=(1, 9), method=method, granularity=granularity)
        expected = {}
        for g in GRANULARITIES:
            for m in result.methods:
                if m in result.segment_scores and g != granularity:
                    continue
                expected[f"{m}|{g}"] = [[s.start, s.end, s.score] for s in result.aggregate(g, method=m)]
        cases.append({"result": result.to_dict(), "expected": expected})
    out = Path(__file__).resolve().parent.parent / "src" / "fixtures" / "parity.json"
    out.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({sum(len(c['expected']) for c in cases)} method/granularity pairs)")


if __name__ == "__main__":
    main()
