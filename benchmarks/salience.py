"""Salience speed on gemma3-270m, as ratios to one plain forward pass measured in the same run.

    .venv/bin/python benchmarks/salience.py [--repeats 3] [--model gemma3-270m] [--markdown]
    .venv/bin/python benchmarks/salience.py --tokens 256,1024,4096,8192 [--device D] [--dtype T]

With ``--tokens`` it runs the long-prompt sweep of ``benchmarks/long_prompts.py`` instead.

The prompt is the ``fewshot-mistake`` sample; the target is the model's own greedy
continuation up to the end of its ``Recommendation:`` line, and the explained span is that
line. Each measurement is the median of ``--repeats`` runs, and the runs of different
measurements are interleaved, so a noisy neighbour slows all of them alike.

Targets: grad_l2 + grad_dot_input (one pass) within 1.5x of the plain forward
pass; integrated gradients at 32 steps within 40x; occlusion at line level within 1.5x per
line. The naive baseline (full-vocabulary logits at every position, weight gradients on)
shows what the careful implementation saves.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--tokens", help="comma-separated prompt lengths: run the long-prompt sweep instead")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--ig-steps", type=int, default=8, help="integrated-gradients steps in the sweep")
    args = parser.parse_args()
    if args.tokens:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from long_prompts import sweep

        from promptlight.models import load_model

        lengths = [int(x) for x in args.tokens.split(",") if x.strip()]
        sweep(load_model(args.model, device=args.device, dtype=args.dtype), lengths, ig_steps=args.ig_steps, markdown=args.markdown)
        return 0

    import torch

    from promptlight.data import load_dataset
    from promptlight.models import load_model
    from promptlight.pipeline import explain

    lm = load_model(args.model)
    prompt = load_dataset("sample_prompts").by_source("fewshot-mistake").prompt
    generation = lm.generate(prompt, max_new_tokens=48, stop=["\n\n"])
    target = generation.text
    line_start = target.find("Recommendation:")
    if line_start >= 0:
        line_end = target.find("\n", line_start)
        span = (line_start, line_end if line_end >= 0 else len(target))
    else:
        span = (0, len(target))
    ids = torch.tensor([lm.tokenize(prompt + target).ids])
    probe = explain(lm, prompt, target=target, target_span=span, method="grad_l2")
    first, last = probe.target_token_span
    n_lines = sum(1 for s in probe.aggregate("lines") if s.score is not None)
    print(f"model {args.model}: {ids.shape[1]} tokens ({first} scored, {last - first} in the explained span {target[span[0]:span[1]]!r}); {n_lines} prompt lines")

    def plain_forward():
        with torch.inference_mode():
            lm.module(input_ids=ids, use_cache=False)  # full logits at every position

    def naive_salience():
        params = list(lm.module.parameters())
        for p in params:
            p.requires_grad_(True)
        try:
            embeds = lm.embed(ids).detach().requires_grad_(True)  # [1, seq, d]
            logits = lm.module(inputs_embeds=embeds, use_cache=False).logits  # [1, seq, vocab]: everywhere
            logprobs = torch.log_softmax(logits, dim=-1)
            f = logprobs[0, torch.arange(first - 1, last - 1), ids[0, first:last]].sum()
            f.backward()
        finally:
            for p in params:
                p.grad = None
                p.requires_grad_(False)

    def method(name, **options):
        return lambda: explain(lm, prompt, target=target, target_span=span, method=name, **options)

    cases = {
        "plain forward (full logits)": plain_forward,
        "naive salience (full logits, weight grads)": naive_salience,
        "grad_l2 + grad_dot_input": method("grad_l2"),
        "integrated_gradients (32 steps)": method("integrated_gradients", steps=32),
        "occlusion (lines)": method("occlusion", granularity="lines"),
    }
    for fn in cases.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    median = {name: statistics.median(ts) for name, ts in times.items()}
    base = median["plain forward (full logits)"]
    targets = {
        "grad_l2 + grad_dot_input": ("<= 1.5x", lambda r: r <= 1.5),
        "integrated_gradients (32 steps)": ("<= 40x", lambda r: r <= 40),
        "occlusion (lines)": ("<= 1.5x per line", lambda r: r / max(n_lines, 1) <= 1.5),
    }
    rows = []
    for name, t in median.items():
        ratio = t / base
        shown = f"{ratio:.2f}x"
        if name == "occlusion (lines)":
            shown += f" ({ratio / max(n_lines, 1):.2f}x per line, {n_lines} lines)"
        target_text, ok = targets.get(name, ("", None))
        verdict = "" if ok is None else ("met" if ok(ratio) else "MISSED")
        rows.append((name, f"{t:.3f}", shown, target_text, verdict))
    header = ("measurement", "median s", "ratio to plain forward", "target", "")
    if args.markdown:
        print("| " + " | ".join(header[:-1]) + " |")
        print("|" + "---|" * (len(header) - 1))
        for r in rows:
            print("| " + " | ".join([r[0], r[1], r[2], f"{r[3]} {r[4]}".strip()]) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    return 0 if all(r[4] != "MISSED" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
