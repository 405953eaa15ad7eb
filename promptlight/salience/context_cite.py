"""``context_cite``: a sparse linear surrogate of ``f`` fit on random ablations, with its own fit quality.

    minimize (1 / 2R) sum_r (f(z_r) - b - w . z_r)^2 + l1 |w|_1,    score_k = w_k   (signed)

Each ablation keeps every segment independently with probability 1/2; the LASSO fit
(coordinate descent) keeps the few segments that matter. The surrogate is then checked on
``holdout`` further ablations it was not fit on: the Spearman correlation between its
predicted and the actual ``f`` there is the linear datamodeling score (LDS) — near 1, the
weights predict what removing segments does; near 0, they do not, whatever the heatmap shows.
Removal is occlusion's. Reference: Cohen-Wang, Shah, Georgiev & Madry (2024), "ContextCite:
Attributing Model Generation to Context".
"""

from __future__ import annotations

from typing import Any

from promptlight.salience.ablation import DEFAULT_BATCH_SIZE, random_masks, removable_segments, run_ablations
from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.options import Option
from promptlight.salience.variants import fit_scores

DEFAULT_SAMPLES = 64
DEFAULT_HOLDOUT = 16


def lasso(x, y, l1: float, *, sweeps: int = 500, tol: float = 1e-9):
    """``argmin_w,b (1/2R) |y - b - x w|^2 + l1 |w|_1`` by cyclic coordinate descent -> ``(w [m], b)``."""
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    rows, m = x.shape
    x_mean, y_mean = x.mean(0), y.mean()
    xc, yc = x - x_mean, y - y_mean  # the intercept, unpenalised, is eliminated by centring
    norms = (xc**2).sum(0) / rows  # [m]
    w = np.zeros(m)
    residual = yc.copy()
    for _ in range(sweeps):
        largest = 0.0
        for k in range(m):
            if norms[k] == 0.0:
                continue
            old = w[k]
            rho = xc[:, k] @ residual / rows + norms[k] * old
            new = np.sign(rho) * max(abs(rho) - l1, 0.0) / norms[k]
            if new != old:
                residual -= xc[:, k] * (new - old)
                w[k] = new
                largest = max(largest, abs(new - old))
        if largest < tol:
            break
    return w, float(y_mean - x_mean @ w)


def spearman(a, b) -> float | None:
    """Spearman's rank correlation (average ranks for ties); ``None`` when either side is constant."""
    import numpy as np

    def ranks(v):
        v = np.asarray(v, dtype=np.float64)
        order = v.argsort(kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(len(v), dtype=np.float64)
        for value in np.unique(v):  # average the ranks of ties
            tied = v == value
            r[tied] = r[tied].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return None
    return float(np.corrcoef(ra, rb)[0, 1])


def surrogate_fit(masks, values, f_full: float, options) -> tuple[Any, dict[str, Any]]:
    """ContextCite's refit: LASSO on the first ``samples`` rows of ``masks`` ``[R, m]``, its LDS on the rest."""
    import numpy as np

    samples, m = options["samples"], masks.shape[1]
    y = np.asarray(values, dtype=np.float64)
    if m:
        w, intercept = lasso(masks[:samples], y[:samples], options["l1"])
    else:
        w, intercept = np.zeros(0), float(f_full)
    lds = None
    if len(y) - samples >= 2 and m:
        predicted = intercept + masks[samples:].astype(np.float64) @ w
        lds = spearman(predicted, y[samples:])
    return w, {"lds": lds, "intercept": float(intercept), "nonzero": int((w != 0).sum()), "segments_scored": m}


@register_method(
    "context_cite",
    signed=True,
    level="segments",
    cost="samples + holdout forward passes over the suffix after the first removed segment (prefix cache reused)",
    reference="Cohen-Wang et al. 2024, arXiv:2409.00729",
    description="Weights of a sparse linear surrogate of f fit on random ablations (ContextCite); reports its "
    "held-out fit (LDS).",
    options=(
        Option(
            "samples",
            int,
            DEFAULT_SAMPLES,
            "random ablations the surrogate is fit on",
            minimum=2,
            cap="max_ablation_samples",
        ),
        Option(
            "holdout",
            int,
            DEFAULT_HOLDOUT,
            "further ablations its fit (LDS) is measured on",
            minimum=0,
            cap="max_ablation_samples",
        ),
        Option("l1", float, 0.01, "LASSO penalty (in nats): larger keeps fewer segments", minimum=0.0),
        Option("seed", int, 0, "random seed of the ablations", minimum=0),
        Option("batch_size", int, DEFAULT_BATCH_SIZE, "variants per forward batch", minimum=1),
    ),
    rows=lambda options, seq: options["batch_size"],
    refit=surrogate_fit,
)
def context_cite(
    inputs: SalienceInputs,
    *,
    samples: int = DEFAULT_SAMPLES,
    holdout: int = DEFAULT_HOLDOUT,
    l1: float = 0.01,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> MethodOutput:
    import numpy as np

    removable = removable_segments(inputs)
    m = len(removable)
    rng = np.random.default_rng(seed)
    masks = random_masks(samples + holdout, m, 0.5, rng)
    f_full, values, variants = run_ablations(inputs, removable, masks, batch_size=batch_size)
    options = {"samples": samples, "l1": l1}
    scores, info = fit_scores(surrogate_fit, removable.segments, masks, values, f_full, options, len(inputs.segments))
    return MethodOutput(
        objective_value=f_full,
        segment_scores={"context_cite": scores},
        info={
            "context_cite": {
                "samples": samples,
                "holdout": holdout,
                "l1": l1,
                "seed": seed,
                **info,
                "batch_size": batch_size,
                "forward_passes": samples + holdout + 1,
            }
        },
        variants={"context_cite": variants} if variants is not None else {},
    )
