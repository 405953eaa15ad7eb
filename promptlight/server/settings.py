"""The one settings table of ``promptlight serve``.

Each row is a :class:`Setting` (name, type, default, help). The table feeds, with no
other list anywhere:

- the command-line flags (``--max-new-tokens``; see :func:`add_setting_arguments`),
- the environment variables (``PROMPTLIGHT_MAX_NEW_TOKENS``),
- ``GET /api/settings`` (:meth:`Settings.public`; the token shows as ``set``/``unset``),
- the table in ``docs/api.md`` (:func:`settings_markdown` writes it; a test checks the doc
  matches).

Precedence: command-line flag, then environment variable, then default.
Stdlib only: the CLI imports this for ``--help``.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import math
import os
from collections.abc import Iterator, Mapping
from typing import Any

ENV_PREFIX = "PROMPTLIGHT_"


@dataclasses.dataclass(frozen=True)
class Setting:
    """One row of the table. ``secret`` values are never echoed (only whether they are set)."""

    name: str
    type: type
    default: Any
    help: str
    secret: bool = False
    minimum: float | None = None
    maximum: float | None = None
    metavar: str = ""

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: Any, *, origin: str) -> Any:
        """``raw`` (a string from the environment, or a value) as this setting's type; ValueError naming ``origin``."""
        try:
            if isinstance(raw, bool) or (self.type is int and isinstance(raw, float)):
                raise TypeError
            value = self.type(raw)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"{origin} must be {_type_word(self.type)}, got {raw!r}. {self.help}") from None
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{origin} must be >= {self.minimum:g}, got {value!r}.")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{origin} must be <= {self.maximum:g}, got {value!r}.")
        return value


def _type_word(t: type) -> str:
    return {int: "an integer", float: "a number", str: "a string"}.get(t, t.__name__)


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Address to listen on. Anything but loopback needs a token.", metavar="HOST"),
    Setting("port", int, 5432, "Port to listen on (0: any free port).", minimum=0, maximum=65535),
    Setting(
        "db",
        str,
        "",
        "SQLite file for datapoints and cached results (empty: promptlight.db in the user data dir).",
        metavar="PATH",
    ),
    Setting(
        "device",
        str,
        "auto",
        "Where models run: auto (CUDA, else Apple MPS, else CPU), cpu, cuda, cuda:N or mps.",
        metavar="DEVICE",
    ),
    Setting(
        "dtype",
        str,
        "auto",
        "Model precision: auto (bfloat16 on a GPU that supports it, float32 on the CPU), float32, bfloat16 or float16.",
        metavar="DTYPE",
    ),
    Setting("max_prompt_tokens", int, 8192, "Longest prompt, in tokens, that generate and salience accept.", minimum=1),
    Setting(
        "max_call_memory",
        int,
        0,
        "MiB one salience call may use beyond the loaded model, estimated before it runs from the model's "
        "shape (over it: a smaller batch, or a 422 naming the estimate). 0: 80% of the memory free on the "
        "model's device when the call starts.",
        minimum=0,
    ),
    Setting(
        "max_new_tokens",
        int,
        512,
        "Cap on max_new_tokens in /api/generate and on the length of a salience target, in tokens.",
        minimum=1,
    ),
    Setting("max_ig_steps", int, 256, "Cap on the steps option of integrated_gradients.", minimum=1),
    Setting(
        "max_ablation_samples",
        int,
        1024,
        "Cap on the samples (and holdout) options of kernel_shap, lime and context_cite: one forward pass each.",
        minimum=2,
    ),
    Setting(
        "max_batch_tokens",
        int,
        8192,
        "Cap on batch_size x sequence tokens when a salience request sets the batch_size option "
        "(integrated_gradients, occlusion); bounds the memory of one call.",
        minimum=1,
    ),
    Setting("max_body_bytes", int, 1_048_576, "Largest request body accepted, in bytes (larger: 413).", minimum=1024),
    Setting("queue_size", int, 8, "Model calls that may wait per model; more get 429 with Retry-After.", minimum=1),
    Setting(
        "model_timeout",
        float,
        300.0,
        "Seconds a model call may run (then 504) and may wait in its model's queue (then 503).",
        minimum=0.001,
    ),
    Setting(
        "header_timeout",
        float,
        10.0,
        "Seconds a client has to send a request's headers (from connecting, or from the first byte of its next request); "
        "then 408 and the connection is closed.",
        minimum=0.1,
    ),
    Setting(
        "body_timeout",
        float,
        30.0,
        "Seconds a client has to send a request's body once its headers are in; then 408 and the connection is closed.",
        minimum=0.1,
    ),
    Setting(
        "max_connections",
        int,
        1000,
        "Open connections and requests in progress the server takes at once; beyond that it answers 503.",
        minimum=1,
    ),
    Setting(
        "cache_size",
        int,
        10_000,
        "Cached generation and salience results to keep (oldest dropped first; 0 turns the cache off).",
        minimum=0,
    ),
    Setting(
        "cache_mib",
        int,
        1024,
        "Most MiB of cached results to keep in the database (oldest dropped first); a larger result is not cached.",
        minimum=1,
    ),
    Setting(
        "allow_origins",
        str,
        "",
        "Extra origins, comma-separated, trusted to send state-changing requests "
        "(e.g. http://localhost:5173 for the Vite dev server).",
        metavar="ORIGINS",
    ),
    Setting(
        "token",
        str,
        "",
        "Access token; when set, every route requires it (header Authorization: Bearer TOKEN, or open /?token=TOKEN once). "
        "Prefer the environment variable: a command-line flag is visible to other users in ps.",
        secret=True,
        metavar="TOKEN",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get_setting(name: str) -> Setting:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"Unknown setting {name!r}. Available: {', '.join(_BY_NAME)}.") from None


class Settings(Mapping[str, Any]):
    """Values for every setting in :data:`SETTINGS`; read them as attributes (``settings.port``).

    ``Settings(port=8000)`` takes defaults for the rest; :meth:`from_env` reads the environment.
    """

    def __init__(self, **values: Any) -> None:
        resolved: dict[str, Any] = {}
        for name, raw in values.items():
            setting = get_setting(name)
            resolved[name] = setting.parse(raw, origin=setting.name)
        for setting in SETTINGS:
            resolved.setdefault(setting.name, setting.default)
        self._values = resolved

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``PROMPTLIGHT_*`` variables, then ``overrides`` (``None`` values are skipped)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = environ.get(setting.env)
            if raw is not None and raw != "":
                values[setting.name] = setting.parse(raw.strip(), origin=setting.env)
        for name, value in overrides.items():
            if value is not None:
                setting = get_setting(name)
                values[name] = setting.parse(value, origin=setting.flag)
        return cls(**values)

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
        """From parsed flags (see :func:`add_setting_arguments`) over the environment."""
        return cls.from_env(environ, **{s.name: getattr(args, s.name, None) for s in SETTINGS})

    def replace(self, **changes: Any) -> Settings:
        return Settings(**{**self._values, **changes})

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(f"Settings has no {name!r}. Available: {', '.join(_BY_NAME)}.") from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        shown = {s.name: ("***" if s.secret and self._values[s.name] else self._values[s.name]) for s in SETTINGS}
        return f"Settings({shown})"

    @property
    def origins(self) -> tuple[str, ...]:
        """``allow_origins`` as a tuple of ``scheme://host[:port]`` strings."""
        return tuple(o.strip().rstrip("/") for o in self.allow_origins.split(",") if o.strip())

    def public(self) -> list[dict[str, Any]]:
        """The rows of ``GET /api/settings``: secrets appear only as ``"set"`` or ``"unset"``."""
        rows = []
        for s in SETTINGS:
            value, default = self._values[s.name], s.default
            if s.secret:
                value, default = ("set" if value else "unset"), "unset"
            rows.append(
                {
                    "name": s.name,
                    "value": value,
                    "default": default,
                    "type": _json_type(s.type),
                    "help": s.help,
                    "env": s.env,
                    "flag": s.flag,
                }
            )
        return rows


def _json_type(t: type) -> str:
    return {int: "integer", float: "number", str: "string"}[t]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.x.x.x``, ``::1``)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_setting_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per setting. Flags default to ``None`` so the environment can fill them in."""
    group = parser.add_argument_group("settings (each also read from its PROMPTLIGHT_* environment variable)")
    for s in SETTINGS:
        default = "unset" if s.secret else ("(empty)" if s.default == "" else s.default)
        group.add_argument(
            s.flag,
            dest=s.name,
            type=s.type,
            default=None,
            metavar=s.metavar or {int: "N", float: "SECONDS", str: "TEXT"}[s.type],
            help=f"{s.help} [default: {default}; env {s.env}]".replace("%", "%%"),
        )


def settings_markdown() -> str:
    """The settings table as Markdown, as it appears in ``docs/api.md``."""
    lines = ["| setting | flag | environment | default | meaning |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        default = "unset" if s.secret else ("(empty)" if s.default == "" else f"`{s.default}`")
        lines.append(f"| `{s.name}` | `{s.flag}` | `{s.env}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"
