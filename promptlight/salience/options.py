"""Typed method options: one table per method, enforced identically for Python, the CLI and the API.

    Option("steps", int, 32, "quadrature points along the path", minimum=1, cap="max_ig_steps")

A method registers its table (``register_method(..., options=(...))``); the registry's
:meth:`~promptlight.salience.base.MethodInfo.parse_options` converts, validates and caps the
raw values a caller gives (Python values, JSON values, or ``NAME=VALUE`` strings from
``--option``). ``/api/methods`` serves the table, the CLI help lists it, and the UI draws a
control for each row: no surface branches on a method's name.

Every error is an :class:`~promptlight.errors.InvalidArgument` whose ``field`` is
``options.<name>`` and whose message names the bad value and the valid ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

from promptlight.errors import InvalidArgument

_TYPE_NAMES = {int: "integer", float: "number", str: "string", bool: "boolean"}


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of a method.

    ``default=None`` with ``nullable`` means "chosen by the method" (e.g. a batch size sized to
    memory). ``cap`` names a server setting whose value is the largest allowed (checked when
    settings are given: the server and the CLI pass theirs). ``choices`` lists the valid
    values of a string option; ``special`` lists string values an ``int`` option also takes
    (e.g. ``"auto"``).
    """

    name: str
    type: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    special: tuple[str, ...] = ()
    cap: str | None = None
    nullable: bool = False

    @property
    def field(self) -> str:
        return f"options.{self.name}"

    def parse(self, raw: Any, *, method: str, settings: Mapping[str, Any] | None = None) -> Any:
        """``raw`` (a value, or a string from the command line) -> the typed value; InvalidArgument otherwise."""
        if raw is None:
            if self.nullable:
                return None
            raise self._error(raw, method)
        if isinstance(raw, str) and raw in self.special:
            return raw
        value = self._convert(raw, method)
        if self.choices is not None and value not in self.choices:
            raise InvalidArgument(
                f"Unknown {self.name} {raw!r}. Available: {', '.join(self.choices)}. (an option of method {method!r})",
                field=self.field,
            )
        if self.minimum is not None and value < self.minimum:
            bound = "a positive integer" if self.type is int and self.minimum == 1 else f">= {self.minimum:g}"
            raise InvalidArgument(
                f"{self.name} must be {bound}, got {raw!r} (an option of method {method!r}).", field=self.field
            )
        if self.maximum is not None and value > self.maximum:
            raise InvalidArgument(
                f"{self.name} must be <= {self.maximum:g}, got {raw!r} (an option of method {method!r}).",
                field=self.field,
            )
        if self.cap is not None and settings is not None and self.cap in settings and value > settings[self.cap]:
            flag = "--" + self.cap.replace("_", "-")
            raise InvalidArgument(
                f"{self.name} is {value}; the limit is {self.cap} = {settings[self.cap]} "
                f"(setting {flag} / PROMPTLIGHT_{self.cap.upper()}).",
                field=self.field,
            )
        return value

    def _convert(self, raw: Any, method: str) -> Any:
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in ("true", "false", "1", "0", "yes", "no"):
                return raw.lower() in ("true", "1", "yes")
            raise self._error(raw, method)
        if isinstance(raw, bool):
            raise self._error(raw, method)
        if self.type is str:
            if not isinstance(raw, str):
                raise self._error(raw, method)
            return raw
        try:
            if self.type is int:
                if isinstance(raw, float):
                    if not raw.is_integer():
                        raise ValueError
                    return int(raw)
                return int(raw.strip() if isinstance(raw, str) else raw)
            value = float(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError, OverflowError):
            raise self._error(raw, method) from None
        if not math.isfinite(value):
            raise self._error(raw, method)
        return value

    def _error(self, raw: Any, method: str) -> InvalidArgument:
        kind = _TYPE_NAMES.get(self.type, self.type.__name__)
        extra = f" or one of {', '.join(self.special)}" if self.special else ""
        article = "an" if kind[0] in "aeiou" else "a"
        return InvalidArgument(
            f"{self.name} must be {article} {kind}{extra}, got {raw!r} (an option of method {method!r}: {self.help}).",
            field=self.field,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": _TYPE_NAMES.get(self.type, self.type.__name__),
            "default": self.default,
            "help": self.help,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "choices": list(self.choices) if self.choices is not None else None,
            "special": list(self.special),
            "cap": self.cap,
            "nullable": self.nullable,
        }

    def describe(self) -> str:
        """One line for help texts: ``steps (integer, default 32, <= max_ig_steps): ...``."""
        bits = [_TYPE_NAMES.get(self.type, self.type.__name__)]
        if self.choices:
            bits = ["one of " + "|".join(self.choices)]
        bits.append(f"default {self.default if self.default is not None else 'auto'}")
        if self.cap:
            bits.append(f"<= {self.cap}")
        return f"{self.name} ({', '.join(bits)}): {self.help}"


def parse_options(
    table: Sequence[Option], raw: Mapping[str, Any], *, method: str, settings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every option of ``table``: the given ones parsed, the rest at their defaults; unknown names are an error."""
    by_name = {o.name: o for o in table}
    unknown = sorted(set(raw) - set(by_name))
    if unknown:
        valid = ", ".join(by_name) or "none"
        raise InvalidArgument(
            f"Unknown option(s) {', '.join(map(repr, unknown))} for method {method!r}. Valid: {valid}.",
            field=f"options.{unknown[0]}",
        )
    return {
        o.name: (o.parse(raw[o.name], method=method, settings=settings) if o.name in raw else o.default) for o in table
    }


def parse_assignments(pairs: Sequence[str]) -> dict[str, str]:
    """``["steps=64", "baseline=pad"]`` (the CLI's ``--option``) -> ``{"steps": "64", "baseline": "pad"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidArgument(f"--option {pair!r} must be NAME=VALUE (e.g. steps=64).", field="options")
        out[name.strip()] = value
    return out
