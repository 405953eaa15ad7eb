"""``Store``: the SQLite file behind the server (datapoints + results cache).

One connection per ``Store``, guarded by a lock, so any thread may call any method; each
write is one ``BEGIN IMMEDIATE ... COMMIT`` transaction. At this app's scale (people
editing prompts, cache look-ups of a few KB) statements take microseconds, so a single
connection never becomes the bottleneck, and it keeps closing and error handling simple.

Durability: WAL mode with ``synchronous=FULL``. ``NORMAL`` would already keep every
committed write through ``kill -9`` (the WAL is in the OS before ``COMMIT`` returns), but
can lose the last commits on a power cut or OS crash. Datapoints are things people typed,
writes are rare, and one fsync per commit costs a few milliseconds, so FULL it is.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from promptlight.store.migrations import MIGRATIONS, SCHEMA_VERSION

log = logging.getLogger("promptlight.store")

#: Columns of ``datapoints`` a caller may set.
EDITABLE = ("dataset", "prompt", "target", "source", "fields")


class StoreError(RuntimeError):
    """The database file cannot be used; the message names the file and what to do."""


class StorageUnavailable(StoreError):
    """The database cannot be read or written right now (locked by another program, a file that
    cannot be written, a full disk, an I/O error); the server answers 503 with ``Retry-After``."""


#: SQLite's primary result codes that mean "the storage, not the statement" (``sqlite_errorname``
#: carries extended names such as ``SQLITE_IOERR_WRITE``; these are their prefixes).
_STORAGE_FAULTS = {
    "SQLITE_BUSY": "is locked by another program; try again shortly",
    "SQLITE_LOCKED": "is locked by another program; try again shortly",
    "SQLITE_READONLY": "cannot be written (a read-only file or folder); check the permissions and attributes "
    "of the database and its -wal and -shm files",
    "SQLITE_PERM": "cannot be written (permission denied); check the permissions of the database and its folder",
    "SQLITE_FULL": "cannot grow: the disk is full; free some space",
    "SQLITE_IOERR": "could not be read or written (a disk I/O error); check the disk and the files' permissions "
    "and attributes",
    "SQLITE_CANTOPEN": "could not be opened; check that its folder exists and can be written",
}


def storage_fault(path: Path, exc: sqlite3.Error) -> StorageUnavailable | None:
    """A :class:`StorageUnavailable` for an error that comes from the storage, else ``None``."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, what in _STORAGE_FAULTS.items():
        if name == prefix or name.startswith(prefix + "_"):
            return StorageUnavailable(f"The database {str(path)!r} {what} ({exc}).")
    return None


def _unwritable(path: Path) -> OSError | None:
    """The error opening ``path`` for writing gives, or ``None`` (also when it does not exist)."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_NOFOLLOW))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc
    return None


def _shm_path(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def _check_writable(path: Path) -> None:
    """Refuse a database whose file or ``-wal``/``-shm`` companion cannot be opened for writing.

    SQLite maps the ``-shm`` file shared and writes to it even to read (its read marks). On a
    file that cannot be written (``chattr +i``, a read-only mount) that access kills the whole
    process with SIGBUS, so the store checks first and turns it into a clear error.
    """
    for candidate in (path, path.with_name(path.name + "-wal"), _shm_path(path)):
        problem = _unwritable(candidate)
        if problem is not None:
            raise StoreError(
                f"Cannot write {str(candidate)!r} ({problem.strerror}): promptlight writes the database and its -wal "
                "and -shm files. Fix the file's permissions or attributes (chmod u+w, chattr -i), "
                "or pass another path with --db."
            ) from problem


@dataclasses.dataclass(frozen=True)
class Datapoint:
    """One user datapoint as stored. ``created``/``updated`` are ISO 8601 UTC strings."""

    id: int
    dataset: str
    prompt: str
    target: str
    source: str
    fields: Mapping[str, Any]
    created: str
    updated: str


def default_db_path() -> Path:
    """``platformdirs.user_data_dir("promptlight")/promptlight.db``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("promptlight", appauthor=False)) / "promptlight.db"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _fields_json(fields: Mapping[str, Any] | None) -> str:
    if fields is None:
        return "{}"
    if not isinstance(fields, Mapping):
        raise TypeError(f"fields must be a JSON object (dict), got {type(fields).__name__}.")
    return json.dumps(dict(fields), ensure_ascii=False, allow_nan=False, sort_keys=True)


class Store:
    """Datapoints and cached results in one SQLite file at ``path`` (created if missing)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self._shm = _shm_path(self.path)
        self._lock = threading.RLock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _check_writable(self.path)
            # isolation_level=None: we write BEGIN/COMMIT ourselves, one transaction per write.
            self._conn = sqlite3.connect(
                str(self.path), timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Cannot open the database {str(self.path)!r}: {exc}. Pass another path with --db."
            ) from exc
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # Search with Python's own case folding, evaluated row by row inside SQLite.
            self._conn.create_function("pl_contains", 2, _contains, deterministic=True)
            self._migrate()
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            fault = storage_fault(self.path, exc)
            if fault is not None:
                raise StoreError(f"Cannot open the database: {fault} Pass another path with --db.") from exc
            raise StoreError(
                f"{str(self.path)!r} is not a promptlight database or is damaged ({exc}). "
                "Move it aside or pass another path with --db."
            ) from exc

    # --- lifecycle --------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; a storage fault inside becomes :class:`StorageUnavailable`."""
        with self._lock:
            if self._closed:
                raise StoreError(f"The store {str(self.path)!r} is closed.")
            # A -shm file made unwritable after opening would SIGBUS this process on access (see
            # _check_writable); one open() per operation (microseconds) answers that with a 503.
            problem = _unwritable(self._shm)
            if problem is not None:
                raise StorageUnavailable(
                    f"The database {str(self.path)!r} cannot be used: its shared-memory file {str(self._shm)!r} "
                    f"cannot be written ({problem.strerror}); fix its permissions or attributes (chattr -i)."
                )
            try:
                yield self._conn
            except sqlite3.Error as exc:
                fault = storage_fault(self.path, exc)
                if fault is None:
                    raise
                raise fault from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._read() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error as exc:  # the fault that failed the write may fail this too
                        log.warning("rollback on %s failed: %s", self.path, exc)
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"The database {str(self.path)!r} has schema version {version}, newer than this promptlight "
                    f"understands ({SCHEMA_VERSION}). Upgrade promptlight or pass another path with --db."
                )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._write() as conn:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                if conn.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue
                for statement in _statements(MIGRATIONS[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(target)}")

    @property
    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def integrity_check(self) -> str:
        """``"ok"`` if SQLite finds the file sound, else its first complaint."""
        with self._read() as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])

    # --- datapoints -------------------------------------------------------------------

    def create_datapoint(
        self,
        *,
        dataset: str,
        prompt: str,
        target: str = "",
        source: str = "",
        fields: Mapping[str, Any] | None = None,
    ) -> Datapoint:
        row = {"dataset": dataset, "prompt": prompt, "target": target, "source": source, "fields": fields}
        return self.create_datapoints([row])[0]

    def create_datapoints(self, rows: Sequence[Mapping[str, Any]]) -> list[Datapoint]:
        """Add every row (the keywords of :meth:`create_datapoint`) in one transaction: all or none."""
        now = _now()
        values = [
            (
                r["dataset"],
                r["prompt"],
                r.get("target", ""),
                r.get("source", ""),
                _fields_json(r.get("fields")),
                now,
                now,
            )
            for r in rows
        ]
        with self._write() as conn:
            ids = [
                int(
                    conn.execute(
                        "INSERT INTO datapoints (dataset, prompt, target, source, fields, created, updated) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        row,
                    ).lastrowid
                    or 0
                )
                for row in values
            ]
            if not ids:
                return []
            # One writer at a time (BEGIN IMMEDIATE), so these ids are the only ones in their range.
            found = {
                r[0]: r for r in conn.execute("SELECT * FROM datapoints WHERE id BETWEEN ? AND ?", (min(ids), max(ids)))
            }
        return [_datapoint(found[i]) for i in ids]

    def get_datapoint(self, datapoint_id: int) -> Datapoint | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM datapoints WHERE id = ?", (datapoint_id,)).fetchone()
        return _datapoint(row) if row else None

    def update_datapoint(self, datapoint_id: int, **changes: Any) -> Datapoint | None:
        """Set the given columns (any of ``EDITABLE``); ``None`` if there is no such datapoint."""
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise ValueError(f"Cannot update {', '.join(unknown)}. Editable: {', '.join(EDITABLE)}.")
        if "fields" in changes:
            changes["fields"] = _fields_json(changes["fields"])
        columns = [*changes, "updated"]
        values = [*changes.values(), _now()]
        assignments = ", ".join(f"{c} = ?" for c in columns)
        with self._write() as conn:
            conn.execute(f"UPDATE datapoints SET {assignments} WHERE id = ?", (*values, datapoint_id))
            row = conn.execute("SELECT * FROM datapoints WHERE id = ?", (datapoint_id,)).fetchone()
        return _datapoint(row) if row else None

    def delete_datapoint(self, datapoint_id: int) -> bool:
        """``True`` if a datapoint was deleted."""
        with self._write() as conn:
            return conn.execute("DELETE FROM datapoints WHERE id = ?", (datapoint_id,)).rowcount > 0

    def list_datapoints(
        self, dataset: str | None = None, *, q: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Datapoint]:
        """User datapoints (of ``dataset`` only, if given; matching ``q`` in prompt, target or source,
        case-insensitively), oldest first; ``limit``/``offset`` page in SQL, so a page reads only its rows."""
        where, args = _datapoint_filter(dataset, q)
        page = " LIMIT ? OFFSET ?" if limit is not None or offset else ""
        page_args = (limit if limit is not None else -1, offset) if page else ()
        with self._read() as conn:
            rows = conn.execute(f"SELECT * FROM datapoints{where} ORDER BY id{page}", (*args, *page_args)).fetchall()
        return [_datapoint(r) for r in rows]

    def count_matching(self, dataset: str | None = None, *, q: str | None = None) -> int:
        """How many datapoints :meth:`list_datapoints` would list without paging."""
        where, args = _datapoint_filter(dataset, q)
        with self._read() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM datapoints{where}", args).fetchone()[0])

    def count_datapoints(self) -> dict[str, int]:
        """``{dataset: number of user datapoints}``."""
        with self._read() as conn:
            rows = conn.execute("SELECT dataset, COUNT(*) FROM datapoints GROUP BY dataset ORDER BY dataset").fetchall()
        return {name: int(n) for name, n in rows}

    # --- results cache ----------------------------------------------------------------

    def get_result(self, key: str) -> Any | None:
        """The cached value under ``key``, or ``None``."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_result(
        self, key: str, kind: str, value: Any, *, max_entries: int | None = None, max_bytes: int | None = None
    ) -> None:
        """Store ``value`` (any JSON value) under ``key``; keep at most ``max_entries`` results and
        ``max_bytes`` bytes of them (the oldest go first; a value larger than ``max_bytes`` is not kept)."""
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        size = len(text.encode("utf-8"))
        if max_bytes is not None and size > max_bytes:
            return
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO results (key, kind, value, created, size) VALUES (?, ?, ?, ?, ?)",
                (key, kind, text, _now(), size),
            )
            if max_entries is not None:
                _prune(conn, max_entries)
            if max_bytes is not None:
                _prune_bytes(conn, max_bytes)

    def results_bytes(self) -> int:
        """Total size of the cached results, in bytes of UTF-8 JSON."""
        with self._read() as conn:
            return int(conn.execute("SELECT COALESCE(SUM(size), 0) FROM results").fetchone()[0])

    def prune_results(self, max_entries: int) -> int:
        """Delete the oldest cached results beyond ``max_entries``; returns how many went."""
        with self._write() as conn:
            return _prune(conn, max_entries)

    def count_results(self) -> int:
        with self._read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def clear_results(self) -> int:
        with self._write() as conn:
            return conn.execute("DELETE FROM results").rowcount


def _contains(text: str | None, needle: str | None) -> bool:
    return bool(text) and bool(needle) and str(needle).casefold() in str(text).casefold()


def _datapoint_filter(dataset: str | None, q: str | None) -> tuple[str, tuple[Any, ...]]:
    """`` WHERE ...`` and its arguments for a dataset and a search text (either may be None)."""
    clauses, args = [], []
    if dataset is not None:
        clauses.append("dataset = ?")
        args.append(dataset)
    if q:
        clauses.append("(pl_contains(prompt, ?) OR pl_contains(target, ?) OR pl_contains(source, ?))")
        args += [q, q, q]
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def _prune(conn: sqlite3.Connection, max_entries: int) -> int:
    if max_entries < 0:
        raise ValueError(f"max_entries must be >= 0, got {max_entries}.")
    return conn.execute(
        "DELETE FROM results WHERE key IN (SELECT key FROM results ORDER BY created DESC, rowid DESC LIMIT -1 OFFSET ?)",
        (max_entries,),
    ).rowcount


def _prune_bytes(conn: sqlite3.Connection, max_bytes: int) -> int:
    """Delete the oldest results until the newest ones total at most ``max_bytes``."""
    return conn.execute(
        "DELETE FROM results WHERE key IN (SELECT key FROM (SELECT key, SUM(size) OVER "
        "(ORDER BY created DESC, rowid DESC) AS running FROM results) WHERE running > ?)",
        (max_bytes,),
    ).rowcount


def _datapoint(row: tuple) -> Datapoint:
    id_, dataset, prompt, target, source, fields, created, updated = row
    return Datapoint(
        id=int(id_),
        dataset=dataset,
        prompt=prompt,
        target=target,
        source=source,
        fields=_readable_fields(int(id_), fields),
        created=created,
        updated=updated,
    )


def _readable_fields(datapoint_id: int, raw: str) -> dict[str, Any]:
    """A stored row's ``fields``; one that cannot be read back (too deep, not JSON) never breaks a listing.

    Such a row (written before its shape was checked, or by another program) shows its fields
    replaced by a note; the row itself, its prompt and target, stay usable.
    """
    from promptlight.jsonshape import depth_problem

    try:
        value = json.loads(raw)
        problem = depth_problem(value) if isinstance(value, dict) else "is not a JSON object"
    except (ValueError, RecursionError) as exc:
        value, problem = None, f"is not readable JSON ({type(exc).__name__})"
    if problem is None:
        return value
    log.warning("datapoint u:%d: its stored fields %s; showing a note instead", datapoint_id, problem)
    return {"unreadable_fields": f"The stored fields of this datapoint {problem}; they are not shown."}


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` decides where one ends)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
