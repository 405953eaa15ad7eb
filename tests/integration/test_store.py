"""The SQLite store on a real file: datapoints, the results cache, migrations, durability."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from promptlight.store import Store, StoreError, cache_key, canonical_json
from promptlight.store.migrations import SCHEMA_VERSION

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "promptlight.db") as s:
        yield s


def test_datapoint_crud_round_trip(store):
    dp = store.create_datapoint(dataset="scratch", prompt="Hello", target=" world", source="me", fields={"k": [1, "é"]})
    assert dp.id >= 1 and dp.created == dp.updated and dp.created.endswith("Z")
    assert store.get_datapoint(dp.id) == dp

    edited = store.update_datapoint(dp.id, target=" there", fields={"k": 2})
    assert edited is not None
    assert (edited.prompt, edited.target, dict(edited.fields)) == ("Hello", " there", {"k": 2})
    assert edited.created == dp.created and edited.updated >= dp.updated

    assert store.list_datapoints("scratch") == [edited]
    assert store.list_datapoints("other") == []
    assert store.count_datapoints() == {"scratch": 1}
    assert store.delete_datapoint(dp.id) is True
    assert store.delete_datapoint(dp.id) is False
    assert store.get_datapoint(dp.id) is None
    assert store.update_datapoint(dp.id, prompt="x") is None


def test_deleted_ids_are_never_reused(store):
    first = store.create_datapoint(dataset="d", prompt="a")
    store.delete_datapoint(first.id)
    second = store.create_datapoint(dataset="d", prompt="b")
    assert second.id > first.id


def test_text_is_stored_exactly(store):
    text = "nul\x00tab\tnewline\n emoji 🙂 rtl \u202e combining e\u0301"
    dp = store.create_datapoint(dataset="d", prompt=text, target=text)
    assert store.get_datapoint(dp.id).prompt == text


def test_update_rejects_unknown_columns(store):
    dp = store.create_datapoint(dataset="d", prompt="a")
    with pytest.raises(ValueError, match="Editable: dataset, prompt, target, source, fields"):
        store.update_datapoint(dp.id, id=5)


def test_fields_must_be_a_json_object(store):
    with pytest.raises(TypeError, match="JSON object"):
        store.create_datapoint(dataset="d", prompt="a", fields=["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.create_datapoint(dataset="d", prompt="a", fields={"x": float("nan")})
    assert store.list_datapoints() == []  # nothing half-written


def test_datapoints_survive_reopening(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store(path) as s:
        dp = s.create_datapoint(dataset="d", prompt="keep me")
    with Store(path) as s:
        assert s.get_datapoint(dp.id).prompt == "keep me"


def test_results_cache(store):
    key = cache_key("generate", model="tiny", prompt="Hi", options={"max_new_tokens": 8})
    assert store.get_result(key) is None
    store.put_result(key, "generate", {"text": "there", "n": 1.5})
    assert store.get_result(key) == {"text": "there", "n": 1.5}
    store.put_result(key, "generate", {"text": "again"})  # replaces
    assert store.get_result(key) == {"text": "again"}
    assert store.count_results() == 1
    assert store.clear_results() == 1 and store.get_result(key) is None


def test_results_cache_keeps_the_newest(store):
    for i in range(6):
        store.put_result(f"k{i}", "generate", i, max_entries=4)
    assert store.count_results() == 4
    assert store.get_result("k0") is None and store.get_result("k1") is None
    assert store.get_result("k5") == 5
    assert store.prune_results(1) == 3
    assert store.get_result("k5") == 5


def test_cache_key_is_canonical():
    a = cache_key("salience", model="m", inputs={"b": 1, "a": [1, 2.5], "c": None})
    b = cache_key("salience", inputs={"c": None, "a": (1, 2.5), "b": 1}, model="m")
    assert a == b and len(a) == 64
    assert a != cache_key("salience", model="m", inputs={"b": 1, "a": [1, 2.5], "c": 0})
    assert a != cache_key("generate", model="m", inputs={"b": 1, "a": [1, 2.5], "c": None})
    assert canonical_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'
    with pytest.raises(ValueError, match="finite"):
        cache_key("x", v=float("inf"))
    with pytest.raises(TypeError):
        cache_key("x", v=object())


def test_file_is_wal_with_full_sync_and_current_schema(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_default_path_is_in_the_user_data_dir():
    import platformdirs

    from promptlight.store import default_db_path

    assert default_db_path() == Path(platformdirs.user_data_dir("promptlight", appauthor=False)) / "promptlight.db"


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this promptlight"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is not sqlite, just some text " * 200)
    with pytest.raises(StoreError, match="not a promptlight database"):
        Store(path)


def test_an_unwritable_location_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot open"):
        Store(blocker / "sub" / "db.sqlite")


def test_closed_store_says_so(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.list_datapoints()


def test_concurrent_writers_lose_nothing(store):
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        try:
            for i in range(25):
                dp = store.create_datapoint(dataset=f"t{t}", prompt=f"{t}-{i}")
                store.update_datapoint(dp.id, target="edited")
                store.put_result(f"{t}-{i}", "generate", {"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    rows = store.list_datapoints()
    assert len(rows) == 200
    assert sorted(r.prompt for r in rows) == sorted(f"{t}-{i}" for t in range(8) for i in range(25))
    assert all(r.target == "edited" for r in rows)
    assert store.count_results() == 200
    assert store.integrity_check() == "ok"


_WRITER = """
import sys
from promptlight.store import Store
store = Store(sys.argv[1])
i = 0
while True:
    dp = store.create_datapoint(dataset="burst", prompt=f"row {i}")
    print(dp.id, flush=True)   # printed only after COMMIT returned: an acknowledged write
    i += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_acknowledged_writes_survive_kill_9(tmp_path):
    path = tmp_path / "crash.db"
    Store(path).close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    acknowledged: list[int] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(acknowledged) >= 20, proc.stderr.read() if proc.stderr else ""
    with Store(path) as s:
        assert s.integrity_check() == "ok"
        rows = s.list_datapoints("burst")
    assert set(acknowledged) <= {dp.id for dp in rows}
    prompts = [dp.prompt for dp in rows]
    assert len(prompts) == len(set(prompts))  # no write landed twice


def test_listing_filters_and_pages_in_sql_exactly_as_python_would(store, monkeypatch):
    texts = ["Straße nach Köln", "a QUICHE", "plain", "quiche lorraine", "Σίσυφος", "STRASSE 5"]
    for i in range(30):
        store.create_datapoint(dataset="a" if i % 3 else "b", prompt=texts[i % len(texts)], target=f" t{i}", source=f"s{i}")
    everything = store.list_datapoints()
    for dataset in (None, "a", "b"):
        for q in (None, "quiche", "strasse", "σίσυφος", "t1", "nothing"):
            expected = [
                d
                for d in everything
                if (dataset is None or d.dataset == dataset)
                and (not q or any(q.casefold() in x.casefold() for x in (d.prompt, d.target, d.source)))
            ]
            assert store.list_datapoints(dataset, q=q) == expected
            assert store.count_matching(dataset, q=q) == len(expected)
            for offset, limit in ((0, 1), (2, 5), (7, 100), (40, 3)):
                assert store.list_datapoints(dataset, q=q, limit=limit, offset=offset) == expected[offset : offset + limit]
    # A page converts only its own rows.
    import promptlight.store.sqlite as sqlite_module

    built = []
    real = sqlite_module._datapoint
    monkeypatch.setattr(sqlite_module, "_datapoint", lambda row: built.append(row) or real(row))
    assert len(store.list_datapoints(limit=1, offset=10)) == 1 and len(built) == 1


def test_the_results_cache_is_bounded_in_bytes(store):
    blob = "x" * 1000  # each value is about 1 KB of JSON
    for i in range(20):
        store.put_result(f"k{i}", "salience", {"i": i, "blob": blob}, max_bytes=5_500)
    kept = [i for i in range(20) if store.get_result(f"k{i}") is not None]
    assert kept == [15, 16, 17, 18, 19]  # the newest five fit in 5,500 bytes, the oldest went first
    assert store.results_bytes() <= 5_500
    store.put_result("huge", "salience", {"blob": "y" * 10_000}, max_bytes=5_500)
    assert store.get_result("huge") is None and store.get_result("k19") is not None  # too big to keep; nothing evicted for it


def test_a_version_1_file_gets_the_size_column_filled(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from promptlight.store.migrations import MIGRATIONS

    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO results (key, kind, value, created) VALUES ('a', 'salience', '{\"v\": \"é\"}', '2026-01-01T00:00:00Z')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.get_result("a") == {"v": "é"}
        assert s.results_bytes() == len('{"v": "é"}'.encode())
