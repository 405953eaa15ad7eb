"""The objective every method explains, as an object.

    f = sum over terms t of  sign_t * sum_j log p(tail_t[j] | prefix, tail_t[:j])     (teacher-forced, nats)

The *prefix* is the scored part of the sequence: every token before the first selected
target token (BOS included). Methods change only the prefix (its embeddings, or which of its
tokens are present); an objective appends its fixed *tails* and scores them. The plain
objective (:class:`TargetLogprob`) has one tail, the selected target tokens, with sign +1:

    f = sum over j in T of log p(t_j | t_<j)

A token is predicted by the logits one position earlier: that shift is written once, in
:func:`prediction_positions`. Only the rows of logits a tail needs are computed, never
full-vocabulary logits at every position, and log-softmax runs in float32 whatever the
model's dtype.

An objective is evaluated two ways, and every method uses one of them:

- :meth:`Objective.value_from_embeds`: from prefix embeddings (gradient methods, integrated
  gradients), differentiable;
- :meth:`Objective.value_from_cache`: for many variants of the prefix ids that share a
  prefix, reusing the model's key/value cache (occlusion, ablations).

A new objective is a new class here with its own terms, ``describe()`` and ``to_dict()``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.base import LanguageModel


def prediction_positions(target_positions: torch.Tensor) -> torch.Tensor:
    """``[k] -> [k]``: the positions whose logits predict the target tokens (one earlier)."""
    return target_positions - 1


def token_logprobs(logits: torch.Tensor, target_ids: torch.Tensor) -> torch.Tensor:
    """``[batch, k, vocab], [k] -> [batch, k]``: the log-probability of each of ``target_ids`` (float32 at least).

    ``logits[:, i]`` must be the logits that predict ``target_ids[i]``.
    """
    import torch

    logits = logits if logits.dtype == torch.float64 else logits.float()  # float32 at least
    logprobs = torch.log_softmax(logits, dim=-1)  # [batch, k, vocab]
    index = target_ids.to(logits.device).view(1, -1, 1).expand(logits.shape[0], -1, 1)  # [batch, k, 1]
    return logprobs.gather(-1, index).squeeze(-1)  # [batch, k]


def target_logprob(logits: torch.Tensor, target_ids: torch.Tensor) -> torch.Tensor:
    """``[batch, k, vocab], [k] -> [batch]``: sum of log-probabilities of ``target_ids`` (float32 at least)."""
    return token_logprobs(logits, target_ids).sum(-1)  # [batch]


def pad_rows(rows: Sequence[torch.Tensor], pad_id: int) -> torch.Tensor:
    """``[len_r] ...`` -> ``[rows, max len]``, right-padded with ``pad_id``."""
    import torch

    batch = torch.full((len(rows), max(r.shape[0] for r in rows)), pad_id, dtype=rows[0].dtype, device=rows[0].device)
    for j, row in enumerate(rows):
        batch[j, : row.shape[0]] = row
    return batch


@dataclasses.dataclass(frozen=True)
class Term:
    """One scored continuation of the prefix: ``sign * log p(ids | prefix)``; ``ids`` is ``[k]`` on ``lm.device``."""

    sign: float
    ids: torch.Tensor  # [k] int64


class Objective(Protocol):
    """What every salience method evaluates. ``value_*`` return ``[rows]`` float32 on ``lm.device``."""

    terms: tuple[Term, ...]
    #: Set by an ``observe=True`` call: the first term's top next tokens on the unchanged input.
    observed: Alternatives | None
    #: ``[K]``: the target tokens whose log-probabilities ``per_token`` records (the first term's
    #: tokens, then the rest of the target), or ``None`` where the objective records none.
    recorded_ids: torch.Tensor | None

    def value_from_embeds(
        self, lm: LanguageModel, prefix_embeds: torch.Tensor, *, observe: bool = False
    ) -> torch.Tensor:
        """``[batch, n, d]`` prefix embeddings -> ``[batch]``; differentiable in ``prefix_embeds``.

        ``observe=True``: row 0 is the unchanged input; keep its alternatives (no extra pass).
        """
        ...

    def value_from_cache(
        self,
        lm: LanguageModel,
        cache: Any,
        prefix_ids: torch.Tensor,
        shared: int,
        variants: Sequence[torch.Tensor],
        *,
        observe: bool = False,
        per_token: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """``f`` of each variant prefix (``[n_r]`` ids whose first ``shared`` tokens equal ``prefix_ids``) -> ``[rows]``.

        ``observe=True``: variant 0 is the unchanged prefix; keep its alternatives.
        ``per_token``: when the objective can record them (:attr:`recorded_ids` is not ``None``),
        append ``[rows, len(recorded_ids)]`` float64 CPU log-probabilities of the recorded
        tokens under each variant (what lets a new selection be answered without a model call).
        """
        ...

    def term_values(self, lm: LanguageModel, prefix_embeds: torch.Tensor) -> list[float]:
        """Each term's own log-probability (unsigned) on the unchanged prefix ``[1, n, d]``: both sides of a contrast."""
        ...

    def describe(self) -> str:
        """The objective in one sentence, for every surface to show as it comes."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the result record."""
        ...


@dataclasses.dataclass(frozen=True)
class Alternatives:
    """At each position of the first term: the top next tokens and the actual token's log-probability.

    ``top_ids``, ``top_logprobs``: ``[k, top]``; ``actual_logprobs``: ``[k]`` (all float32, on the CPU).
    """

    top_ids: torch.Tensor
    top_logprobs: torch.Tensor
    actual_logprobs: torch.Tensor


#: How many alternatives each target token reports.
TOP_ALTERNATIVES = 5

#: Tail positions unembedded at once by ``value_from_cache`` (bounds the ``[rows, chunk, vocab]`` logits).
LOGIT_CHUNK = 32


def joined(parts: Sequence[Alternatives]) -> Alternatives:
    """Alternatives of consecutive runs of positions, as one."""
    import torch

    return Alternatives(
        top_ids=torch.cat([p.top_ids for p in parts]),
        top_logprobs=torch.cat([p.top_logprobs for p in parts]),
        actual_logprobs=torch.cat([p.actual_logprobs for p in parts]),
    )


def alternatives_from_logits(logits: torch.Tensor, ids: torch.Tensor, top: int = TOP_ALTERNATIVES) -> Alternatives:
    """``[k, vocab]`` logits predicting ``ids`` ``[k]`` -> their top next tokens (float32 log-softmax)."""
    logprobs = logits.detach().float().log_softmax(dim=-1)  # [k, vocab]
    values, indices = logprobs.topk(min(top, logprobs.shape[-1]), dim=-1)  # [k, top]
    actual = logprobs.gather(-1, ids.to(logprobs.device)[:, None])[:, 0]  # [k]
    return Alternatives(top_ids=indices.cpu(), top_logprobs=values.cpu(), actual_logprobs=actual.cpu())


class TeacherForced:
    """An objective made of :class:`Term` s; subclasses say what the terms mean (``describe``, ``to_dict``)."""

    terms: tuple[Term, ...] = ()
    observed: Alternatives | None = None
    recorded_ids: torch.Tensor | None = None

    def term_values(self, lm: LanguageModel, prefix_embeds: torch.Tensor) -> list[float]:
        """Each term's own log-probability (without its sign) on the unchanged prefix ``[1, n, d]``."""
        import torch

        values = []
        with torch.no_grad():
            for term in self.terms:
                single = _Single(term)
                values.append(float(single.value_from_embeds(lm, prefix_embeds)[0]))
        return values

    def value_from_embeds(
        self, lm: LanguageModel, prefix_embeds: torch.Tensor, *, observe: bool = False
    ) -> torch.Tensor:
        import torch

        batch, n = prefix_embeds.shape[0], prefix_embeds.shape[1]
        total = _zeros(batch, lm)
        for index, term in enumerate(self.terms):
            k = term.ids.shape[0]
            tail = lm.embed(term.ids[None]).detach().expand(batch, -1, -1)  # [batch, k, d]
            embeds = torch.cat([prefix_embeds.to(tail.dtype), tail], dim=1)  # [batch, n + k, d]
            positions = prediction_positions(torch.arange(n, n + k, device=lm.device))  # [k]
            logits = lm.logits_at(embeds, positions)  # [batch, k, vocab]
            if observe and index == 0:
                self.observed = alternatives_from_logits(logits[0], term.ids)
            # .to(): under a device map the logits come from the last shard's device.
            total = total + term.sign * target_logprob(logits, term.ids).to(total.device).to(total.device)  # [batch]
        return total

    def value_from_cache(
        self,
        lm: LanguageModel,
        cache: Any,
        prefix_ids: torch.Tensor,
        shared: int,
        variants: Sequence[torch.Tensor],
        *,
        observe: bool = False,
        per_token: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        import torch

        if any(v.shape[0] <= shared for v in variants):
            raise ValueError("each variant needs a token after the shared prefix (it predicts the first tail token)")
        total = _zeros(len(variants), lm)
        for index, term in enumerate(self.terms):
            k = term.ids.shape[0]
            # The first term's tail is the recorded tokens when recording (the selection, then the rest of the target).
            recording = index == 0 and per_token is not None and self.recorded_ids is not None
            tail = self.recorded_ids if recording and self.recorded_ids is not None else term.ids
            width = tail.shape[0]
            rows = [torch.cat([v[shared:], tail]) for v in variants]  # each [len_r]
            hidden = lm.extend(cache, prefix_ids, shared, pad_rows(rows, lm.pad_id))  # [rows, width, d]
            ends = torch.tensor([r.shape[0] for r in rows], device=hidden.device)  # [rows]
            where = prediction_positions(ends[:, None] - width + torch.arange(width, device=hidden.device)[None])
            picked = hidden.gather(1, where[..., None].expand(-1, -1, hidden.shape[-1]))  # [rows, width, d]
            pieces, seen = [], []
            for c in range(0, width, LOGIT_CHUNK):  # [rows, chunk, vocab] logits at a time, never [rows, width, vocab]
                logits = lm.unembed(picked[:, c : c + LOGIT_CHUNK])  # [rows, chunk, vocab]
                if observe and index == 0 and c < k:
                    seen.append(alternatives_from_logits(logits[0, : k - c], term.ids[c : c + LOGIT_CHUNK]))
                pieces.append(token_logprobs(logits, tail[c : c + LOGIT_CHUNK]))  # [rows, chunk]
            if seen:
                self.observed = joined(seen)
            each = torch.cat(pieces, dim=1)  # [rows, width]
            if recording:
                assert per_token is not None
                per_token.append(each.detach().double().cpu())
            total = total + term.sign * each[:, :k].sum(-1).to(total.device)
        return total


class _Single(TeacherForced):
    """One term alone, with sign +1 (for reporting each side of a contrast)."""

    def __init__(self, term: Term) -> None:
        self.terms = (Term(sign=1.0, ids=term.ids),)


def _zeros(rows: int, lm: LanguageModel) -> torch.Tensor:
    """``[rows]`` zeros to accumulate ``f`` in: float32, or float64 for a float64 model."""
    import torch

    dtype = torch.float64 if lm.dtype == torch.float64 else torch.float32
    return torch.zeros(rows, dtype=dtype, device=lm.device)


class TargetLogprob(TeacherForced):
    """``f = sum over the selected target tokens T of log p(t_j | t_<j)``; positive pushes the selection up.

    ``ids``: ``[k]`` the tokens of T on ``lm.device``; ``selected_text``: the characters the user selected.
    """

    kind = "target_logprob"

    def __init__(self, ids: torch.Tensor, *, selected_text: str, following: torch.Tensor | None = None) -> None:
        """``following`` ``[e]`` (possibly empty): the target's tokens after the selection. Given, perturbation
        methods record the log-probabilities of the selection and of these under each variant (they are
        not part of ``f``); without it nothing is recorded (a subclass that changes ``f`` must not record)."""
        import torch

        self.terms = (Term(sign=1.0, ids=ids),)
        self.selected_text = selected_text
        self.recorded_ids = None if following is None else torch.cat([ids, following.to(ids.device)])

    @property
    def num_tokens(self) -> int:
        return int(self.terms[0].ids.shape[0])

    def describe(self) -> str:
        return describe_objective(self.num_tokens, self.selected_text)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "selected_text": self.selected_text, "target_tokens": self.num_tokens}


class Contrastive(TeacherForced):
    """``f = log p(A | prefix) - log p(B | prefix)``: why the selection A rather than the foil B.

    ``target_ids`` ``[k]``: the tokens of A (the selected target tokens); ``foil_ids`` ``[m]``:
    the foil's tokens after the same prefix. Positive scores push A up relative to B; a
    segment that raises both equally scores about zero.
    """

    kind = "contrastive"

    def __init__(self, target_ids: torch.Tensor, foil_ids: torch.Tensor, *, selected_text: str, foil: str) -> None:
        self.terms = (Term(sign=1.0, ids=target_ids), Term(sign=-1.0, ids=foil_ids))
        self.selected_text = selected_text
        self.foil = foil

    def describe(self) -> str:
        k, m = (int(t.ids.shape[0]) for t in self.terms)
        return (
            f"f = log p(selection | everything before it) - log p(foil | the same), over the {k} selected target "
            f"{'token' if k == 1 else 'tokens'} {quoted(self.selected_text, 60)} versus the {m} foil "
            f"{'token' if m == 1 else 'tokens'} {quoted(self.foil, 60)}; positive = pushes the selection up "
            "relative to the foil."
        )

    def to_dict(self) -> dict[str, Any]:
        k, m = (int(t.ids.shape[0]) for t in self.terms)
        return {
            "kind": self.kind,
            "selected_text": self.selected_text,
            "foil": self.foil,
            "target_tokens": k,
            "foil_tokens": m,
        }


def describe_objective(num_tokens: int, selected_text: str, *, max_chars: int = 60) -> str:
    """The plain objective in words, for every surface to show."""
    noun = "token" if num_tokens == 1 else "tokens"
    return (
        f"f = sum of log p(token | everything before it) over the {num_tokens} target {noun} "
        f"overlapping the selection {quoted(selected_text, max_chars)}; a positive score means that part of the "
        "prompt pushes the selected text up (makes it more likely)."
    )


def quoted(text: str, max_chars: int = 60) -> str:
    """``text`` in curly quotes for a sentence: line breaks shown as ⏎, tabs as ⇥, cut to ``max_chars`` with …

    No backslash escapes, so a selection reads as it looks on screen.
    """
    shown = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
    return "“" + shown.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", "⇥") + "”"


def unsigned_objective(objective: str, method: str) -> str:
    """The objective sentence for an unsigned method: its sign clause replaced, since such scores have none."""
    cut = re.search(r"; (a )?positive( score)?( =| means)", objective)
    what = objective[: cut.start()] if cut else objective.removesuffix(".")
    return (
        f"{what}; {method} is unsigned: a larger score means that part of the prompt moves f more, in either direction."
    )
