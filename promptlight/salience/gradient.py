"""The shared forward + backward pass behind ``grad_l2`` and ``grad_dot_input``.

One pass gives ``g_i = df/de_i`` for every scored position; both methods are read off it,
so asking for either returns both.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.salience.base import MethodOutput, SalienceInputs


@dataclasses.dataclass(frozen=True)
class GradientPass:
    """``f`` and its gradient at the scored positions (float32)."""

    objective_value: float
    embeds: torch.Tensor  # [num_scored, d_model]
    grads: torch.Tensor  # [num_scored, d_model], df/de_i


def gradient_pass(inputs: SalienceInputs) -> GradientPass:
    """One forward and one backward through the frozen model (the caller holds ``lm.frozen()``)."""
    import torch

    lm = inputs.lm
    with torch.enable_grad():
        embeds = lm.embed(inputs.prefix_ids[None]).detach().requires_grad_(True)  # [1, n, d]
        f = inputs.objective.value_from_embeds(lm, embeds, observe=True)  # [1]
        (grads,) = torch.autograd.grad(f.sum(), embeds)  # [1, n, d]
    return GradientPass(
        objective_value=float(f.detach()[0]),
        embeds=embeds.detach()[0].float(),  # [n, d]
        grads=grads[0].float(),  # [n, d]
    )


def gradient_scores(inputs: SalienceInputs) -> MethodOutput:
    """Both gradient methods from one pass, as a ``MethodOutput``."""
    from promptlight.salience.base import MethodOutput

    p = gradient_pass(inputs)
    l2 = p.grads.norm(dim=-1)  # [n]
    dot = (p.grads * p.embeds).sum(dim=-1)  # [n]
    return MethodOutput(
        objective_value=p.objective_value,
        token_scores={"grad_l2": l2.tolist(), "grad_dot_input": dot.tolist()},
        info={"grad_l2": {}, "grad_dot_input": {}},
    )
