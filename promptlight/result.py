"""``SalienceResult``: the result record (:class:`~promptlight.types.ResultRecord`) with its views.

    result.aggregate("lines")            # prompt segments with scores
    result.top_segments("lines", k=5)    # the same ranking the UI and the CLI show
    result.to_html(granularity="lines")  # a self-contained page
    result.to_dataframe("words")         # needs pandas

Every view is computed from the record alone (no model call), by the same functions the
CLI uses, so Python, the CLI and the UI agree.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from promptlight.segments import aggregate_result
from promptlight.types import ResultRecord, Segment


@dataclasses.dataclass(frozen=True)
class SalienceResult(ResultRecord):
    """A :class:`~promptlight.types.ResultRecord` with aggregation and rendering; positive scores push the selection up."""

    def aggregate(
        self, granularity: str = "words", *, method: str | None = None, prompt_only: bool = True
    ) -> list[Segment]:
        """Segments of ``granularity`` with their scores (sum of the segment's token scores).

        With ``prompt_only`` (the default) only segments inside the prompt are returned.
        """
        return aggregate_result(self, granularity, method=method, prompt_only=prompt_only)

    def top_segments(
        self, granularity: str = "words", *, method: str | None = None, k: int = 10, include_template: bool = False
    ) -> list[Segment]:
        """The ``k`` prompt segments with the largest absolute score, largest first.

        The ranking every surface shows (the CLI's list, the UI's top segments, the report):
        special tokens' own scores (BOS) are left out of the segment that holds them, as
        they are left out of the display scale, and so are chat-template segments unless
        ``include_template``.
        """
        from promptlight.report import display_segments, ranked

        return ranked(display_segments(self, granularity, method), k, include_template=include_template)

    def to_html(
        self,
        *,
        granularity: str = "words",
        method: str | None = None,
        title: str | None = None,
        subtitle: str | None = None,
        include_bos: bool = False,
        gain: float = 1.0,
    ) -> str:
        """The web app's HTML report of this result: one self-contained page (no scripts, no network).

        ``gain`` is the intensity (2: half of max |score| gets full colour); ``include_bos`` puts
        special tokens and chat-template text on the colour scale.
        """
        from promptlight.report_html import result_to_html

        return result_to_html(
            self,
            granularity=granularity,
            method=method,
            title=title,
            subtitle=subtitle,
            include_bos=include_bos,
            gain=gain,
        )

    def to_dataframe(self, granularity: str = "tokens", *, method: str | None = None) -> Any:
        """One row per prompt segment: ``start``, ``end``, ``text``, ``score`` (a pandas DataFrame). Needs pandas."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("SalienceResult.to_dataframe needs pandas: pip install 'promptlight[pandas]'.") from exc
        segs = self.aggregate(granularity, method=method)
        return pd.DataFrame([dataclasses.asdict(s) for s in segs], columns=["start", "end", "text", "score"])


__all__ = ["SalienceResult"]
