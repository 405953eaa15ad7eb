"""Where a model runs and in which precision: ``device`` and ``dtype`` names -> concrete choices.

    resolve_device("auto")            -> "cuda:0" if CUDA is available, else "mps", else "cpu"
    resolve_dtype("auto", "cuda:0")   -> "bfloat16" where the GPU supports it, else "float32"
    plan_placement("cuda", model_bytes=..., gpu_free=[...])  -> one GPU, or a device map over several

Every error names the bad value, the valid names, and what this machine has.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from promptlight.errors import InvalidArgument

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")
#: Fraction of a GPU's free memory the weights may take; the rest is for activations.
WEIGHTS_SHARE = 0.8


def available_devices() -> list[str]:
    """What this machine has: ``cpu``, each ``cuda:N``, and ``mps`` where present."""
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def resolve_device(device: str | None, *, field: str = "device") -> str:
    """A device name (``auto``, ``cpu``, ``cuda``, ``cuda:N``, ``mps``) -> one this machine has."""
    name = (device or "auto").strip().lower()
    have = available_devices()
    if name == "auto":
        gpus = [d for d in have if d.startswith("cuda")]
        return gpus[0] if gpus else ("mps" if "mps" in have else "cpu")
    if name == "cuda":
        name = "cuda:0"
    if not (name in ("cpu", "mps") or re.fullmatch(r"cuda:\d+", name)):
        raise InvalidArgument(
            f"Unknown device {device!r}. Valid: {', '.join(DEVICE_CHOICES)}. This machine has: {', '.join(have)}.",
            field=field,
        )
    if name not in have:
        raise InvalidArgument(
            f"Device {device!r} is not available on this machine (it has: {', '.join(have)}). "
            "Use --device auto or one of those.",
            field=field,
        )
    return name


def resolve_dtype(dtype: str | None, device: str, *, field: str = "dtype") -> str:
    """A dtype name -> ``float32``, ``bfloat16`` or ``float16``; ``auto`` is bfloat16 on a GPU that supports it."""
    name = (dtype or "auto").strip().lower()
    aliases = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "half": "float16"}
    name = aliases.get(name, name)
    if name not in DTYPE_CHOICES:
        raise InvalidArgument(f"Unknown dtype {dtype!r}. Valid: {', '.join(DTYPE_CHOICES)}.", field=field)
    if name != "auto":
        return name
    if device.startswith("cuda"):
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float32"


def torch_dtype(name: str) -> Any:
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[name]


@dataclasses.dataclass(frozen=True)
class Placement:
    """How to load: one ``device``, or an accelerate ``device_map`` with per-GPU ``max_memory``."""

    device: str
    device_map: str | None = None
    max_memory: dict[Any, int] | None = None

    def from_pretrained_kwargs(self) -> dict[str, Any]:
        if self.device_map is None:
            return {}
        return {"device_map": self.device_map, "max_memory": self.max_memory}


def plan_placement(device: str, *, model_bytes: int, gpu_free: Sequence[int]) -> Placement:
    """One GPU when the weights fit in ``WEIGHTS_SHARE`` of its free memory, else shards over all of them.

    ``device`` is a resolved name; ``gpu_free[i]`` the free bytes of ``cuda:i`` (injectable, so
    tests can plan for GPUs this machine does not have). A model too large for all of them
    together is an error that names the sizes.
    """
    if not device.startswith("cuda") or not gpu_free:
        return Placement(device=device)
    index = int(device.split(":")[1]) if ":" in device else 0
    if index < len(gpu_free) and model_bytes <= WEIGHTS_SHARE * gpu_free[index]:
        return Placement(device=f"cuda:{index}")
    budget = {i: int(WEIGHTS_SHARE * free) for i, free in enumerate(gpu_free)}
    if model_bytes > sum(budget.values()):
        gib = 2**30
        raise InvalidArgument(
            f"The model's weights ({model_bytes / gib:.1f} GiB) do not fit on the {len(gpu_free)} GPU(s) here "
            f"({sum(gpu_free) / gib:.1f} GiB free in all). Use --dtype bfloat16, a smaller model, or --device cpu.",
            field="device",
        )
    return Placement(device="cuda:0", device_map="auto", max_memory=budget)


def gpu_free_bytes() -> list[int]:
    import torch

    if not torch.cuda.is_available():
        return []
    return [int(torch.cuda.mem_get_info(i)[0]) for i in range(torch.cuda.device_count())]
