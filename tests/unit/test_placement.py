"""Devices and dtypes: names resolved on this machine, clear errors for the rest, and the plan
for placing a model on one GPU or sharding it over several (with a made-up list of GPUs)."""

from __future__ import annotations

import pytest
import torch

from promptlight.errors import InvalidArgument
from promptlight.models import load_model
from promptlight.models.placement import (
    WEIGHTS_SHARE,
    available_devices,
    plan_placement,
    resolve_device,
    resolve_dtype,
)

pytestmark = pytest.mark.unit

GIB = 2**30


def test_auto_is_the_best_device_this_machine_has():
    have = available_devices()
    assert have[0] == "cpu"
    expected = next((d for d in have if d.startswith("cuda")), "mps" if "mps" in have else "cpu")
    assert resolve_device("auto") == expected
    assert resolve_device(None) == expected
    assert resolve_device("CPU") == "cpu"


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "tpu", ""])
def test_an_unknown_device_lists_the_valid_names_and_what_is_here(name):
    if name == "":
        assert resolve_device(name) == resolve_device("auto")  # empty means auto
        return
    with pytest.raises(InvalidArgument) as info:
        resolve_device(name)
    message = str(info.value)
    assert info.value.field == "device" and repr(name) in message
    assert "auto, cpu, cuda, cuda:N, mps" in message and "This machine has: cpu" in message


@pytest.mark.skipif(torch.cuda.is_available(), reason="this checks a machine without CUDA")
def test_cuda_on_a_machine_without_it_is_a_clear_error():
    for name in ("cuda", "cuda:1"):
        with pytest.raises(InvalidArgument, match="not available on this machine"):
            resolve_device(name)


def test_dtypes_resolve_and_auto_is_float32_on_the_cpu():
    assert resolve_dtype("auto", "cpu") == "float32"
    assert resolve_dtype("bf16", "cpu") == "bfloat16"
    assert resolve_dtype("float16", "cpu") == "float16"
    with pytest.raises(InvalidArgument) as info:
        resolve_dtype("int8", "cpu")
    assert info.value.field == "dtype" and "float32, bfloat16, float16" in str(info.value)


def test_a_model_that_fits_one_gpu_goes_on_it():
    plan = plan_placement("cuda:1", model_bytes=2 * GIB, gpu_free=[80 * GIB, 80 * GIB])
    assert plan.device == "cuda:1" and plan.device_map is None and plan.from_pretrained_kwargs() == {}


def test_a_model_too_large_for_one_gpu_is_sharded_over_all_of_them():
    free = [24 * GIB, 24 * GIB, 24 * GIB]
    plan = plan_placement("cuda:0", model_bytes=40 * GIB, gpu_free=free)
    assert plan.device_map == "auto" and plan.device == "cuda:0"
    assert plan.max_memory == {i: int(WEIGHTS_SHARE * f) for i, f in enumerate(free)}
    assert plan.from_pretrained_kwargs()["device_map"] == "auto"


def test_a_model_too_large_for_every_gpu_together_names_the_sizes():
    with pytest.raises(InvalidArgument) as info:
        plan_placement("cuda:0", model_bytes=100 * GIB, gpu_free=[24 * GIB, 24 * GIB])
    assert "100.0 GiB" in str(info.value) and "2 GPU(s)" in str(info.value) and "48.0 GiB free" in str(info.value)


def test_the_cpu_is_never_sharded():
    assert plan_placement("cpu", model_bytes=100 * GIB, gpu_free=[]).device == "cpu"


def test_a_bfloat16_model_runs_salience_with_float32_sums_and_records_its_dtype(tiny):
    from promptlight.pipeline import explain

    half = load_model("tiny", dtype="bfloat16", reuse=False)
    assert half.dtype == torch.bfloat16 and half.describe()["dtype"] == "bfloat16"
    prompt, target = "Taste-likes: cheese.\nSuggestion: quiche.\nAnalysis:", " It has eggs."
    low = explain(half, prompt, target=target, method="grad_l2")
    full = explain(tiny, prompt, target=target, method="grad_l2")
    assert (low.dtype, full.dtype) == ("bfloat16", "float32") and low.device == full.device == "cpu"
    a = torch.tensor([v for v in low.token_scores() if v is not None])
    b = torch.tensor([v for v in full.token_scores() if v is not None])
    assert torch.corrcoef(torch.stack([a, b]))[0, 1] > 0.95
    assert low.objective_value == pytest.approx(full.objective_value, rel=0.05)
