"""A run folder: what ``promptlight batch --out DIR`` writes, and how a rerun resumes it.

    DIR/job.json          the job (model, device, dtype, methods, granularity, options, ...)
    DIR/records.jsonl     one full result record per done row × method, each flushed as it is done
    DIR/errors.jsonl      one line per failed row × method (retried by the next run)
    DIR/results.parquet   one row per example × method: f, status, error, top segment, ...
    DIR/segments.parquet  one row per prompt segment: char range, text, score, rank, template part

The JSON Lines files are the journal: every finished row is on disk the moment it is done.
The Parquet tables are rebuilt from them (through a temporary file renamed into place) when
a run ends, stopped or not, so they are never half-written. A journal line cut short by a
crash is dropped when the folder is next opened.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from promptlight.runs.job import BatchJob

__all__ = ["RUN_FILES", "RunFolder", "RunFolderError", "indexed_journal", "read_journal"]

JOB_FILE = "job.json"
RECORDS_FILE = "records.jsonl"
ERRORS_FILE = "errors.jsonl"
RESULTS_FILE = "results.parquet"
SEGMENTS_FILE = "segments.parquet"
RUN_FILES = (JOB_FILE, RECORDS_FILE, ERRORS_FILE, RESULTS_FILE, SEGMENTS_FILE)
RUN_FORMAT = 1


def _file_mode() -> int:
    """The mode a new file gets under this process's umask (mkstemp's own files are 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


class RunFolderError(ValueError):
    """A folder that cannot hold this run (another job's, not a run folder, not writable)."""


def indexed_journal(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(byte offset, parsed line)`` of every complete JSON line of ``path`` (none if it does not exist).

    A torn last line (a write cut short: its row was not done) ends the journal; a line that
    is not JSON is skipped.
    """
    if not path.exists():
        return
    with path.open("rb") as f:
        offset = 0
        for raw in f:
            at, offset = offset, offset + len(raw)
            if not raw.endswith(b"\n"):
                return
            try:
                yield at, json.loads(raw)
            except ValueError:
                continue


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """The complete JSON lines of ``path``, parsed (see :func:`indexed_journal`)."""
    return (line for _offset, line in indexed_journal(path))


def _repair(path: Path) -> None:
    """Cut a torn last line (no newline) off ``path``, so appends start on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb+") as f:
        data = f.read()
        if data.endswith(b"\n"):
            return
        f.truncate(data.rfind(b"\n") + 1)


class RunFolder:
    """Opens (or creates) ``path`` for ``job``; refuses another job's folder unless ``overwrite``."""

    def __init__(self, path: str | os.PathLike[str], job: BatchJob, *, overwrite: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.job = job
        self._prepare(overwrite)
        for name in (RECORDS_FILE, ERRORS_FILE):
            _repair(self.path / name)
        self._records = (self.path / RECORDS_FILE).open("a", encoding="utf-8")
        self._errors = (self.path / ERRORS_FILE).open("a", encoding="utf-8")

    # --- opening ----------------------------------------------------------------------------

    def _prepare(self, overwrite: bool) -> None:
        where = str(self.path)
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(f"--out {where!r} is a file; a batch run writes a folder (give a new or run folder).")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunFolderError(f"Cannot create the run folder {where!r}: {exc.strerror or exc}.") from None
        job_file = self.path / JOB_FILE
        ours = job_file.exists()
        others = [p.name for p in self.path.iterdir() if p.name not in RUN_FILES and not p.name.startswith(".")]
        if not ours and others and not overwrite:
            shown = ", ".join(sorted(others)[:5])
            raise RunFolderError(
                f"--out {where!r} is not empty and is not a run folder (it holds {shown}); give a new folder, "
                "or --overwrite to write a run there (only promptlight's own files are replaced)."
            )
        if ours:
            try:
                saved = json.loads(job_file.read_text(encoding="utf-8"))
                theirs = saved["job"]
            except (OSError, ValueError, KeyError, TypeError):
                raise RunFolderError(f"{str(job_file)!r} is not a promptlight job file; give another --out.") from None
            differ = {k: (theirs.get(k), v) for k, v in self.job.identity().items() if theirs.get(k) != v}
            if differ and not overwrite:
                said = "; ".join(f"{k}: the folder has {a!r}, this run {b!r}" for k, (a, b) in differ.items())
                raise RunFolderError(
                    f"--out {where!r} belongs to a different job ({said}). Give another folder, or --overwrite "
                    "to replace its results."
                )
            if differ:
                for name in RUN_FILES:
                    (self.path / name).unlink(missing_ok=True)
        content = (json.dumps({"format": RUN_FORMAT, "job": self.job.to_dict()}, indent=2) + "\n").encode()
        if not job_file.exists() or job_file.read_bytes() != content:  # a resumed run writes nothing before its rows
            self._write_atomically(JOB_FILE, content)

    def _write_atomically(self, name: str, data: bytes) -> None:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.path)
        except OSError as exc:
            raise RunFolderError(f"Cannot write in the run folder {str(self.path)!r}: {exc.strerror or exc}.") from None
        try:
            os.fchmod(fd, _file_mode())
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # --- the journal ------------------------------------------------------------------------

    def done_keys(self) -> set[str]:
        """Keys of the rows × methods already done (failed ones are not: a rerun tries them again)."""
        return {line["key"] for line in read_journal(self.path / RECORDS_FILE)}

    def add(self, outcome: Mapping[str, Any]) -> None:
        """Append one outcome to its journal and flush it to disk before returning."""
        line = dict(outcome)
        sink = self._records if outcome["status"] == "ok" else self._errors
        try:
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            sink.flush()
            os.fsync(sink.fileno())
        except OSError as exc:
            raise RunFolderError(
                f"Cannot write to the run folder {str(self.path)!r}: {exc.strerror or exc}. The rows done before "
                "are kept; fix that and rerun the same command to resume."
            ) from None

    # --- the tables -------------------------------------------------------------------------

    def write_tables(self, *, batch_rows: int = 256) -> tuple[int, int]:
        """Rebuild ``results.parquet`` and ``segments.parquet`` from the journal; ``(results rows, segment rows)``.

        Rows are in dataset order (then the job's method order); the journal is read twice
        (an index, then each latest line by its offset), so memory stays at ``batch_rows`` records.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from promptlight.runs.tables import RESULT_COLUMNS, SEGMENT_COLUMNS, rows_of

        index: dict[str, tuple[int, int, str, int]] = {}  # key -> (row, method order, file, offset)
        methods = {m: k for k, m in enumerate(self.job.methods)}
        for name in (ERRORS_FILE, RECORDS_FILE):  # records last: a done row wins over a failure
            for offset, line in indexed_journal(self.path / name):
                index[line["key"]] = (int(line["row"]), methods.get(line["method"], len(methods)), name, offset)
        schemas = {
            name: pa.schema([(c, getattr(pa, t)()) for c, t in columns.items()])
            for name, columns in ((RESULTS_FILE, RESULT_COLUMNS), (SEGMENTS_FILE, SEGMENT_COLUMNS))
        }
        temps = {name: tempfile.mkstemp(prefix=f".{name}.", dir=self.path) for name in schemas}
        counts = dict.fromkeys(schemas, 0)
        try:
            writers = {name: pq.ParquetWriter(temps[name][1], schema) for name, schema in schemas.items()}
            handles = {name: (self.path / name).open("rb") for name in (ERRORS_FILE, RECORDS_FILE)}
            try:
                pending: dict[str, list[dict[str, Any]]] = {name: [] for name in schemas}
                for _row, _m, name, offset in sorted(index.values()):
                    handle = handles[name]
                    handle.seek(offset)
                    result, segments = rows_of(json.loads(handle.readline()), granularity=self.job.granularity)
                    pending[RESULTS_FILE].append(result)
                    pending[SEGMENTS_FILE].extend(segments)
                    if len(pending[RESULTS_FILE]) >= batch_rows:
                        self._flush(writers, pending, schemas, counts)
                self._flush(writers, pending, schemas, counts)
            finally:
                for handle in handles.values():
                    handle.close()
                for writer in writers.values():
                    writer.close()
            for name, (fd, tmp) in temps.items():
                os.fchmod(fd, _file_mode())
                os.fsync(fd)
                os.close(fd)
                os.replace(tmp, self.path / name)
        except BaseException:
            for fd, tmp in temps.values():
                with contextlib.suppress(OSError):
                    os.close(fd)
                Path(tmp).unlink(missing_ok=True)
            raise
        return counts[RESULTS_FILE], counts[SEGMENTS_FILE]

    @staticmethod
    def _flush(writers: Any, pending: dict[str, list[dict[str, Any]]], schemas: Any, counts: dict[str, int]) -> None:
        import pyarrow as pa

        for name, rows in pending.items():
            if rows:
                writers[name].write_table(pa.Table.from_pylist(rows, schema=schemas[name]))
                counts[name] += len(rows)
                rows.clear()

    def close(self) -> None:
        self._records.close()
        self._errors.close()

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
