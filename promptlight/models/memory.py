"""How much memory a salience call needs, estimated before it runs, from the model's shape.

    estimate = activations of the rows computed at once (x 1 layer without a backward,
               x every layer with one) + the prefix cache (perturbation methods)

The constants come from measurements on Gemma 3 270M in float32 on the CPU
(``benchmarks/salience.py --tokens`` prints the estimate next to the measured peak): per
token and layer a backward keeps about ``8 h + 5 i + 4 q + 2 kv`` values (``h`` hidden size,
``i`` MLP width, ``q`` query width ``heads x head_dim``, ``kv`` key/value width). Attention
scores are not counted: PyTorch's scaled-dot-product attention keeps no ``seq x seq`` matrix.
The estimate is a planning number (batch sizes, refusals), not a bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Float32 values a backward keeps per token and layer, as multiples of the model's widths.
SAVED_PER_HIDDEN, SAVED_PER_MLP, SAVED_PER_QUERY, SAVED_PER_KV = 8, 5, 4, 2
#: Transient values of one layer's forward per token (no backward): the widest intermediates.
LIVE_PER_HIDDEN, LIVE_PER_MLP, LIVE_PER_QUERY = 4, 3, 2
#: Layers' worth of saved values alive at once in a checkpointed backward.
RECOMPUTE_LAYERS = 3
GIB = 2**30


def model_shape(lm: Any) -> dict[str, int] | None:
    """``{"layers", "hidden", "mlp", "query", "kv", "vocab", "bytes"}`` from ``lm.describe()["shape"]``, or None."""
    shape = (lm.describe() or {}).get("shape") if hasattr(lm, "describe") else None
    if not isinstance(shape, Mapping):
        return None
    try:
        return {k: int(shape[k]) for k in ("layers", "hidden", "mlp", "query", "kv", "vocab", "bytes")}
    except (KeyError, TypeError, ValueError):
        return None


def activation_bytes(shape: Mapping[str, int], *, tokens: int, rows: int = 1, backward: bool) -> int:
    """Peak bytes of activations for ``rows`` sequences of ``tokens`` (float32 for saved values)."""
    h, i, q, kv = shape["hidden"], shape["mlp"], shape["query"], shape["kv"]
    if backward:
        per_token = shape["layers"] * (
            SAVED_PER_HIDDEN * h + SAVED_PER_MLP * i + SAVED_PER_QUERY * q + SAVED_PER_KV * kv
        )
        values = rows * tokens * per_token
        item = 4  # salience keeps what the backward needs in float32 or the model's dtype; count the larger
    else:
        values = rows * tokens * (LIVE_PER_HIDDEN * h + LIVE_PER_MLP * i + LIVE_PER_QUERY * q)
        item = max(1, shape["bytes"])
    return values * item


def cache_bytes(shape: Mapping[str, int], *, tokens: int) -> int:
    """The key/value cache of one sequence of ``tokens``."""
    return 2 * shape["layers"] * shape["kv"] * tokens * max(1, shape["bytes"])


def estimate_call_bytes(
    shape: Mapping[str, int], *, method_level: str, tokens: int, rows: int, checkpointed: bool = False
) -> int:
    """Peak extra bytes of one salience call: ``method_level`` ``"tokens"`` (gradient methods) or a granularity.

    ``checkpointed``: the backward keeps one float32 hidden state per layer and recomputes one
    layer at a time (see ``HFLanguageModel.checkpointed``).
    """
    if method_level == "tokens":
        full = activation_bytes(shape, tokens=tokens, rows=rows, backward=True)
        if not checkpointed:
            return full
        inputs = rows * tokens * shape["layers"] * shape["hidden"] * 4
        # One layer's intermediates while it is recomputed, plus the gradients flowing back
        # through it: about three layers' worth (measured on Gemma 3 270M at 2,085 tokens).
        return min(full, inputs + RECOMPUTE_LAYERS * (full // max(shape["layers"], 1)))
    return cache_bytes(shape, tokens=tokens) + activation_bytes(shape, tokens=tokens, rows=rows, backward=False)


def rows_that_fit(
    shape: Mapping[str, int], *, method_level: str, tokens: int, limit: int, wanted: int, checkpointed: bool = False
) -> int:
    """The most rows (at most ``wanted``; 0 if not even one) whose estimate stays within ``limit`` bytes."""
    fixed = estimate_call_bytes(shape, method_level=method_level, tokens=tokens, rows=0, checkpointed=checkpointed)
    per_row = (
        estimate_call_bytes(shape, method_level=method_level, tokens=tokens, rows=1, checkpointed=checkpointed) - fixed
    )
    if per_row <= 0:
        return wanted
    return max(0, min(wanted, (limit - fixed) // per_row))


def human(n: int) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB // 10 else f"{n / 2**20:.0f} MiB"


def release_memory() -> None:
    """Give freed memory back to the system: Python's garbage, PyTorch's CUDA cache, glibc's free lists.

    After a long call the allocator keeps the peak's pages; an idle server would stay at that size.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass


def free_bytes(device: Any) -> int | None:
    """Memory free for new allocations on ``device``: CUDA's free memory, or the system's MemAvailable."""
    kind = getattr(device, "type", str(device))
    if kind == "cuda":
        import torch

        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # not Linux
        return None
    return None
