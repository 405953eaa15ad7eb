"""Salience on long prompts: time as ratios to a body forward pass of the same tokens, and peak memory.

    .venv/bin/python benchmarks/salience.py --tokens 256,1024,4096,8192 [--device cpu] [--dtype float32]

Per length N, one prompt of about N tokens (eight paragraphs built from the sample prompts,
so occlusion at ``paragraphs`` has eight variants) and a short target. Measured in the same
process, one after another per length: a body forward pass plus one row of logits (the
cheapest way to score the target's first token: the baseline), the gradient pass
(``grad_l2`` + ``grad_dot_input``), integrated gradients at ``--ig-steps`` steps and occlusion
at paragraphs. Peak memory is sampled while each runs: resident set size of the process (CPU)
or ``torch.cuda.max_memory_allocated`` (GPU), reported above the size after loading.

Targets on a CPU in float32 (gemma3-270m): gradient pass <= 3.5x the body forward at 8,192
tokens, peak RSS <= 8 GB at 8,192 tokens.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


@contextmanager
def peak_rss(every: float = 0.002) -> Iterator[dict[str, int]]:
    """``{"peak": bytes}``: the largest RSS seen while the block ran (sampled by a thread)."""
    out = {"peak": rss_bytes()}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak"] = max(out["peak"], rss_bytes())
            stop.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["peak"] = max(out["peak"], rss_bytes())


def long_prompt(lm: Any, tokens: int) -> str:
    """About ``tokens`` tokens of English in eight paragraphs, from the sample prompts."""
    from promptlight.data import load_dataset

    texts = [ex.prompt for ex in load_dataset("sample_prompts").examples]
    pool = " ".join(" ".join(t.split()) for t in texts).split(" ")
    per = max(1, tokens // 8)
    paragraphs, cursor = [], 0
    for _ in range(8):
        words: list[str] = []
        while len(lm.tokenize(" ".join(words), add_bos=False).ids) < per:
            words.extend(pool[cursor % len(pool) : cursor % len(pool) + 4])
            cursor += 4
        paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs) + "\n\nRecommendation:"


def _estimate(lm: Any, case: str, seq: int, ig_steps: int) -> str:
    """promptlight's own estimate of a case's peak (what max_call_memory is checked against)."""
    from promptlight.models.memory import estimate_call_bytes, model_shape
    from promptlight.salience.integrated_gradients import path_points_per_batch
    from promptlight.salience.occlusion import DEFAULT_BATCH_SIZE

    shape = model_shape(lm)
    if shape is None or case == "body forward":
        return ""
    if case == "gradient pass":
        n = estimate_call_bytes(shape, method_level="tokens", tokens=seq, rows=1)
    elif case.startswith("IG"):
        n = estimate_call_bytes(shape, method_level="tokens", tokens=seq, rows=path_points_per_batch(ig_steps, seq))
    else:
        n = estimate_call_bytes(shape, method_level="paragraphs", tokens=seq, rows=DEFAULT_BATCH_SIZE)
    return f" (estimated {n / 2**30:.2f})"


def sweep(lm: Any, lengths: list[int], *, ig_steps: int, markdown: bool) -> None:
    import torch

    from promptlight.models.memory import release_memory
    from promptlight.pipeline import explain

    on_gpu = lm.device.type == "cuda"
    target = " Avoid it."
    rows = []
    for n in lengths:
        prompt = long_prompt(lm, n)
        ids = torch.tensor([lm.tokenize(prompt + target).ids], device=lm.device)

        def body(ids: Any = ids) -> None:
            with torch.inference_mode():
                hidden = lm.module.get_decoder()(input_ids=ids, use_cache=False).last_hidden_state
                lm.unembed(hidden[:, -1:])

        def method(name: str, prompt: str = prompt, **options: Any) -> Callable[[], Any]:
            return lambda: explain(lm, prompt, target=target, method=name, **options)

        cases = {
            "body forward": body,
            "gradient pass": method("grad_l2"),
            f"IG {ig_steps} steps": method("integrated_gradients", steps=ig_steps),
            "occlusion (8 paragraphs)": method("occlusion", granularity="paragraphs"),
        }
        body()  # warm-up
        estimates = {name: _estimate(lm, name, ids.shape[1], ig_steps) for name in cases}
        measured: dict[str, tuple[float, int]] = {}
        for name, fn in cases.items():
            release_memory()  # each phase starts from what the loaded model needs, not the last peak
            if on_gpu:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
                before = torch.cuda.memory_allocated()
            else:
                before = rss_bytes()
            with peak_rss() as peak:
                t0 = time.perf_counter()
                fn()
                if on_gpu:
                    torch.cuda.synchronize()
                seconds = time.perf_counter() - t0
            used = (torch.cuda.max_memory_allocated() if on_gpu else peak["peak"]) - before
            measured[name] = (seconds, max(used, 0))
            print(f"  {ids.shape[1]} tokens, {name}: {seconds:.2f} s, peak +{used / 2**30:.2f} GiB{estimates.get(name, '')}", flush=True)
        base = measured["body forward"][0]
        rows.append((ids.shape[1], base, measured))
    memory = "peak GPU" if on_gpu else "peak RSS"
    header = ["tokens", "body forward s", *[f"{k} (x, {memory} GiB)" for k in list(rows[0][2])[1:]]]
    lines = []
    for n, base, measured in rows:
        cells = [str(n), f"{base:.2f}"]
        for _name, (seconds, used) in list(measured.items())[1:]:
            cells.append(f"{seconds / base:.2f}x, +{used / 2**30:.2f}")
        lines.append(cells)
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        for cells in [header, *lines]:
            print("  ".join(cells))
    total = rss_bytes() if not on_gpu else torch.cuda.max_memory_allocated()
    print(f"process {'RSS' if not on_gpu else 'GPU peak'} now {total / 2**30:.2f} GiB; model {lm.name} on {lm.device} in {lm.dtype}")
