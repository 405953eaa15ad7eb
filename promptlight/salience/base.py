"""What every salience method receives and returns, and the method registry.

A method is one file in this package: a function decorated with :func:`register_method`,
carrying its metadata (sign, cost, reference). The registry is filled by the plain import
list in ``promptlight/salience/__init__.py``, never by scanning subclasses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptlight.types import Span

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.language_model import LanguageModel


@dataclasses.dataclass(frozen=True)
class SalienceInputs:
    """One explained sequence, ready for a method.

    ``ids`` is prompt + target tokenized together (BOS first), truncated after the last
    target token: tokens after it cannot change the objective. ``target_positions`` are the
    token indices of T (contiguous, ascending, all >= 1). Scored positions are
    ``range(num_scored)`` with ``num_scored == target_positions[0]``.
    """

    lm: LanguageModel
    text: str
    ids: torch.Tensor  # [seq] int64
    token_spans: tuple[Span, ...]  # len == seq
    special: tuple[bool, ...]  # len == seq
    target_positions: torch.Tensor  # [k] int64
    granularity: str
    segments: tuple[Span, ...]  # the partition of ``text`` at ``granularity``

    @property
    def num_scored(self) -> int:
        return int(self.target_positions[0])


@dataclasses.dataclass
class MethodOutput:
    """What a method returns.

    ``token_scores[name]``: one float per scored position (length ``num_scored``).
    ``segment_scores[name]``: one value per segment of ``inputs.segments`` (``None`` where
    nothing in the segment could be scored). ``info[name]``: numbers to report
    (e.g. the completeness gap). ``objective_value``: ``f`` on the unchanged input.
    """

    objective_value: float
    token_scores: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    segment_scores: dict[str, list[float | None]] = dataclasses.field(default_factory=dict)
    info: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


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
    options: Mapping[str, str]
    run: MethodFn
    also_computes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "signed": self.signed,
            "level": self.level,
            "cost": self.cost,
            "reference": self.reference,
            "description": self.description,
            "options": dict(self.options),
            "also_computes": list(self.also_computes),
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
    options: Mapping[str, str] | None = None,
    also_computes: Sequence[str] = (),
) -> Callable[[MethodFn], MethodFn]:
    """Decorator registering ``fn(inputs: SalienceInputs, **options) -> MethodOutput`` as ``name``."""

    def decorate(fn: MethodFn) -> MethodFn:
        if name in _REGISTRY:
            raise ValueError(f"A salience method named {name!r} is already registered.")
        _REGISTRY[name] = MethodInfo(
            name=name,
            signed=signed,
            level=level,
            cost=cost,
            reference=reference,
            description=description,
            options=dict(options or {}),
            run=fn,
            also_computes=tuple(also_computes),
        )
        return fn

    return decorate


def get_method(name: str) -> MethodInfo:
    """The registered method ``name``; ``ValueError`` listing the valid names otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"Unknown salience method {name!r}. Available: {', '.join(sorted(_REGISTRY))}."
        ) from None


def registered_methods() -> dict[str, MethodInfo]:
    return dict(sorted(_REGISTRY.items()))


def check_options(method: str, options: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Reject options a method does not take, naming them and the ones it does."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        valid = ", ".join(sorted(allowed)) or "none"
        raise ValueError(f"Unknown option(s) {', '.join(map(repr, unknown))} for method {method!r}. Valid: {valid}.")
