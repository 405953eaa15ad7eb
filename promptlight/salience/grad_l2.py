"""``grad_l2``: the L2 norm of the objective's gradient at each input embedding.

    score_i = || df/de_i ||_2        (unsigned, >= 0)

How much ``f`` could change under a small change of token ``i``'s embedding, whatever
the direction. Reference: Simonyan, Vedaldi & Zisserman (2014), "Deep Inside
Convolutional Networks: Visualising Image Classification Models and Saliency Maps";
for text, Li et al. (2016), "Visualizing and Understanding Neural Models in NLP".
"""

from __future__ import annotations

from promptlight.salience.base import MethodOutput, SalienceInputs, register_method
from promptlight.salience.gradient import gradient_scores


@register_method(
    "grad_l2",
    signed=False,
    cost="1 forward + 1 backward (shared with grad_dot_input)",
    reference="Simonyan et al. 2014, arXiv:1312.6034; Li et al. 2016, arXiv:1506.01066",
    description="||df/de_i||_2: how sensitive the selection is to each prompt token. Unsigned.",
    also_computes=("grad_dot_input",),
)
def grad_l2(inputs: SalienceInputs) -> MethodOutput:
    return gradient_scores(inputs)
