"""Storage faults: the database locked by another program, files made read-only, a full disk.

Each one is made for real (a second process holding SQLite's write lock, ``chattr +i`` on the
``-wal``/``-shm`` files, a small tmpfs filled to the brim). The server must answer 503 with
``Retry-After`` and a message saying what is wrong with the database, keep answering reads and
``/api/health``, and work again once the fault is gone. A ``-shm`` file that cannot be written
is refused at start-up: SQLite would map it read-only and the first write would kill the
process with SIGBUS.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from promptlight.server import Settings, create_app
from promptlight.store import StorageUnavailable, Store, StoreError

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _chattr(flag: str, *paths: Path) -> bool:
    """Set or clear the immutable attribute; False where the filesystem or the user cannot."""
    try:
        done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def _immutable(*paths: Path):
    if not _chattr("+i", *paths):
        pytest.skip("chattr +i is not available on this filesystem or for this user")
    try:
        yield
    finally:
        _chattr("-i", *paths)


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "p.db"
    app = create_app(models={"tiny": "tiny"}, datasets={}, db_path=db, settings=Settings())
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        yield client, db


def _assert_storage_503(answer, *words: str) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers.get("retry-after", "").isdigit(), answer.headers
    error = answer.json()["error"]
    assert error["code"] == "storage_unavailable", error
    for word in words:
        assert word in error["message"], error["message"]


def test_a_lock_held_by_another_process_is_a_503_then_writes_resume(served):
    client, db = served
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sqlite3, sys, time
            conn = sqlite3.connect({str(db)!r}, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
            conn.execute("ROLLBACK")
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        began = time.monotonic()
        answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": "while locked"})
        waited = time.monotonic() - began
        _assert_storage_503(answer, str(db), "locked by another program")
        assert waited < 30, waited
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/examples").status_code == 200  # WAL: readers are not blocked by a writer
    finally:
        holder.communicate("\n", timeout=30)
    answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": "after the lock"})
    assert answer.status_code == 201, answer.text
    assert [r["prompt"] for r in client.get("/api/examples", params={"dataset": "d"}).json()] == ["after the lock"]


def test_a_read_only_wal_file_is_a_503_and_nothing_half_written(served):
    client, db = served
    assert client.post("/api/datapoints", json={"dataset": "d", "prompt": "before"}).status_code == 201
    wal = db.with_name(db.name + "-wal")
    assert wal.exists()
    with _immutable(wal):
        answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": "while read-only"})
        _assert_storage_503(answer, str(db))
        assert client.get("/api/health").status_code == 200
        listed = client.get("/api/examples", params={"dataset": "d"})
        assert listed.status_code == 200, listed.text
        assert [r["prompt"] for r in listed.json()] == ["before"]
    answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": "after"})
    assert answer.status_code == 201, answer.text
    assert [r["prompt"] for r in client.get("/api/examples", params={"dataset": "d"}).json()] == ["before", "after"]
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_shm_file_made_read_only_while_serving_does_not_kill_the_server(served):
    client, db = served
    assert client.post("/api/datapoints", json={"dataset": "d", "prompt": "one"}).status_code == 201
    shm = db.with_name(db.name + "-shm")
    with _immutable(shm):
        # Any access through SQLite's shared mapping of an immutable file is a SIGBUS (even a
        # read writes its read mark there), so the store refuses every operation until it is fixed.
        answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": "two"})
        _assert_storage_503(answer, "p.db-shm", "chattr -i")
        _assert_storage_503(client.get("/api/examples", params={"dataset": "d"}), "p.db-shm")
        assert client.get("/api/health").status_code == 200
    assert client.post("/api/datapoints", json={"dataset": "d", "prompt": "three"}).status_code == 201
    assert [r["prompt"] for r in client.get("/api/examples", params={"dataset": "d"}).json()] == ["one", "three"]


def test_a_read_only_shm_file_is_refused_at_start_naming_it(tmp_path):
    db = tmp_path / "p.db"
    Store(db).create_datapoint(dataset="d", prompt="kept")
    keeper = sqlite3.connect(db)  # an open connection keeps the -wal and -shm files on disk
    keeper.execute("SELECT COUNT(*) FROM datapoints").fetchone()
    shm = db.with_name(db.name + "-shm")
    assert shm.exists()
    try:
        with _immutable(shm):
            with pytest.raises(StoreError, match=r"p\.db-shm.*chattr -i"):
                Store(db)
            served = subprocess.run(
                [sys.executable, "-m", "promptlight", "serve", "--models", "tiny", "--db", str(db), "--port", "0"],
                capture_output=True, text=True, timeout=120, cwd=REPO,
            )  # fmt: skip
            assert served.returncode == 2, served.stderr
            assert "p.db-shm" in served.stderr and "Traceback" not in served.stderr, served.stderr
    finally:
        keeper.close()
    assert [d.prompt for d in Store(db).list_datapoints()] == ["kept"]


def test_a_full_disk_is_a_503_and_the_server_recovers_when_space_is_freed(small_disk):
    db = small_disk / "p.db"
    app = create_app(models={"tiny": "tiny"}, datasets={}, db_path=db, settings=Settings())
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        assert client.post("/api/datapoints", json={"dataset": "d", "prompt": "fits"}).status_code == 201
        filler = small_disk / "filler"
        with filler.open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        big = "x" * 200_000
        answer = client.post("/api/datapoints", json={"dataset": "d", "prompt": big})
        _assert_storage_503(answer, str(db))
        assert client.get("/api/health").status_code == 200
        assert [r["prompt"] for r in client.get("/api/examples", params={"dataset": "d"}).json()] == ["fits"]
        filler.unlink()
        assert client.post("/api/datapoints", json={"dataset": "d", "prompt": big}).status_code == 201
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_storage_faults_are_told_apart_from_statement_errors(tmp_path):
    store = Store(tmp_path / "p.db")
    with pytest.raises(sqlite3.OperationalError), store._read() as conn:
        conn.execute("SELECT * FROM no_such_table")
    assert issubclass(StorageUnavailable, StoreError)
