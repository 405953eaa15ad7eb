"""Rows that could break the app for everyone: deeply nested ``fields``, and ids the parser must refuse.

A datapoint (or a dataset row) whose extra fields nest hundreds deep is refused where it comes
in, naming the limit; one already in the database (written by an older version or another
program) never breaks ``GET /api/examples``, the first thing the UI loads. Ids whose digits are
not ASCII (``u:²``) are a 404, not a 500 or a dropped connection.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

from promptlight.data import DatasetError, load_dataset
from promptlight.jsonshape import MAX_JSON_DEPTH
from promptlight.server import Settings, create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_tracebacks_logged")]


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"k": value}
    return value


def _nested_text(depth: int) -> str:
    """The JSON text of ``_nested(depth)``, written out (Python's encoder gives up near 1000 levels)."""
    return '{"k": ' * (depth - 1) + '{"leaf": 1}' + "}" * (depth - 1)


@pytest.fixture
def client(tmp_path):
    app = create_app(models={"tiny": "tiny"}, datasets={"sample_prompts": "sample_prompts"}, db_path=tmp_path / "p.db", settings=Settings())
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 300, 950])
def test_deeply_nested_fields_are_refused_naming_the_limit(client, depth):
    body = '{"prompt": "Hello", "fields": ' + _nested_text(depth) + "}"
    answer = client.post("/api/datapoints", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422), answer.text
    error = answer.json()["error"]
    assert error["field"] in ("fields", "body"), error
    if answer.status_code == 422:
        assert f"limit is {MAX_JSON_DEPTH}" in error["message"]
    assert client.get("/api/examples").status_code == 200
    assert not [d for d in client.get("/api/examples").json() if d["origin"] == "user"]


def test_fields_at_the_limit_are_kept(client):
    answer = client.post("/api/datapoints", json={"prompt": "Hello", "fields": _nested(MAX_JSON_DEPTH)})
    assert answer.status_code == 201, answer.text
    assert answer.json()["fields"] == _nested(MAX_JSON_DEPTH)


def test_a_poisoned_row_already_stored_does_not_break_the_listing(client, tmp_path):
    good = client.post("/api/datapoints", json={"prompt": "A good row", "fields": {"note": "fine"}}).json()
    poisoned = client.post("/api/datapoints", json={"prompt": "A row to poison"}).json()
    deep = "[" * 900 + "]" * 900  # valid JSON to SQLite, far deeper than the limit
    with sqlite3.connect(tmp_path / "p.db") as conn:  # another program writes the database
        conn.execute("UPDATE datapoints SET fields = ? WHERE id = ?", (json.dumps({"x": 1})[:-1] + f', "y": {deep}}}', int(poisoned["id"][2:])))
    answer = client.get("/api/examples")
    assert answer.status_code == 200, answer.text
    rows = {d["id"]: d for d in answer.json()}
    assert rows[good["id"]]["fields"] == {"note": "fine"}
    assert "unreadable_fields" in rows[poisoned["id"]]["fields"]
    assert rows[poisoned["id"]]["prompt"] == "A row to poison"  # the row itself stays usable
    assert client.get(f"/api/datapoints/{poisoned['id']}").status_code == 200
    assert client.delete(f"/api/datapoints/{poisoned['id']}").status_code == 204


def test_a_dataset_row_nested_too_deep_is_named(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "ok"}) + "\n" + json.dumps({"prompt": "deep", "meta": _nested(300)}) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as info:
        load_dataset(str(rows))
    assert "line 2" in str(info.value) and f"limit is {MAX_JSON_DEPTH}" in str(info.value)


@pytest.mark.parametrize("datapoint_id", ["u:²", "u:³", "u:١٢", "sample_prompts:²", "u:1²"])
def test_ids_with_non_ascii_digits_are_a_404(client, datapoint_id):
    for method in ("GET", "PUT", "DELETE"):
        kwargs = {"json": {"prompt": "x"}} if method == "PUT" else {}
        answer = client.request(method, f"/api/datapoints/{datapoint_id}", **kwargs)
        assert answer.status_code == 404, (method, answer.status_code, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    time.sleep(0)  # the server is still answering
    assert client.get("/api/health").status_code == 200
