"""Agreement and speed on a CUDA GPU, with no network and no model files.

    python benchmarks/gpu_check.py            # on a machine with CUDA; finishes in a few minutes
    python benchmarks/gpu_check.py --smoke    # anywhere: the same checks, small and on the CPU

Builds random-weight models (seeded) from two configs: gemma3-270m's exact architecture and
a ~1B Gemma 3 one, with a byte-level BPE tokenizer trained here (the ``tiny`` preset's). On
the same weights it runs every method in bfloat16 and float32 on the GPU and in float32 on
the CPU, and prints:

- agreement: Pearson of grad_l2 token scores, bf16 vs fp32 (target >= 0.99), and GPU fp32 vs
  CPU fp32; whether occlusion's top-3 lines are the same;
- timings of the gradient pass, integrated gradients and occlusion at 512, 2048 and 8192 tokens.

Exit status 1 if an agreement target is missed.
"""

from __future__ import annotations

import argparse
import functools
import math
import tempfile
import time
from pathlib import Path
from typing import Any

GEMMA3_270M = {
    "hidden_size": 640, "intermediate_size": 2048, "num_hidden_layers": 18, "num_attention_heads": 4,
    "num_key_value_heads": 1, "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 512,
    "layer_types": (["sliding_attention"] * 5 + ["full_attention"]) * 3, "vocab_size": 262144,
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "hidden_activation": "gelu_pytorch_tanh",
    "rope_parameters": {"full_attention": {"rope_theta": 1e6, "rope_type": "default"},
                        "sliding_attention": {"rope_theta": 1e4, "rope_type": "default"}},
}  # fmt: skip
GEMMA3_1B = {
    **GEMMA3_270M,
    "hidden_size": 1152, "intermediate_size": 6912, "num_hidden_layers": 26, "num_attention_heads": 4,
    "layer_types": (["sliding_attention"] * 5 + ["full_attention"]) * 4 + ["sliding_attention"] * 2,
}  # fmt: skip
SMOKE = {**GEMMA3_270M, "num_hidden_layers": 2, "layer_types": ["sliding_attention", "full_attention"], "vocab_size": 1024}


def build(config: dict[str, Any], tokenizer: Any, *, device: str, dtype: Any, seed: int = 0) -> Any:
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from promptlight.models.hf import HFLanguageModel

    cfg = Gemma3TextConfig(
        **config, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )  # fmt: skip
    torch.manual_seed(seed)
    with torch.device("cpu"):
        module = Gemma3ForCausalLM(cfg)  # built on the CPU, so every copy gets the same weights
    module = module.to(device=device, dtype=dtype)
    return HFLanguageModel(name="random-gemma3", spec="gpu_check", module=module, tokenizer=tokenizer)


LINES = (
    "Taste-likes: cheese, tomatoes and basil.\n",
    "Taste-dislikes: eggs, mushrooms.\n",
    "Suggestion: a quiche with leeks and eggs.\n",
    "Analysis: the quiche has eggs, which the guest dislikes.\n",
    "Suggestion: grilled salmon with lemon.\n",
    "Analysis: no disliked ingredient; fish is not listed either way.\n",
)


def prompt_of(lm: Any, tokens: int) -> str:
    """About ``tokens`` tokens in distinct lines (occlusion at lines then has one variant per line)."""
    out, n, k = [], 0, 0
    while n < tokens:
        line = LINES[k % len(LINES)]
        out.append(line)
        n += len(lm.tokenize(line, add_bos=False).ids)
        k += 1
    return "".join(out) + "Recommendation:"


def pearson(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va and vb else float("nan")


def timed(fn: Any, device: str) -> tuple[float, Any]:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - t0, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a small model on the CPU (checks the script runs)")
    parser.add_argument("--lengths", default="512,2048,8192")
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer

    from promptlight.models.tiny import build_tiny
    from promptlight.pipeline import explain

    gpu = "cuda" if torch.cuda.is_available() and not args.smoke else None
    with tempfile.TemporaryDirectory() as folder:
        build_tiny(Path(folder))
        tokenizer = AutoTokenizer.from_pretrained(folder)
    configs = {"gemma3-270m config": SMOKE if args.smoke else GEMMA3_270M}
    if gpu:
        configs["gemma3-1b config"] = GEMMA3_1B
        print(f"GPU: {torch.cuda.get_device_name(0)}; torch {torch.__version__}")
    else:
        print("No CUDA device (or --smoke): CPU only, fp32 vs bf16 on the CPU, short prompts.")
    lengths = [int(x) for x in args.lengths.split(",")] if gpu else [128]
    target = " Avoid it."
    failed = False
    for label, config in configs.items():
        device = gpu or "cpu"
        runs = {
            "bf16": build(config, tokenizer, device=device, dtype=torch.bfloat16),
            "fp32": build(config, tokenizer, device=device, dtype=torch.float32),
        }
        if gpu and label.startswith("gemma3-270m"):
            runs["cpu fp32"] = build(config, tokenizer, device="cpu", dtype=torch.float32)
        prompt = prompt_of(runs["fp32"], 512 if gpu else 128)
        results = {}
        for name, lm in runs.items():
            grads = explain(lm, prompt, target=target, method="grad_l2")
            occ = explain(lm, prompt, target=target, method="occlusion", granularity="lines")
            ig = explain(lm, prompt, target=target, method="integrated_gradients", steps=16)
            top = [(s.start, s.text) for s in occ.top_segments("lines", k=3)]
            results[name] = (grads.token_scores("grad_l2"), top, ig.methods["integrated_gradients"]["completeness_gap"])
        ref_scores, ref_top, _ = results["fp32"]
        print(f"\n{label} ({sum(p.numel() for p in runs['fp32'].module.parameters()) / 1e6:.0f}M parameters), {len(ref_scores)} tokens")
        for name, (scores, top, gap) in results.items():
            r = pearson([x for x in ref_scores if x is not None], [x for x in scores if x is not None])
            same = top == ref_top
            ok = name == "fp32" or (r >= 0.99 and same)
            failed |= not ok
            print(f"  {name:9s} grad_l2 Pearson vs fp32 {r:.4f}  occlusion top-3 lines same: {same}  IG(16) gap {gap:+.3g}  {'ok' if ok else 'MISSED'}")
        if gpu:
            lm = runs["bf16"]
            for n in lengths:
                long_prompt = prompt_of(lm, n)
                cells = []
                for method, options in (("grad_l2", {}), ("integrated_gradients", {"steps": 16}), ("occlusion", {"granularity": "lines"})):
                    run = functools.partial(explain, lm, long_prompt, target=target, method=method, **options)
                    seconds, _ = timed(run, gpu)
                    cells.append(f"{method} {seconds:.2f} s")
                torch.cuda.synchronize()
                print(f"  bf16 at {len(lm.tokenize(long_prompt).ids)} tokens: " + ", ".join(cells) + f"; peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")
        del runs
        if gpu:
            torch.cuda.empty_cache()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
