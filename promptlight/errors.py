"""Errors every layer raises for bad input: each carries the name of the field it is about.

``InvalidArgument("steps is 0; it must be >= 1.", field="options.steps")``: the pipeline,
the segmenter, the option table and model loading raise it; the CLI prints its message as
one line (exit status 2) and the server's error envelope copies ``field`` as it is.
Stdlib only: the CLI imports this for ``--help``.
"""

from __future__ import annotations


class InvalidArgument(ValueError):
    """A value the user gave that cannot be used; ``field`` names it (``"target_span"``, ``"options.steps"``)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


__all__ = ["InvalidArgument"]
