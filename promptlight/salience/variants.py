"""What a perturbation method keeps of its variants, so that a new selection needs no model call.

Occlusion and the ablation family evaluate the prompt with sets of segments left out. Beside
``f`` of each variant they keep the log-probability of every recorded target token under it:
the selected tokens and the rest of the target after them (``recorded_ids`` of the objective,
teacher-forced). For any selection whose tokens lie inside the recorded ones,

    f'(variant) = sum over the new selection's tokens j of log p_variant(t_j | ...)

is then a sum over the record, and the method's own fit (its ``refit``, the same function
its run uses) turns those values into scores: exactly what a run over the new selection would
give, with the prompt segments of the first run as the players. Target tokens between the
first run's selection and the new one are context in both, never left out.

The record (``variants[method]`` in the result, ``docs/result-schema.md``):

    granularity   the level of the segments left out
    first_token   index of the first recorded target token (the first run's first selected token)
    players       indices into ``boundaries[granularity]`` of the segments that could be left out
    removed       per variant: positions in ``players`` of the segments it leaves out
    full          [K] log-probabilities of the recorded tokens on the unchanged prompt
    logprobs      [variants][K] the same under each variant
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import torch

#: ``refit(masks [R, m] bool (True = kept), values [R], f_full, options) -> (scores [m], info)``:
#: a perturbation method's fit from its variants' ``f`` to one score per player.
Refit = Callable[["np.ndarray", "np.ndarray", float, Mapping[str, Any]], "tuple[np.ndarray, dict[str, Any]]"]


def records(objective: Any) -> bool:
    """Whether ``objective`` records per-token log-probabilities of variants (plain objectives do)."""
    return getattr(objective, "recorded_ids", None) is not None


class TokenRecorder:
    """Collects the per-token log-probabilities an engine's ``value_from_cache`` calls append, in row order."""

    def __init__(self, rows: int) -> None:
        self.full: torch.Tensor | None = None  # [K]
        self.rows: list[torch.Tensor | None] = [None] * rows  # each [K]
        self.buffer: list[torch.Tensor] = []

    def take_full(self) -> None:
        self.full = self.buffer.pop()[0]

    def take_rows(self, rows: Sequence[int]) -> None:
        batch = self.buffer.pop()  # [len(rows), K]
        for j, r in enumerate(rows):
            self.rows[r] = batch[j]


@dataclasses.dataclass(frozen=True)
class VariantLogprobs:
    """A method's variants and the recorded tokens' log-probabilities under each (see the module docstring)."""

    granularity: str
    first_token: int
    players: tuple[int, ...]
    removed: tuple[tuple[int, ...], ...]
    full: tuple[float, ...]
    logprobs: tuple[tuple[float, ...], ...]

    @classmethod
    def from_recorder(
        cls, recorder: TokenRecorder, *, granularity: str, first_token: int, players: Sequence[int], masks: np.ndarray
    ) -> VariantLogprobs:
        """``masks`` ``[R, len(players)]`` bool (True = kept), one per recorded row."""
        assert recorder.full is not None and all(r is not None for r in recorder.rows)
        return cls(
            granularity=granularity,
            first_token=first_token,
            players=tuple(int(k) for k in players),
            removed=tuple(tuple(int(j) for j in (~row).nonzero()[0]) for row in masks),
            full=tuple(float(x) for x in recorder.full.tolist()),
            logprobs=tuple(tuple(float(x) for x in r.tolist()) for r in recorder.rows if r is not None),
        )

    @classmethod
    def of_run(
        cls, recorder: TokenRecorder | None, inputs: Any, *, players: Sequence[int], masks: np.ndarray
    ) -> VariantLogprobs | None:
        """The record of an engine's run over ``inputs`` (``None`` when nothing was recorded)."""
        if recorder is None:
            return None
        return cls.from_recorder(
            recorder, granularity=inputs.granularity, first_token=inputs.num_scored, players=players, masks=masks
        )

    @property
    def num_tokens(self) -> int:
        return len(self.full)

    def masks(self) -> np.ndarray:
        """``[R, len(players)]`` bool, True where the variant keeps the player."""
        import numpy as np

        out = np.ones((len(self.removed), len(self.players)), dtype=bool)
        for r, gone in enumerate(self.removed):
            out[r, list(gone)] = False
        return out

    def values(self, first: int, last: int) -> tuple[float, np.ndarray]:
        """``f`` of the selection of tokens ``[first, last)`` on the unchanged prompt, and ``[R]`` under each variant."""
        import numpy as np

        a, b = first - self.first_token, last - self.first_token
        full = float(np.sum(np.asarray(self.full[a:b], dtype=np.float64)))
        rows = np.asarray(self.logprobs, dtype=np.float64).reshape(len(self.logprobs), self.num_tokens)
        return full, rows[:, a:b].sum(axis=1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "granularity": self.granularity,
            "first_token": self.first_token,
            "players": list(self.players),
            "removed": [list(r) for r in self.removed],
            "full": list(self.full),
            "logprobs": [list(r) for r in self.logprobs],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VariantLogprobs:
        from promptlight.errors import InvalidArgument

        try:
            record = cls(
                granularity=str(d["granularity"]),
                first_token=int(d["first_token"]),
                players=tuple(int(k) for k in d["players"]),
                removed=tuple(tuple(int(j) for j in r) for r in d["removed"]),
                full=tuple(float(x) for x in d["full"]),
                logprobs=tuple(tuple(float(x) for x in r) for r in d["logprobs"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(
                f"The result's variant record is malformed ({exc!r}); it needs granularity, first_token, players, "
                "removed, full and logprobs.",
                field="variants",
            ) from None
        if len(record.removed) != len(record.logprobs) or any(len(r) != len(record.full) for r in record.logprobs):
            raise InvalidArgument(
                "The result's variant record is inconsistent: one row of logprobs per variant, each as long as full.",
                field="variants",
            )
        if any(j < 0 or j >= len(record.players) for r in record.removed for j in r):
            raise InvalidArgument("The result's variant record removes a player it does not list.", field="variants")
        return record


def fit_scores(
    refit: Refit,
    players: Sequence[int],
    masks: np.ndarray,
    values: Any,
    f_full: float,
    options: Mapping[str, Any],
    num_segments: int,
) -> tuple[list[float | None], dict[str, Any]]:
    """A method's fit on its variants' ``values`` ``[R]`` (``masks`` ``[R, m]``, True = kept) -> one score per
    segment of the partition (``None`` for segments that are not players), and the fit's info."""
    import numpy as np

    scores, info = refit(masks, np.asarray(values, dtype=np.float64), f_full, options)
    out: list[float | None] = [None] * num_segments
    for k, v in zip(players, scores):
        out[k] = float(v)
    return out, info
