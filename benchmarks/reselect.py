"""New selections answered from a perturbation run's record, against a new run for each, side by side.

    .venv/bin/python benchmarks/reselect.py [--model gemma3-270m] [--method occlusion] [--granularity lines] [--quick]

The prompt is the ``fewshot-mistake`` sample and the target the model's greedy continuation
(48 tokens, stopping at a blank line). One run explains the whole target; then about eight word-aligned
selections that start at the target's first word and end at a later word, plus every line of
the target, is answered twice: from that run's record (``promptlight.reselect``) and by a
new run of the method. Printed per method: the seconds of the first run, of one answer from the
record and of one new run (medians), their ratio, the largest score difference for the selections
that start where the run did (they must agree to float rounding) and the record's size. A second
table measures what recording costs a run: the method on a short selection at the start of the
target, with the record (the rest of the target is scored too) and without it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--methods", default="occlusion,kernel_shap,lime,context_cite")
    parser.add_argument("--granularity", default="lines")
    parser.add_argument("--quick", action="store_true", help="three selections per method (a smoke run)")
    args = parser.parse_args()

    from promptlight.data import load_dataset
    from promptlight.models import load_model
    from promptlight.pipeline import explain
    from promptlight.reselect import reselect
    from promptlight.salience.objective import TargetLogprob

    lm = load_model(args.model)
    prompt = load_dataset("sample_prompts").by_source("fewshot-mistake").prompt
    target = lm.generate(prompt, max_new_tokens=48, stop=["\n\n"]).text
    words = [m.end() for m in re.finditer(r"\S+", target)]
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", target)]
    first_word = re.search(r"\S", target)
    start0 = first_word.start() if first_word else 0
    ends = words[1:]
    ends = ends[:: max(1, len(ends) // 8)]  # about 8 selections from the first word, and every line
    spans = [(start0, end) for end in ends] + lines
    if args.quick:
        spans = spans[:2] + lines[-1:]
    print(f"model {lm.name} on {lm.device}; target {len(lm.tokenize(target, add_bos=False).ids)} tokens; "
          f"{len(spans)} selections at {args.granularity}\n")  # fmt: skip

    print("| method | first run (s) | answer from the record (ms) | new run (s) | new run / record | "
          "max score difference, same start | record size (KiB) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    costs = []
    for method in [m for m in args.methods.split(",") if m]:
        began = time.perf_counter()
        whole = explain(lm, prompt, target=target, method=method, granularity=args.granularity)
        first = time.perf_counter() - began
        record_ms, fresh_s, worst = [], [], 0.0
        for span in spans:
            began = time.perf_counter()
            answered = reselect(whole, target_span=span)
            record_ms.append(1000 * (time.perf_counter() - began))
            began = time.perf_counter()
            fresh = explain(lm, prompt, target=target, target_span=span, method=method, granularity=args.granularity)
            fresh_s.append(time.perf_counter() - began)
            if answered.methods[method]["from_record"]["held_fixed"] == 0:
                pairs = zip(answered.segment_scores[method].values, fresh.segment_scores[method].values)
                worst = max([worst, *(abs(a - b) for a, b in pairs if a is not None and b is not None)])
        size = len(json.dumps(whole.variants[method])) / 1024
        ms, s = statistics.median(record_ms), statistics.median(fresh_s)
        print(f"| {method} | {first:.2f} | {ms:.1f} | {s:.2f} | {1000 * s / ms:.0f}x | {worst:.1e} | {size:.0f} |")

        # What recording costs: a short selection at the target's start, with and without the record.
        short = (start0, words[0])
        plain = lambda _lm, ids, chosen: TargetLogprob(ids, selected_text=chosen)  # noqa: E731 - records nothing
        timings: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(1 if args.quick else 3):
            for name, factory in (("with", None), ("without", plain)):
                began = time.perf_counter()
                explain(lm, prompt, target=target, target_span=short, method=method, granularity=args.granularity,
                        objective=factory)  # fmt: skip
                timings[name].append(time.perf_counter() - began)
        costs.append((method, statistics.median(timings["with"]), statistics.median(timings["without"])))

    print("\n| method | short selection, recording (s) | without the record (s) | ratio |")
    print("|---|---|---|---|")
    for method, with_record, without in costs:
        print(f"| {method} | {with_record:.2f} | {without:.2f} | {with_record / without:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
