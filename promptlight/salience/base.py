"""What every salience method receives and returns, and the method registry.

A method is one file in this package: a function decorated with :func:`register_method`,
carrying its metadata (sign, cost, reference) and its typed option table
(:mod:`promptlight.salience.options`). The registry is filled by the plain import list in
``promptlight/salience/__init__.py`` (or by a plugin module that calls
:func:`register_method`), never by scanning subclasses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptlight.errors import InvalidArgument
from promptlight.salience.options import Option, parse_options
from promptlight.types import Span

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.base import LanguageModel
    from promptlight.salience.objective import Objective
    from promptlight.salience.variants import Refit, VariantLogprobs


@dataclasses.dataclass(frozen=True)
class SalienceInputs:
    """One explained sequence, ready for a method.

    ``ids`` is prompt + target tokenized together (BOS first), truncated after the last
    target token, on ``lm.device``. ``target_positions`` are the token indices of T
    (contiguous, ascending, all >= 1). Scored positions are ``range(num_scored)`` with
    ``num_scored == target_positions[0]``: the *prefix* every method perturbs, while
    ``objective`` appends and scores its own tails.
    """

    lm: LanguageModel
    text: str
    ids: torch.Tensor  # [seq] int64
    token_spans: tuple[Span, ...]  # len == seq
    special: tuple[bool, ...]  # len == seq
    target_positions: torch.Tensor  # [k] int64
    granularity: str
    segments: tuple[Span, ...]  # the partition of ``text`` at ``granularity``
    objective: Objective
    template: tuple[bool, ...] = ()  # len == seq for a chat prompt (chat-template tokens), else empty

    @property
    def num_scored(self) -> int:
        return int(self.target_positions[0])

    @property
    def prefix_ids(self) -> torch.Tensor:
        """``[num_scored]``: the scored tokens."""
        return self.ids[: self.num_scored]


@dataclasses.dataclass
class MethodOutput:
    """What a method returns.

    ``token_scores[name]``: one float per scored position (length ``num_scored``).
    ``segment_scores[name]``: one value per segment of ``inputs.segments`` (``None`` where
    nothing in the segment could be scored). ``info[name]``: numbers to report
    (e.g. the completeness gap). ``objective_value``: ``f`` on the unchanged input.
    ``variants[name]``: a perturbation method's variants and the recorded target tokens'
    log-probabilities under each (:mod:`promptlight.salience.variants`), for new selections.
    """

    objective_value: float
    token_scores: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    segment_scores: dict[str, list[float | None]] = dataclasses.field(default_factory=dict)
    info: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    variants: dict[str, VariantLogprobs] = dataclasses.field(default_factory=dict)


MethodFn = Callable[..., MethodOutput]


@dataclasses.dataclass(frozen=True)
class MethodInfo:
    """A registered salience method and what a user should know before choosing it."""

    name: str
    signed: bool
    level: str  # "tokens": scores per token; "segments": scores per segment at the chosen granularity
    cost: str
    reference: str
    description: str
    options: tuple[Option, ...]
    run: MethodFn
    also_computes: tuple[str, ...] = ()
    #: ``rows(options, seq)``: how many sequences the method computes at once (for the memory estimate).
    rows: Callable[[Mapping[str, Any], int], int] | None = None
    #: A perturbation method's fit from its variants' ``f`` to scores: new selections need no model call.
    refit: Refit | None = None

    def rows_at_once(self, options: Mapping[str, Any], seq: int) -> int:
        return max(1, int(self.rows(options, seq))) if self.rows is not None else 1

    def parse_options(self, raw: Mapping[str, Any] | None, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Raw option values (Python, JSON or strings) -> every option typed, defaulted and capped.

        ``settings`` (the server's or the CLI's) supplies the caps named by each option's ``cap``.
        """
        return parse_options(self.options, dict(raw or {}), method=self.name, settings=settings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "signed": self.signed,
            "level": self.level,
            "cost": self.cost,
            "reference": self.reference,
            "description": self.description,
            "options": [o.to_dict() for o in self.options],
            "also_computes": list(self.also_computes),
            "answers_new_selections": self.refit is not None,
        }


_REGISTRY: dict[str, MethodInfo] = {}


def register_method(
    name: str,
    *,
    signed: bool,
    level: str = "tokens",
    cost: str,
    reference: str,
    description: str,
    options: Sequence[Option] = (),
    also_computes: Sequence[str] = (),
    rows: Callable[[Mapping[str, Any], int], int] | None = None,
    refit: Refit | None = None,
) -> Callable[[MethodFn], MethodFn]:
    """Decorator registering ``fn(inputs: SalienceInputs, **options) -> MethodOutput`` as ``name``.

    ``fn`` receives every option of ``options``, already parsed (see :meth:`MethodInfo.parse_options`).
    ``rows(options, seq)`` says how many sequences of ``seq`` tokens it runs at once (default 1);
    with a ``batch_size`` option, a call over the memory budget gets a smaller one. A perturbation
    method that returns ``variants`` gives the ``refit`` its run uses on them
    (:data:`promptlight.salience.variants.Refit`), so a new selection inside the same target is
    answered from the record (:func:`promptlight.reselect.reselect`).
    """

    def decorate(fn: MethodFn) -> MethodFn:
        if name in _REGISTRY:
            raise ValueError(f"A salience method named {name!r} is already registered.")
        if level not in ("tokens", "segments"):
            raise ValueError(f"level must be 'tokens' or 'segments', got {level!r}.")
        _REGISTRY[name] = MethodInfo(
            name=name,
            signed=signed,
            level=level,
            cost=cost,
            reference=reference,
            description=description,
            options=tuple(options),
            run=fn,
            also_computes=tuple(also_computes),
            rows=rows,
            refit=refit,
        )
        return fn

    return decorate


def unregister_method(name: str) -> None:
    """Remove ``name`` from the registry (tests that register a method of their own clean up with this)."""
    _REGISTRY.pop(name, None)


def get_method(name: str) -> MethodInfo:
    """The registered method ``name``; :class:`InvalidArgument` listing the valid names otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise InvalidArgument(
            f"Unknown salience method {name!r}. Available: {', '.join(sorted(_REGISTRY))}.", field="method"
        ) from None


def registered_methods() -> dict[str, MethodInfo]:
    """Every method, by name."""
    return dict(sorted(_REGISTRY.items()))
