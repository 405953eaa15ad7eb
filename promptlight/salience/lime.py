"""``lime``: a locally weighted linear model of ``f`` over random segment masks.

    minimize  sum_r pi(z_r) (f(z_r) - b - w . z_r)^2 + ridge |w|^2,    score_k = w_k   (signed)

Each mask keeps every segment independently with ``keep_probability``; the unchanged prompt
is always one of the rows. A mask is weighted by an exponential kernel on its cosine distance
to the unchanged prompt, ``pi(z) = exp(-d(z)^2 / kernel_width^2)`` with
``d(z) = 1 - sqrt(|z| / M)`` (for binary masks, 1 minus the cosine similarity to all-ones),
so masks that keep most of the prompt count most. Removal is occlusion's.
Reference: Ribeiro, Singh & Guestrin (2016), "'Why Should I Trust You?': Explaining the
Predictions of Any Classifier".
"""

from __future__ import annotations

from typing import Any

from promptlight.salience.ablation import DEFAULT_BATCH_SIZE, random_masks, removable_segments, run_ablations
from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.options import Option
from promptlight.salience.variants import fit_scores

DEFAULT_SAMPLES = 64
#: L2 penalty of the fit, on features in {0, 1} and ``f`` in nats (LIME's default ridge is 1).
RIDGE = 1.0


def cosine_distance_to_full(masks):
    """``[rows, m]`` bool -> ``[rows]``: 1 - cos(z, all-ones) = 1 - sqrt(|z| / m)."""
    import numpy as np

    m = max(masks.shape[1], 1)
    return 1.0 - np.sqrt(masks.sum(axis=1) / m)


def weighted_ridge(x, y, weights, ridge: float):
    """``argmin_w,b sum_r weights_r (y_r - b - x_r . w)^2 + ridge |w|^2`` -> ``(w [m], b)`` (intercept not penalised)."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    x_mean = (weights[:, None] * x).sum(0) / total  # [m]
    y_mean = float((weights * y).sum() / total)
    xc, yc = x - x_mean, y - y_mean
    gram = (xc * weights[:, None]).T @ xc + ridge * np.eye(x.shape[1])  # [m, m]
    w = np.linalg.solve(gram, (xc * weights[:, None]).T @ yc)  # [m]
    return w, y_mean - float(x_mean @ w)


def lime_fit(masks, values, f_full: float, options) -> tuple[Any, dict[str, Any]]:
    """LIME's refit: the unchanged prompt (``f_full``) is one more row beside ``masks`` ``[R, m]`` -> ``(w [m], info)``."""
    import numpy as np

    m = masks.shape[1]
    if not m:
        return np.zeros(0), {"intercept": float(f_full), "segments_scored": 0}
    x = np.concatenate([np.ones((1, m), dtype=bool), masks])  # the unchanged prompt is a row too
    y = np.array([f_full, *values])
    weights = np.exp(-(cosine_distance_to_full(x) ** 2) / options["kernel_width"] ** 2)
    w, intercept = weighted_ridge(x, y, weights, RIDGE)
    return w, {"intercept": float(intercept), "segments_scored": m}


@register_method(
    "lime",
    signed=True,
    level="segments",
    cost="samples forward passes over the suffix after the first removed segment (prefix cache reused, batched)",
    reference="Ribeiro et al. 2016, arXiv:1602.04938",
    description="Coefficients of a kernel-weighted ridge regression of f on random segment masks (LIME).",
    options=(
        Option(
            "samples",
            int,
            DEFAULT_SAMPLES,
            "random masks evaluated (the unchanged prompt is one more)",
            minimum=2,
            cap="max_ablation_samples",
        ),
        Option(
            "keep_probability",
            float,
            0.5,
            "chance that a mask keeps each segment",
            minimum=0.01,
            maximum=0.99,
        ),
        Option("kernel_width", float, 0.25, "width of the exponential kernel on the cosine distance", minimum=0.01),
        Option("seed", int, 0, "random seed of the masks", minimum=0),
        Option("batch_size", int, DEFAULT_BATCH_SIZE, "variants per forward batch", minimum=1),
    ),
    rows=lambda options, seq: options["batch_size"],
    refit=lime_fit,
)
def lime(
    inputs: SalienceInputs,
    *,
    samples: int = DEFAULT_SAMPLES,
    keep_probability: float = 0.5,
    kernel_width: float = 0.25,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> MethodOutput:
    import numpy as np

    removable = removable_segments(inputs)
    m = len(removable)
    rng = np.random.default_rng(seed)
    masks = random_masks(samples, m, keep_probability, rng)
    f_full, values, variants = run_ablations(inputs, removable, masks, batch_size=batch_size)
    options = {"kernel_width": kernel_width}
    scores, info = fit_scores(lime_fit, removable.segments, masks, values, f_full, options, len(inputs.segments))
    return MethodOutput(
        objective_value=f_full,
        segment_scores={"lime": scores},
        info={
            "lime": {
                "samples": samples,
                "seed": seed,
                "keep_probability": keep_probability,
                "kernel_width": kernel_width,
                "ridge": RIDGE,
                **info,
                "batch_size": batch_size,
                "forward_passes": samples + 1,
            }
        },
        variants={"lime": variants} if variants is not None else {},
    )
