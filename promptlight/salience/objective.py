"""The one objective every method explains.

    f = sum over j in T of log p(t_j | t_<j)          (teacher-forced, in nats)

Token ``t_j`` is predicted by the logits at position ``j - 1``: that shift is written here
and nowhere else. Only the ``|T|`` rows of logits the objective needs are computed, never
full-vocabulary logits at every position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.language_model import LanguageModel


def prediction_positions(target_positions: torch.Tensor) -> torch.Tensor:
    """``[k] -> [k]``: the positions whose logits predict the target tokens (one earlier)."""
    return target_positions - 1


def target_logprob(logits: torch.Tensor, target_ids: torch.Tensor) -> torch.Tensor:
    """``[batch, k, vocab], [k] -> [batch]``: sum of log-probabilities of ``target_ids``.

    ``logits[:, i]`` must be the logits that predict ``target_ids[i]``.
    """
    import torch

    logits = logits if logits.dtype == torch.float64 else logits.float()  # float32 at least
    logprobs = torch.log_softmax(logits, dim=-1)  # [batch, k, vocab]
    index = target_ids.view(1, -1, 1).expand(logits.shape[0], -1, 1)  # [batch, k, 1]
    return logprobs.gather(-1, index).squeeze(-1).sum(-1)  # [batch]


def objective_from_embeds(
    lm: LanguageModel, embeds: torch.Tensor, ids: torch.Tensor, target_positions: torch.Tensor
) -> torch.Tensor:
    """``f`` for each row of ``embeds``: ``[batch, seq, d], [seq], [k] -> [batch]``."""
    logits = lm.logits_at(embeds, prediction_positions(target_positions))  # [batch, k, vocab]
    return target_logprob(logits, ids[target_positions])  # [batch]


def describe_objective(num_tokens: int, selected_text: str, *, max_chars: int = 60) -> str:
    """The objective in words, for every surface to show."""
    shown = selected_text if len(selected_text) <= max_chars else selected_text[: max_chars - 1] + "…"
    noun = "token" if num_tokens == 1 else "tokens"
    return (
        f"f = sum of log p(token | everything before it) over the {num_tokens} target {noun} "
        f"overlapping the selection {shown!r}; a positive score means that part of the prompt "
        "pushes the selected text up (makes it more likely)."
    )
