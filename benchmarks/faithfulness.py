"""How true is each method's heatmap? Four protocols, data generated here, one table each.

    .venv/bin/python benchmarks/faithfulness.py [--model gemma3-270m] [--items 8] [--quick]

1. **Planted fact** (retrieval): a prompt of ``--lines`` facts, one per line ("The green locker
   opens with code 4821."), then a question about one of them; the target is the model's
   teacher-forced answer (the code). A method is right when it ranks the line that holds the
   answer first among the fact lines at the ``lines`` granularity (the question line, which
   every method rightly finds important, is not a distractor). Facts, colours and codes are
   drawn from a seed.
2. **Deletion versus random** on the sample prompts: the faithfulness check
   (``check=True``) at ``lines``; per method the median over prompts of
   ``drop(top line) / median drop(random line)`` and how often the top line beats the random median.
3. **Coarse-to-fine occlusion** (``hierarchical=true``) against exact occlusion at words on
   the same prompts, for ``keep`` 1, 2, 3 and 5: Spearman agreement, the same top word, top-5
   overlap, and the forward passes and seconds as a share of exact occlusion's.
4. **Integrated gradients' convergence** on the walkthrough (``fewshot-mistake``, the model's
   own greedy answer, its ``Recommendation:`` line and the whole answer): one ``steps=auto``
   run per path (zero, pad and mean-embedding baselines; Gauss-Legendre and geometric rules),
   whose tries give the relative completeness gap at 16, 32, ... up to ``--ig-max-steps``
   (default 128) steps, stopping once it is under 1%.

Every row also says the method's cost in forward passes (a backward pass counted as two
forwards) and its seconds on this machine. ``--quick`` runs a small version (any model) to
check the script works. Results are printed as Markdown tables.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

METHODS = ("grad_l2", "grad_dot_input", "integrated_gradients", "occlusion", "kernel_shap", "lime", "context_cite")
COLOURS = ("red", "blue", "green", "yellow", "white", "black", "orange", "purple", "grey", "brown", "pink", "silver")
THINGS = ("locker", "door", "safe", "gate", "box", "cabinet")


def planted_items(count: int, lines: int, seed: int) -> list[tuple[str, str, int]]:
    """``(prompt, target, index of the needle line)``: facts one per line, then a question about one."""
    rng = random.Random(seed)
    items = []
    for _ in range(count):
        thing = rng.choice(THINGS)
        colours = rng.sample(COLOURS, lines)
        codes = [str(rng.randint(1000, 9999)) for _ in colours]
        needle = rng.randrange(lines)
        facts = [f"The {c} {thing} opens with code {code}." for c, code in zip(colours, codes)]
        prompt = "\n".join(facts) + f"\nQuestion: which code opens the {colours[needle]} {thing}?\nAnswer: code"
        items.append((prompt, " " + codes[needle], needle))
    return items


def cost(method: str, result) -> int:
    """Forward passes the method ran (a backward pass counted as two forwards)."""
    meta = result.methods[method]
    if method in ("grad_l2", "grad_dot_input"):
        return 3
    if method == "integrated_gradients":
        return 3 * int(meta["steps"]) + 2
    if method == "occlusion":
        return int(meta["segments_scored"]) + 1
    return int(meta.get("forward_passes", 0))


def options_for(method: str, quick: bool) -> dict:
    if method == "integrated_gradients":
        return {"steps": 8 if quick else 32}
    if method in ("kernel_shap", "lime", "context_cite"):
        return {"samples": 16 if quick else 64}
    return {}


def planted_fact(lm, methods, items, quick: bool, fact_lines: int) -> None:
    from promptlight import explain

    print(f"\n### 1. Planted fact: the needle ranked first among {fact_lines} fact lines ({len(items)} prompts)\n")
    print("| method | top-1 accuracy | mean rank of the needle | forward passes | seconds / prompt |")
    print("|---|---|---|---|---|")
    for method in methods:
        hits, ranks, passes, seconds = 0, [], [], []
        for prompt, target, needle in items:
            began = time.perf_counter()
            result = explain(lm, prompt, target=target, method=method, granularity="lines", **options_for(method, quick))
            seconds.append(time.perf_counter() - began)
            passes.append(cost(method, result))
            segments = result.aggregate("lines")
            needle_span = segments[needle]
            signed = result.methods[method]["signed"]
            facts = segments[:fact_lines]  # the needle among its distractors (the question line is not one)
            scored = [s for s in facts if s.score is not None]
            order = sorted(scored, key=lambda s: -(s.score if signed else abs(s.score)))
            rank = next(i for i, s in enumerate(order, 1) if (s.start, s.end) == (needle_span.start, needle_span.end))
            ranks.append(rank)
            hits += rank == 1
        print(f"| {method} | {hits}/{len(items)} | {statistics.mean(ranks):.2f} | {statistics.median(passes):.0f} | "
              f"{statistics.mean(seconds):.2f} |")  # fmt: skip


def deletion_vs_random(lm, methods, prompts, quick: bool) -> None:
    from promptlight import explain

    print(f"\n### 2. Deletion versus random ({len(prompts)} sample prompts, lines, the model's own answer)\n")
    print("| method | median of drop(top) / median drop(random) | median of drop(top) - median drop(random), nats "
          "| top line beats random | forward passes (method) | seconds (with the check) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for method in methods:
        ratios, margins, wins, passes, seconds = [], [], 0, [], []
        for prompt, target in prompts:
            began = time.perf_counter()
            result = explain(lm, prompt, target=target, method=method, granularity="lines", check=True,
                             **options_for(method, quick))  # fmt: skip
            seconds.append(time.perf_counter() - began)
            check = result.faithfulness
            passes.append(cost(method, result))
            if check is None:
                continue
            top = check["top1"]
            wins += top["above_random"]
            if top["ratio"] is not None:  # defined where the random median drop is positive
                ratios.append(top["ratio"])
            margins.append(top["drop"] - (top["random_median"] or 0.0))
        shown = f"{statistics.median(ratios):.2f} (of {len(ratios)})" if ratios else "n/a"
        margin = f"{statistics.median(margins):+.2f}" if margins else "n/a"
        print(f"| {method} | {shown} | {margin} | {wins}/{len(prompts)} | {statistics.median(passes):.0f} | "
              f"{statistics.mean(seconds):.2f} |")  # fmt: skip


def coarse_to_fine_vs_exact(lm, prompts, quick: bool) -> None:
    from promptlight import explain
    from promptlight.salience.context_cite import spearman

    print(f"\n### 3. Coarse-to-fine occlusion against exact leave-one-out ({len(prompts)} sample prompts, words)\n")
    print("| keep | Spearman with exact (median) | same top word | top-5 overlap (mean) | forward passes, share of exact "
          "| words scored exactly | seconds, share of exact |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    exact_runs = []
    for prompt, target in prompts:
        began = time.perf_counter()
        exact_runs.append((explain(lm, prompt, target=target, method="occlusion", granularity="words"),
                           time.perf_counter() - began))  # fmt: skip
    for keep in (1, 3) if quick else (1, 2, 3, 5):
        rhos, same, overlap, passes, exact_share, seconds = [], 0, [], [], [], []
        for (prompt, target), (exact, exact_seconds) in zip(prompts, exact_runs):
            began = time.perf_counter()
            tree = explain(lm, prompt, target=target, method="occlusion", granularity="words",
                           options={"hierarchical": True, "keep": keep})  # fmt: skip
            seconds.append((time.perf_counter() - began) / exact_seconds)
            a, b = exact.segment_scores["occlusion"].values, tree.segment_scores["occlusion"].values
            both = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
            rho = spearman([x for x, _ in both], [y for _, y in both])
            if rho is not None:
                rhos.append(rho)
            top_exact = [(s.start, s.end) for s in exact.top_segments("words", k=5)]
            top_tree = [(s.start, s.end) for s in tree.top_segments("words", k=5)]
            same += bool(top_exact) and top_exact[0] == (top_tree[0] if top_tree else None)
            overlap.append(len(set(top_exact) & set(top_tree)) / max(1, len(top_exact)))
            meta = tree.methods["occlusion"]
            passes.append(meta["forward_passes"] / (exact.methods["occlusion"]["segments_scored"] + 1))
            exact_share.append(meta["segments_scored"] / max(1, meta["segments_scored"] + meta["segments_estimated"]))
        print(f"| {keep} | {statistics.median(rhos):.2f} | {same}/{len(prompts)} | {statistics.mean(overlap):.2f} | "
              f"{statistics.mean(passes):.2f} | {statistics.mean(exact_share):.2f} | {statistics.mean(seconds):.2f} |")  # fmt: skip


def ig_convergence(lm, quick: bool, *, selections: str, max_steps: int) -> None:
    """One ``steps=auto`` run per selection and path: its tries give the gap at 16, 32, ... steps."""
    from promptlight import explain
    from promptlight.data import load_dataset

    prompt = load_dataset("sample_prompts").by_source("fewshot-mistake").prompt
    target = lm.generate(prompt, max_new_tokens=48, stop=["\n\n"]).text
    start = target.find("Recommendation:")
    end = target.find("\n", start) if start >= 0 else -1
    spans = {"whole": ("whole answer", None)}
    if start >= 0:
        spans["line"] = ("Recommendation line", (start, end if end >= 0 else len(target)))
    chosen = [spans[k] for k in selections.split(",") if k in spans]
    cap = 16 if quick else max_steps
    configs = [("zero", "gauss_legendre"), ("zero", "geometric"), ("pad", "gauss_legendre"), ("mean", "gauss_legendre")]
    steps_list = [16 * 2**i for i in range(8) if 16 * 2**i < cap] + [cap] if cap > 16 else [cap]
    print(f"\n### 4. Integrated gradients: relative completeness gap on the walkthrough (answer {target!r})\n")
    print("| selection | baseline | rule | " + " | ".join(f"{s} steps" for s in steps_list) + " | steps=auto | seconds |")
    print("|---|---|---|" + "---|" * (len(steps_list) + 2))
    for label, span in chosen:
        for baseline, rule in configs:
            began = time.perf_counter()
            auto = explain(lm, prompt, target=target, target_span=span, method="integrated_gradients", steps="auto",
                           max_steps=cap, baseline=baseline, rule=rule).methods["integrated_gradients"]  # fmt: skip
            seconds = time.perf_counter() - began
            gaps = {t["steps"]: t["relative_gap"] for t in auto["tries"]}
            cells = [f"{gaps[s]:.4f}" if s in gaps else "(converged)" for s in steps_list]
            settled = f"{auto['steps']} ({auto['relative_gap']:.4f}{'' if auto['converged'] else ', not converged'})"
            print(f"| {label} | {baseline} | {rule} | " + " | ".join(cells) + f" | {settled} | {seconds:.0f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--items", type=int, default=8, help="planted-fact prompts (default 8)")
    parser.add_argument("--lines", type=int, default=8, help="fact lines per planted prompt (default 8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--skip", default="", help="comma-separated protocols to skip: planted,deletion,coarse,ig")
    parser.add_argument("--quick", action="store_true", help="a small run to check the script (any model)")
    parser.add_argument("--ig-selections", default="line,whole", help="protocol 4's selections: line, whole")
    parser.add_argument("--ig-max-steps", type=int, default=128, help="protocol 4: the most steps steps=auto tries")
    args = parser.parse_args()

    from promptlight.data import load_dataset
    from promptlight.models import load_model

    began = time.perf_counter()
    lm = load_model(args.model)
    methods = [m for m in args.methods.split(",") if m]
    skip = set(args.skip.split(","))
    print(f"model {args.model} ({lm.device}, {str(lm.dtype).removeprefix('torch.')}); methods {', '.join(methods)}")
    if "planted" not in skip:
        items = planted_items(2 if args.quick else args.items, 4 if args.quick else args.lines, args.seed)
        planted_fact(lm, methods, items, args.quick, 4 if args.quick else args.lines)
    if "deletion" not in skip or "coarse" not in skip:
        examples = list(load_dataset("sample_prompts"))[: 2 if args.quick else None]
        prompts = []
        for ex in examples:
            target = ex.target or lm.generate(ex.prompt, max_new_tokens=8 if args.quick else 32, stop=["\n\n"]).text
            if target.strip():
                prompts.append((ex.prompt, target))
        if "deletion" not in skip:
            deletion_vs_random(lm, methods, prompts, args.quick)
        if "coarse" not in skip:
            coarse_to_fine_vs_exact(lm, prompts[:1] if args.quick else prompts, args.quick)
    if "ig" not in skip:
        ig_convergence(lm, args.quick, selections=args.ig_selections, max_steps=args.ig_max_steps)
    print(f"\n{time.perf_counter() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
