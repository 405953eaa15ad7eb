"""Read-only views of run folders for the web app: the runs list, rows, per-part salience, A/B, saved records.

``RunsCatalog(root)`` serves the run folders under ``root`` (each sub-folder holding a
``job.json``; ``root`` itself when it is one) by name, never by path. Tables are read with
pyarrow when asked and cached until the folder's files change. Nothing here calls a model.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promptlight.runs.folder import JOB_FILE, RECORDS_FILE, RESULTS_FILE, SEGMENTS_FILE, RunFolderError, indexed_journal

__all__ = ["RunNotFound", "RunsCatalog", "part_label"]


class RunNotFound(LookupError):
    """A run name or row key the catalog does not have; the message lists what it has."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


def part_label(part: str | None, ordinal: int, granularity: str) -> str:
    """What a segment is grouped by across rows: its template part, else its place (``lines #3``)."""
    return part if part else f"{granularity} #{ordinal}"


def _signature(folder: Path) -> tuple[Any, ...]:
    out: list[tuple[int, int] | None] = []
    for name in (RESULTS_FILE, SEGMENTS_FILE, RECORDS_FILE):
        try:
            st = (folder / name).stat()
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


class _Run:
    """One run folder's tables, loaded on first use and again when its files change."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name, self.folder = name, folder
        self.lock = threading.Lock()
        self.loaded: tuple[Any, ...] | None = None
        self.results: list[dict[str, Any]] = []
        self.segments: list[dict[str, Any]] = []
        self.offsets: dict[str, int] = {}

    def job(self) -> dict[str, Any]:
        return json.loads((self.folder / JOB_FILE).read_text(encoding="utf-8"))["job"]

    def load(self) -> _Run:
        import pyarrow.parquet as pq

        with self.lock:
            signature = _signature(self.folder)
            if signature == self.loaded:
                return self
            if signature[0] is None or signature[1] is None:
                raise RunFolderError(
                    f"Run {self.name!r} has no tables yet (it is running, or was stopped before any row)."
                )
            self.results = pq.read_table(self.folder / RESULTS_FILE).to_pylist()
            self.segments = pq.read_table(self.folder / SEGMENTS_FILE).to_pylist()
            self.offsets = {line["key"]: offset for offset, line in indexed_journal(self.folder / RECORDS_FILE)}
            self.loaded = signature
            return self


class RunsCatalog:
    """The run folders under ``root``, by name."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise RunFolderError(f"--runs {str(root)!r} is not a folder; give the folder your batch runs wrote into.")
        self._runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    def _scan(self) -> dict[str, _Run]:
        found: dict[str, Path] = {}
        if (self.root / JOB_FILE).is_file():
            found[self.root.name or "run"] = self.root
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and (child / JOB_FILE).is_file():
                found[child.name] = child
        with self._lock:
            self._runs = {n: self._runs.get(n) or _Run(n, p) for n, p in found.items()}
            return dict(self._runs)

    def _run(self, name: str) -> _Run:
        runs = self._scan()
        if name not in runs:
            raise RunNotFound(f"No run {name!r}. Runs: {', '.join(runs) or '(none)'}.", field="run")
        return runs[name].load()

    def list(self) -> list[dict[str, Any]]:
        """Every run: name, job, row counts (``null`` counts for one with no tables yet)."""
        out = []
        for name, run in self._scan().items():
            try:
                job = run.job()
            except (OSError, ValueError, KeyError):
                continue
            entry: dict[str, Any] = {
                "name": name,
                "job": job,
                "rows": None,
                "ok": None,
                "failed": None,
                "templates": [],
            }
            try:
                run.load()
                entry.update(
                    rows=len(run.results),
                    ok=sum(r["status"] == "ok" for r in run.results),
                    failed=sum(r["status"] != "ok" for r in run.results),
                    templates=sorted({r["template"] for r in run.results if r["template"]}),
                )
            except (RunFolderError, OSError, ValueError):
                pass
            out.append(entry)
        return out

    def rows(self, name: str) -> dict[str, Any]:
        """The run's ``results`` rows (plain dicts, NaN as ``None``) with its job."""
        run = self._run(name)
        return {"name": name, "job": run.job(), "rows": [_clean(r) for r in run.results]}

    def parts(self, name: str, method: str | None = None) -> dict[str, Any]:
        """Per template part (or per segment place without a template): mean, spread and top-1 share of salience.

        ``score`` statistics are over the rows where the part has a score; ``top_share`` is
        the fraction of done rows whose rank-1 segment lies in the part.
        """
        run = self._run(name)
        job = run.job()
        method = method or job["methods"][0]
        if method not in job["methods"]:
            raise RunNotFound(
                f"Run {name!r} has no method {method!r}. Methods: {', '.join(job['methods'])}.", field="method"
            )
        groups: dict[str, dict[str, Any]] = {}
        ordinals: dict[str, int] = {}
        keys_done = {r["key"] for r in run.results if r["status"] == "ok" and r["method"] == method}
        for s in run.segments:
            if s["method"] != method or s["template_text"]:
                continue
            ordinals[s["key"]] = ordinals.get(s["key"], 0) + 1
            label = part_label(s["part"], ordinals[s["key"]], s["granularity"])
            g = groups.setdefault(label, {"part": label, "scores": {}, "top": 0})
            if s["score"] is not None and not (isinstance(s["score"], float) and math.isnan(s["score"])):
                g["scores"][s["key"]] = g["scores"].get(s["key"], 0.0) + float(s["score"])
            if s["rank"] == 1:
                g["top"] += 1
        out = []
        for g in groups.values():
            values = list(g["scores"].values())
            out.append(
                {
                    "part": g["part"],
                    "rows": len(values),
                    "mean": statistics.fmean(values) if values else None,
                    "std": statistics.pstdev(values) if len(values) > 1 else 0.0 if values else None,
                    "min": min(values, default=None),
                    "max": max(values, default=None),
                    "top_share": g["top"] / len(keys_done) if keys_done else None,
                }
            )
        from promptlight.salience import registered_methods

        info = registered_methods().get(method)
        return {
            "name": name,
            "method": method,
            "signed": True if info is None else info.signed,
            "granularity": job["granularity"],
            "templated": any(s["part"] for s in run.segments),
            "parts": out,
        }

    def compare(self, a: str, b: str, method: str | None = None) -> dict[str, Any]:
        """Rows of runs ``a`` and ``b`` matched by source (and method): f in each and ``delta = f_b - f_a``, largest change first."""
        ra, rb = self._run(a), self._run(b)
        ja, jb = ra.job(), rb.job()
        shared = [m for m in ja["methods"] if m in jb["methods"]]
        if not shared:
            raise RunNotFound(
                f"Runs {a!r} ({', '.join(ja['methods'])}) and {b!r} ({', '.join(jb['methods'])}) share no method.",
                field="b",
            )
        method = method or shared[0]
        if method not in shared:
            raise RunNotFound(f"Method {method!r} is not in both runs; shared: {', '.join(shared)}.", field="method")
        right = {r["source"]: r for r in rb.results if r["method"] == method}
        rows = []
        for left in ra.results:
            other = right.get(left["source"]) if left["method"] == method else None
            if other is None:
                continue
            fa, fb = _number(left["f"]), _number(other["f"])
            rows.append(
                {
                    "source": left["source"],
                    "row": left["row"],
                    "key_a": left["key"],
                    "key_b": other["key"],
                    "status_a": left["status"],
                    "status_b": other["status"],
                    "f_a": fa,
                    "f_b": fb,
                    "delta": fb - fa if fa is not None and fb is not None else None,
                    "target_a": left["target"],
                    "target_b": other["target"],
                    "output_changed": left["target"] != other["target"],
                    "top_a": left["top_segment"],
                    "top_b": other["top_segment"],
                }
            )
        if not rows:
            raise RunNotFound(f"Runs {a!r} and {b!r} have no row (source) in common under {method!r}.", field="b")
        rows.sort(key=lambda r: -abs(r["delta"]) if r["delta"] is not None else 0.0)
        deltas = [r["delta"] for r in rows if r["delta"] is not None]
        return {
            "a": a,
            "b": b,
            "method": method,
            "rows": rows,
            "mean_delta": statistics.fmean(deltas) if deltas else None,
            "changed_outputs": sum(r["output_changed"] for r in rows),
        }

    def record(self, name: str, key: str) -> dict[str, Any]:
        """The saved result record of row ``key`` (with its source and method)."""
        run = self._run(name)
        offset = run.offsets.get(key)
        if offset is None:
            raise RunNotFound(f"Run {name!r} has no done row with key {key[:40]!r}.", field="key")
        with (run.folder / RECORDS_FILE).open("rb") as f:
            f.seek(offset)
            line = json.loads(f.readline())
        return {"source": line["source"], "method": line["method"], "row": line["row"], "record": line["record"]}


def _number(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
