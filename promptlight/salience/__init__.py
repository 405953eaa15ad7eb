"""Salience methods: one file each, registered by the imports below.

| method | sign | cost |
|---|---|---|
| ``grad_l2`` (grad_l2.py) | unsigned | 1 forward + 1 backward, shared with grad_dot_input |
| ``grad_dot_input`` (grad_dot_input.py) | signed | the same pass |
| ``integrated_gradients`` (integrated_gradients.py) | signed | ``steps`` forward + backward, batched |
| ``occlusion`` (occlusion.py) | signed | 1 forward per segment, prefix cache reused |
| ``kernel_shap`` (kernel_shap.py) | signed | ``samples`` + 2 ablations (ablation.py), prefix cache reused |
| ``lime`` (lime.py) | signed | ``samples`` + 1 ablations |
| ``context_cite`` (context_cite.py) | signed | ``samples`` + ``holdout`` ablations; reports its held-out fit (LDS) |

Every method explains the objective object it is given (objective.py) and takes typed
options (options.py). To add a method, write a file with a function decorated by
:func:`register_method` and add it to the import list (see ``docs/extending.md``).
"""

from __future__ import annotations

# The import list that fills the registry (explicit, in display order).
from promptlight.salience import (  # noqa: F401
    context_cite,
    grad_dot_input,
    grad_l2,
    integrated_gradients,
    kernel_shap,
    lime,
    occlusion,
)
from promptlight.salience.base import (
    MethodInfo,
    MethodOutput,
    SalienceInputs,
    get_method,
    register_method,
    registered_methods,
    unregister_method,
)
from promptlight.salience.options import Option

__all__ = [
    "MethodInfo",
    "MethodOutput",
    "Option",
    "SalienceInputs",
    "get_method",
    "list_methods",
    "register_method",
    "registered_methods",
    "unregister_method",
]


def list_methods() -> list[dict]:
    """Metadata of every registered method: name, signed, level, cost, reference, description, options."""
    return [info.to_dict() for info in registered_methods().values()]
