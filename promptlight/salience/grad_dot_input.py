"""``grad_dot_input``: the gradient times the input embedding.

    score_i = df/de_i . e_i          (signed)

A first-order estimate of how much ``f`` would drop if token ``i``'s embedding were
zeroed; positive means the token pushes the selected text up. Reference: Shrikumar et
al. (2016), "Not Just a Black Box"; Denil et al. (2014), "Extraction of Salient Sentences
from Labelled Documents".
"""

from __future__ import annotations

from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.gradient import gradient_scores


@register_method(
    "grad_dot_input",
    signed=True,
    cost="1 forward + 1 backward (shared with grad_l2)",
    reference="Shrikumar et al. 2016, arXiv:1605.01713; Denil et al. 2014, arXiv:1412.6815",
    description="df/de_i . e_i: first-order effect of each prompt token; positive pushes the selection up.",
    also_computes=("grad_l2",),
)
def grad_dot_input(inputs: SalienceInputs) -> MethodOutput:
    return gradient_scores(inputs)
