"""Batch runs over whole datasets: resumable run folders, a local and a Ray engine, Parquet tables.

    promptlight batch --dataset prompts.jsonl --method occlusion --granularity lines --out runs/a
    rows, segments = promptlight.load_run("runs/a")

See :mod:`promptlight.runs.folder` for the folder's files and :mod:`promptlight.runs.engines`
for how rows are spread over Ray actors.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptlight.runs.folder import RESULTS_FILE, SEGMENTS_FILE, RunFolder, RunFolderError
from promptlight.runs.job import BatchJob, RowTask, tasks_for

__all__ = ["BatchJob", "RowTask", "RunFolder", "RunFolderError", "load_run", "tasks_for"]


def load_run(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> tuple[Any, Any]:
    """``(results, segments)`` of a run folder (or several, e.g. the shards of one job) as pandas DataFrames.

    ``results``: one row per example × method (``row``, ``source``, ``method``, ``status``,
    ``error``, ``f``, ``top_segment``, ...); ``segments``: one row per prompt segment (``row``,
    ``method``, ``start``, ``end``, ``text``, ``score``, ``rank``, ``part``). Both sorted by
    ``row`` then method. Needs pandas (``pip install 'promptlight[pandas]'``).
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("load_run needs pandas: pip install 'promptlight[pandas]'.") from exc
    import pyarrow.parquet as pq

    folders = [path] if isinstance(path, str | os.PathLike) else list(path)
    tables: dict[str, list[Any]] = {RESULTS_FILE: [], SEGMENTS_FILE: []}
    for folder in folders:
        p = Path(folder).expanduser()
        for name in tables:
            if not (p / name).is_file():
                raise RunFolderError(
                    f"{str(p)!r} has no {name}: it is not a finished run folder (promptlight batch --out DIR writes one)."
                )
            tables[name].append(pq.read_table(p / name).to_pandas())
    results, segments = (pd.concat(frames, ignore_index=True) for frames in tables.values())
    return (
        results.sort_values(["row", "method"], kind="stable", ignore_index=True),
        segments.sort_values(["row", "method", "start"], kind="stable", ignore_index=True),
    )
