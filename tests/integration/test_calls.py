"""Model calls a client can watch and stop: progress (``GET /api/calls/{id}``), cancel
(``POST /api/calls/{id}/cancel``: a queued call never runs, a running one stops at its next
layer), and a client that hangs up cancels its call, so the model is free for the next one.

The model is the real ``tiny`` one with a 20 ms pause before each decoder layer, so a call is
long enough to watch."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from promptlight.server import Settings, create_app

pytestmark = pytest.mark.integration

BODY = {
    "prompt": "Taste-likes: cheese.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nRecommendation:",
    "target": " Avoid it.",
    "method": "integrated_gradients",
    "options": {"steps": 200, "batch_size": 1},
}


@pytest.fixture(scope="module")
def slow_tiny():
    from promptlight.models import load_model

    lm = load_model("tiny", reuse=False)
    for layer in lm.module.model.layers:
        layer.register_forward_pre_hook(lambda *_: time.sleep(0.02))
    return lm


@pytest.fixture
def app_and_client(slow_tiny, tmp_path):
    app = create_app(models={"slow": slow_tiny}, datasets={}, db_path=tmp_path / "p.db", settings=Settings(max_ig_steps=256))
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        deadline = time.monotonic() + 60
        while client.get("/api/health").json()["models"]["slow"]["state"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield app, client


def _in_thread(fn):
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("value", fn()), daemon=True)
    thread.start()
    return thread, out


def _wait_for(client, call_id, predicate, timeout=30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get(f"/api/calls/{call_id}")
        if answer.status_code == 200 and predicate(answer.json()):
            return answer.json()
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.05)


def test_a_running_call_reports_progress_and_stops_when_cancelled(app_and_client):
    _app, client = app_and_client
    thread, out = _in_thread(lambda: client.post("/api/salience", json=BODY, headers={"X-Promptlight-Call": "ig-1"}))
    seen = _wait_for(client, "ig-1", lambda p: p["state"] == "running" and p["done"] >= 2)
    assert seen["total"] == 200 and seen["unit"] == "steps" and seen["eta_s"] is not None and seen["eta_s"] > 0
    later = _wait_for(client, "ig-1", lambda p: p["done"] > seen["done"])
    assert later["elapsed_s"] > seen["elapsed_s"]
    asked = time.monotonic()
    cancel = client.post("/api/calls/ig-1/cancel")
    assert cancel.status_code == 200 and cancel.json()["cancelled"] is True
    thread.join(30)
    stopped = time.monotonic() - asked
    answer = out["value"]
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "cancelled", answer.text
    assert client.get("/api/calls/ig-1").json()["state"] == "cancelled"
    assert client.get("/api/calls/ig-1").json()["done"] < 200  # it never ran to the end
    # The model is free again: a short call is answered (within a layer's time of the cancel).
    quick = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 2})
    assert quick.status_code == 200 and quick.headers["X-Promptlight-Call"]
    assert stopped < 10, f"the cancelled call took {stopped:.1f} s to stop"
    # Nothing of the cancelled call was cached: the same request runs again.
    assert client.post("/api/calls/ig-1/cancel").json()["cancelled"] is False  # over already


def test_a_queued_call_that_is_cancelled_never_runs(app_and_client):
    _app, client = app_and_client
    first, first_out = _in_thread(lambda: client.post("/api/salience", json=BODY, headers={"X-Promptlight-Call": "a"}))
    _wait_for(client, "a", lambda p: p["state"] == "running")
    queued_body = {**BODY, "options": {"steps": 199, "batch_size": 1}}
    second, second_out = _in_thread(lambda: client.post("/api/salience", json=queued_body, headers={"X-Promptlight-Call": "b"}))
    assert _wait_for(client, "b", lambda p: True)["state"] == "queued"
    assert client.post("/api/calls/b/cancel").json()["cancelled"] is True
    second.join(10)
    assert second_out["value"].status_code == 409
    assert client.get("/api/calls/a").json()["state"] == "running"  # the other call goes on
    assert client.get("/api/calls/b").json()["done"] == 0
    client.post("/api/calls/a/cancel")
    first.join(30)
    assert first_out["value"].status_code == 409


def test_bad_and_unknown_call_ids(app_and_client):
    _app, client = app_and_client
    assert client.get("/api/calls/nope").status_code == 404
    assert client.post("/api/calls/nope/cancel").status_code == 404
    bad = client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 1}, headers={"X-Promptlight-Call": "no spaces!"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "X-Promptlight-Call"


def test_a_client_that_hangs_up_cancels_its_call(app_and_client):
    app, client = app_and_client
    body = json.dumps(BODY).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api/salience", "raw_path": b"/api/salience", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()), (b"x-promptlight-call", b"gone")],
        "client": ("127.0.0.1", 50000), "server": ("localhost", 80),
    }  # fmt: skip
    sent: list[dict] = []

    async def hang_up() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        gone_at = time.monotonic() + 0.5  # the client goes away half a second in

        async def receive() -> dict:
            # As an ASGI server does: after the body, block until the client is gone.
            if messages:
                return messages.pop(0)
            wait = gone_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await app(scope, receive, send)

    began = time.monotonic()
    # Its own thread and event loop: the test process may already run one (the browser tests' driver).
    runner = threading.Thread(target=lambda: asyncio.run(hang_up()), daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "the request did not end after its client hung up"
    handle = _wait_for(client, "gone", lambda p: p["state"] == "cancelled")
    assert handle["done"] < 200 and time.monotonic() - began < 30
    quick = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 2})
    assert quick.status_code == 200
