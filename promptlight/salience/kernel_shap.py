"""``kernel_shap``: Shapley values of the segments, estimated by Shapley-kernel weighted regression.

    f(z) ~ phi_0 + sum_k z_k phi_k,   z in {0, 1}^M (1 = segment k kept),
    phi_0 = f(nothing kept),  sum_k phi_k = f(everything) - f(nothing)      (signed)

The coalitions z are weighted by the Shapley kernel ``(M - 1) / (C(M, |z|) |z| (M - |z|))``,
under which the weighted least-squares solution is the Shapley value. With at most
``samples`` coalitions besides the two ends (``2^M - 2 <= samples``) every coalition is
evaluated and the values are exact; otherwise coalition sizes are drawn from the kernel's
distribution and each draw is paired with its complement (Covert & Lee 2021), so the fit is
an unweighted regression on the draws. Removal is occlusion's (the segment's tokens go).
Reference: Lundberg & Lee (2017), "A Unified Approach to Interpreting Model Predictions".
"""

from __future__ import annotations

import math
from typing import Any

from promptlight.salience.ablation import DEFAULT_BATCH_SIZE, removable_segments, run_ablations
from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.options import Option
from promptlight.salience.variants import fit_scores

DEFAULT_SAMPLES = 64


def shapley_kernel_weight(m: int, size: int) -> float:
    """The Shapley kernel of a coalition of ``size`` among ``m`` players (infinite at the two ends)."""
    if size in (0, m):
        return math.inf
    return (m - 1) / (math.comb(m, size) * size * (m - size))


def enumerates_all(m: int, samples: int) -> bool:
    """Whether every coalition of ``m`` players (besides the empty and full ones) fits in ``samples``: exact values."""
    return m <= 1 or 2**m - 2 <= samples


def coalition_weights(masks, *, exact: bool):
    """``[rows, m]`` coalitions -> ``[rows]`` regression weights: the Shapley kernel when every coalition is
    enumerated (``exact``), else 1 (paired samples drawn from the kernel's size distribution)."""
    import numpy as np

    m = masks.shape[1]
    if not exact:
        return np.ones(len(masks))
    return np.array([shapley_kernel_weight(m, int(z.sum())) for z in masks], dtype=np.float64)


def coalitions(m: int, samples: int, rng):
    """``([rows, m] bool masks, [rows] weights)`` besides the empty and full coalitions.

    Every coalition (exact Shapley values) when there are at most ``samples``; else ``samples``
    draws (rounded up to pairs), each with its complement, weighted equally.
    """
    import itertools

    import numpy as np

    if m <= 1:
        return np.zeros((0, m), dtype=bool), np.zeros(0)
    if enumerates_all(m, samples):
        rows = [z for z in itertools.product((False, True), repeat=m) if 0 < sum(z) < m]
        masks = np.array(rows, dtype=bool)
        return masks, coalition_weights(masks, exact=True)
    sizes = np.arange(1, m)
    size_p = np.array([(m - 1) / (s * (m - s)) for s in sizes])
    size_p /= size_p.sum()
    pairs = max(1, math.ceil(samples / 2))
    masks = np.zeros((2 * pairs, m), dtype=bool)
    for p in range(pairs):
        size = int(rng.choice(sizes, p=size_p))
        chosen = rng.choice(m, size=size, replace=False)
        masks[2 * p, chosen] = True
        masks[2 * p + 1] = ~masks[2 * p]
    return masks, coalition_weights(masks, exact=False)


def constrained_fit(masks, weights, values, f_empty: float, f_full: float):
    """Weighted least squares of ``values - f_empty`` on ``masks`` with ``sum(phi) = f_full - f_empty``.

    ``masks`` ``[rows, m]``, ``weights``/``values`` ``[rows]`` -> ``phi`` ``[m]`` (float64). The
    constraint is eliminated through the last player: phi_m = total - sum of the others.
    """
    import numpy as np

    m = masks.shape[1]
    total = f_full - f_empty
    if m == 1 or masks.shape[0] == 0:
        return np.full(m, total / max(m, 1))
    z = masks.astype(np.float64)
    y = np.asarray(values, dtype=np.float64) - f_empty - z[:, -1] * total  # [rows]
    x = z[:, :-1] - z[:, -1:]  # [rows, m - 1]
    root = np.sqrt(np.asarray(weights, dtype=np.float64))[:, None]
    head, *_ = np.linalg.lstsq(x * root, y * root[:, 0], rcond=None)  # [m - 1]
    return np.append(head, total - head.sum())


def shapley_fit(masks, values, f_full: float, options) -> tuple[Any, dict[str, Any]]:
    """KernelSHAP's refit: row 0 of ``masks`` ``[R, m]`` is the empty coalition, the rest the sampled ones.

    Exact enumeration (``2^m - 2 <= samples``) weights each coalition by the Shapley kernel;
    paired samples are weighted equally. -> ``(phi [m], info)``.
    """
    import numpy as np

    m = masks.shape[1]
    f_empty, sampled, rest = float(values[0]), values[1:], masks[1:]
    exact = enumerates_all(m, options["samples"])
    phi = constrained_fit(rest, coalition_weights(rest, exact=exact), sampled, f_empty, f_full) if m else np.zeros(0)
    return phi, {"exact": exact, "segments_scored": m, "f_empty": f_empty}


@register_method(
    "kernel_shap",
    signed=True,
    level="segments",
    cost="samples + 2 forward passes over the suffix after the first removed segment (prefix cache reused, batched)",
    reference="Lundberg & Lee 2017, arXiv:1705.07874; paired sampling: Covert & Lee 2021, arXiv:2012.01536",
    description="Shapley values of the segments (KernelSHAP): scores sum to f(full) - f(no segment); exact when "
    "2^segments - 2 <= samples.",
    options=(
        Option(
            "samples",
            int,
            DEFAULT_SAMPLES,
            "coalitions evaluated besides the empty and full ones",
            minimum=2,
            cap="max_ablation_samples",
        ),
        Option("seed", int, 0, "random seed of the coalitions", minimum=0),
        Option("batch_size", int, DEFAULT_BATCH_SIZE, "variants per forward batch", minimum=1),
    ),
    rows=lambda options, seq: options["batch_size"],
    refit=shapley_fit,
)
def kernel_shap(
    inputs: SalienceInputs, *, samples: int = DEFAULT_SAMPLES, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE
) -> MethodOutput:
    import numpy as np

    removable = removable_segments(inputs)
    m = len(removable)
    rng = np.random.default_rng(seed)
    masks, _weights = coalitions(m, samples, rng)  # shapley_fit weighs them from the masks (coalition_weights)
    ends = np.zeros((1, m), dtype=bool)  # the empty coalition
    all_masks = np.concatenate([ends, masks])
    f_full, values, variants = run_ablations(inputs, removable, all_masks, batch_size=batch_size)
    scores, info = fit_scores(
        shapley_fit, removable.segments, all_masks, values, f_full, {"samples": samples}, len(inputs.segments)
    )
    return MethodOutput(
        objective_value=f_full,
        segment_scores={"kernel_shap": scores},
        info={
            "kernel_shap": {
                "samples": int(masks.shape[0]),
                "seed": seed,
                **info,
                "batch_size": batch_size,
                "forward_passes": int(masks.shape[0]) + 2,
            }
        },
        variants={"kernel_shap": variants} if variants is not None else {},
    )
