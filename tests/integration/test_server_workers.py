"""Model workers behind the API: failures, timeouts, a full queue and a model that cannot load.

These use a small stand-in model whose calls can be made to fail or to block, so every path
is reached quickly and deterministically; the real ``tiny`` model is covered in test_server.py.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from promptlight.server import Settings, create_app
from promptlight.types import Generation, Span

pytestmark = pytest.mark.integration


class StandInModel:
    """Generates " ok"; a prompt starting with "block" waits for ``release``, "fail" raises."""

    path = ""
    spec = "stand-in"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def tokenize(self, text: str, *, add_bos: bool = True):
        return SimpleNamespace(ids=tuple(range(len(text.split()) + int(add_bos))))

    def generate(self, prompt: str, **options) -> Generation:
        self.calls += 1
        if prompt.startswith("fail"):
            raise RuntimeError("the stand-in model exploded")
        if prompt.startswith("block"):
            self.release.wait(30)
        return Generation(
            prompt=prompt, text=" ok", token_ids=(1,), token_spans=(Span(0, 3),), finish_reason="length", model="m"
        )


@pytest.fixture
def start(tmp_path):
    clients: list[TestClient] = []
    models: list[StandInModel] = []

    def make(settings: Settings | None = None, **kwargs) -> tuple[TestClient, StandInModel]:
        model = StandInModel()
        models.append(model)
        kwargs.setdefault("models", {"m": model})
        app = create_app(
            datasets={}, db_path=tmp_path / "db.sqlite", settings=settings or Settings(cache_size=0), **kwargs
        )
        client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        deadline = time.monotonic() + 30
        while client.get("/api/health").json()["models"]["m"]["state"] == "loading" and time.monotonic() < deadline:
            time.sleep(0.02)
        return client, model

    yield make
    for model in models:
        model.release.set()
    for client in clients:
        client.__exit__(None, None, None)


def _wait_for(client: TestClient, predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate(client.get("/api/health").json()["models"]["m"]):
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.01)


def _post_in_thread(client: TestClient, prompt: str, results: dict, key: str) -> threading.Thread:
    def run() -> None:
        results[key] = client.post("/api/generate", json={"prompt": prompt, "max_new_tokens": 1})

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_failing_call_is_a_500_envelope_and_the_server_keeps_serving(start):
    client, _ = start()
    response = client.post("/api/generate", json={"prompt": "fail now"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "model_error"
    assert "exploded" in response.json()["error"]["message"]
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.post("/api/generate", json={"prompt": "fine"}).json()["text"] == " ok"


def test_a_call_that_runs_too_long_is_a_504_and_the_server_keeps_serving(start):
    client, model = start(Settings(cache_size=0, model_timeout=0.3))
    began = time.monotonic()
    response = client.post("/api/generate", json={"prompt": "block please"})
    assert response.status_code == 504 and response.json()["error"]["code"] == "timeout"
    assert "model_timeout" in response.json()["error"]["message"]
    assert time.monotonic() - began < 10
    assert client.get("/api/health").json()["models"]["m"]["busy"] is True  # still finishing it
    model.release.set()
    _wait_for(client, lambda m: not m["busy"])
    assert client.post("/api/generate", json={"prompt": "fine"}).status_code == 200


def test_a_full_queue_answers_429_with_retry_after(start):
    client, model = start(Settings(cache_size=0, queue_size=1))
    results: dict = {}
    running = _post_in_thread(client, "block first", results, "running")
    _wait_for(client, lambda m: m["busy"])
    queued = _post_in_thread(client, "second", results, "queued")
    _wait_for(client, lambda m: m["queued"] == 1)

    response = client.post("/api/generate", json={"prompt": "third"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "busy"
    assert int(response.headers["retry-after"]) >= 1
    assert client.get("/api/health").status_code == 200  # health answers while the model is busy

    model.release.set()
    running.join(30)
    queued.join(30)
    assert results["running"].status_code == 200 and results["queued"].status_code == 200


def test_waiting_too_long_in_the_queue_answers_503_and_the_call_is_dropped(start):
    client, model = start(Settings(cache_size=0, queue_size=2, model_timeout=0.5))
    results: dict = {}
    running = _post_in_thread(client, "block first", results, "running")
    _wait_for(client, lambda m: m["busy"])
    response = client.post("/api/generate", json={"prompt": "second"})
    assert response.status_code == 503 and response.json()["error"]["code"] == "busy"
    assert "retry-after" in response.headers
    running.join(30)
    assert results["running"].status_code == 504
    calls_before = model.calls
    model.release.set()
    _wait_for(client, lambda m: not m["busy"] and m["queued"] == 0)
    assert client.post("/api/generate", json={"prompt": "third"}).status_code == 200
    assert model.calls == calls_before + 1  # "second" was withdrawn, never run


def test_a_model_that_cannot_load_is_reported(start):
    from promptlight.models import ModelLoadError

    def loader(spec: str):
        raise ModelLoadError(f"Unknown model {spec!r}. Use a preset (gemma3-270m, tiny).")

    client, _ = start(models={"m": "no-such-model"}, model_loader=loader)
    status = client.get("/api/health").json()["models"]["m"]
    assert status["state"] == "error" and "Unknown model" in status["error"]
    assert client.get("/api/models").json()[0]["state"] == "error"
    response = client.post("/api/generate", json={"prompt": "hi"})
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "model_error",
        "message": response.json()["error"]["message"],
        "field": "model",
    }
    assert "failed to load" in response.json()["error"]["message"]


def test_concurrent_mixed_requests_are_all_answered(start):
    client, _ = start(Settings(cache_size=100, queue_size=4))
    results: list = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        for j in range(5):
            if (i + j) % 2:
                r = client.post("/api/generate", json={"prompt": f"p{i % 3}"})
            else:
                r = client.post("/api/datapoints", json={"dataset": "load", "prompt": f"{i}-{j}"})
            with lock:
                results.append(r)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 50
    for r in results:
        assert r.status_code in (200, 201, 429, 503), r.text
        if r.status_code in (429, 503):
            assert "retry-after" in r.headers
    created = [r.json()["prompt"] for r in results if r.status_code == 201]
    stored = [d["prompt"] for d in client.get("/api/examples", params={"dataset": "load"}).json()]
    assert sorted(created) == sorted(stored) and len(stored) == len(set(stored)) == 25


class NonFiniteModel(StandInModel):
    """A numerically broken model: its generation reports NaN somewhere in the record."""

    def generate(self, prompt: str, **options):
        gen = super().generate(prompt, **options)

        class Broken:
            def to_dict(self):
                return {**gen.to_dict(), "score": float("nan"), "nested": [float("inf"), 1.0]}

        return Broken()


def test_non_finite_numbers_become_null_not_a_crash(start):
    client, _ = start(Settings(cache_size=10), models={"m": NonFiniteModel()})
    for expected_cached in (False, True):
        response = client.post("/api/generate", json={"prompt": "hello"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["score"] is None and body["nested"] == [None, 1.0] and body["cached"] is expected_cached
