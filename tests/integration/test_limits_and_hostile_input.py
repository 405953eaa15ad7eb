"""The web app in-process under pressure: limits, access, stopping long calls, hostile
input through the API and the CLI, and HEAD on the UI.

Real server processes (load, kill -9) are in test_server_load_and_crash.py; schemathesis in
test_api_fuzzing.py.
"""

from __future__ import annotations

import hmac
import threading
import time

import pytest
from fastapi.testclient import TestClient

from promptlight.server import SETTINGS, Settings, create_app

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_tracebacks_logged")]

TOKEN = "hardening-test-token-0123456789"
J = {"Content-Type": "application/json"}


def _wait_loaded(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while any(m["state"] == "loading" for m in client.get("/api/health").json()["models"].values()):
        assert time.monotonic() < deadline, "the model did not load"
        time.sleep(0.05)


@pytest.fixture
def make_client(tmp_path):
    """``make_client(settings, models=...)`` -> a started in-process client on ``http://localhost``."""
    clients: list[TestClient] = []

    def make(settings: Settings | None = None, *, models=None, token_header: bool = False) -> TestClient:
        settings = settings or Settings()
        app = create_app(
            models=models or {"tiny": "tiny"},
            datasets={"sample_prompts": "sample_prompts"},
            db_path=tmp_path / f"db{len(clients)}.sqlite",
            settings=settings,
        )
        client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        if token_header:
            client.headers["Authorization"] = f"Bearer {settings.token}"
        if not settings.token or token_header:
            _wait_loaded(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def counted_tiny():
    """A private tiny model that counts its forward passes (``lm.forwards``)."""
    from promptlight.models import load_model

    lm = load_model("tiny", reuse=False)
    lm.forwards = 0

    def count(_module, _args):
        lm.forwards += 1

    handle = lm.module.register_forward_pre_hook(count)
    yield lm
    handle.remove()


def _error(response, status: int, code: str, field: str | None = "any") -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field"} and error["code"] == code, error
    if field != "any":
        assert error["field"] == field, error
    return error


def _all_hooks(module) -> int:
    return sum(len(m._forward_pre_hooks) + len(m._forward_hooks) for m in module.modules())


# --- limits -------------------------------------------------------------------------------------


def test_every_limit_is_a_row_of_the_one_settings_table(make_client, monkeypatch):
    limits = {"max_prompt_tokens": 8192, "max_new_tokens": 512, "max_ig_steps": 256, "max_call_memory": 0,
              "max_body_bytes": 1_048_576, "max_batch_tokens": 8192}  # fmt: skip
    table = {s.name: s for s in SETTINGS}
    for name, default in limits.items():
        assert table[name].default == default
    monkeypatch.setenv("PROMPTLIGHT_MAX_IG_STEPS", "7")
    assert Settings.from_env().max_ig_steps == 7
    assert Settings.from_env(max_ig_steps=9).max_ig_steps == 9  # a flag beats the environment
    rows = {r["name"]: r for r in make_client(Settings(max_batch_tokens=100)).get("/api/settings").json()["settings"]}
    assert rows["max_batch_tokens"]["value"] == 100 and rows["max_batch_tokens"]["flag"] == "--max-batch-tokens"
    assert all(rows[name]["default"] == default for name, default in limits.items())


def test_a_prompt_over_the_limit_is_refused_before_any_forward_pass(make_client, counted_tiny):
    client = make_client(Settings(max_prompt_tokens=16, cache_size=0), models={"tiny": counted_tiny})
    long_prompt = "The quick brown fox jumps over the lazy dog. " * 10
    for path, body in (
        ("/api/generate", {"prompt": long_prompt, "max_new_tokens": 4}),
        ("/api/salience", {"prompt": long_prompt}),  # target null: would generate first
        ("/api/salience", {"prompt": long_prompt, "target": " ok", "method": "occlusion", "granularity": "tokens"}),
    ):
        error = _error(client.post(path, json=body), 413, "too_large", "prompt")
        assert "max_prompt_tokens = 16" in error["message"]
    assert counted_tiny.forwards == 0
    assert client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 2}).status_code == 200
    assert counted_tiny.forwards > 0


def test_a_prompt_as_large_as_the_body_limit_answers_quickly(make_client):
    client = make_client()
    prompt = "word " * 200_000  # 1,000,000 bytes: under max_body_bytes, far over max_prompt_tokens
    began = time.monotonic()
    error = _error(client.post("/api/generate", json={"prompt": prompt}), 413, "too_large", "prompt")
    assert "max_prompt_tokens = 8192" in error["message"] and time.monotonic() - began < 30
    too_big = client.post("/api/generate", json={"prompt": prompt * 2})
    assert "max_body_bytes = 1048576" in _error(too_big, 413, "too_large", "body")["message"]


def test_integrated_gradients_steps_are_capped(make_client):
    client = make_client(Settings(max_ig_steps=4))
    body = {"prompt": "Hello there", "target": " friend", "method": "integrated_gradients", "options": {"steps": 5}}
    error = _error(client.post("/api/salience", json=body), 422, "invalid_request", "options.steps")
    assert "max_ig_steps = 4" in error["message"]
    body["options"]["steps"] = 4
    assert client.post("/api/salience", json=body).status_code == 200


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion"])
def test_batch_size_times_tokens_is_capped(make_client, method):
    """A batch_size the caller picks cannot make one call allocate without bound."""
    client = make_client(Settings(max_batch_tokens=64, max_ig_steps=64))
    options = {"batch_size": 32, **({"steps": 32} if method == "integrated_gradients" else {})}
    body = {"prompt": "Menu: quiche, soup, salad.", "target": " soup", "method": method, "options": options}
    error = _error(client.post("/api/salience", json=body), 422, "invalid_request", "options.batch_size")
    assert "max_batch_tokens = 64" in error["message"] and "batch_size <=" in error["message"]
    body["options"]["batch_size"] = 2
    assert client.post("/api/salience", json=body).status_code == 200, "a batch that fits is accepted"
    del body["options"]["batch_size"]
    assert client.post("/api/salience", json=body).status_code == 200, "the method's own sizing is always accepted"


def test_a_call_past_model_timeout_is_stopped_and_the_model_serves_again(make_client, counted_tiny):
    """Occlusion at token level over ~600 tokens runs ~a minute on tiny; model_timeout stops it at once.

    This is also why there is no separate cap on the number of occluded segments: the cost
    (one forward pass of the suffix per segment) is bounded in time by model_timeout, and in
    memory by the batch size.
    """
    client = make_client(Settings(model_timeout=1.0, cache_size=0), models={"tiny": counted_tiny})
    hooks_before = _all_hooks(counted_tiny.module)
    grads_before = [p.requires_grad for p in counted_tiny.module.parameters()]
    prompt = "The quick brown fox jumps over the lazy dog. " * 60
    body = {"prompt": prompt, "target": " ok", "method": "occlusion", "granularity": "tokens",
            "options": {"batch_size": 1}}  # fmt: skip
    began = time.monotonic()
    response = client.post("/api/salience", json=body)
    error = _error(response, 504, "timeout")
    assert "model_timeout" in error["message"]
    deadline = time.monotonic() + 15
    while client.get("/api/health").json()["models"]["tiny"]["busy"]:
        assert time.monotonic() < deadline, "the abandoned call kept the model busy"
        time.sleep(0.05)
    assert time.monotonic() - began < 20  # far less than the full run
    assert _all_hooks(counted_tiny.module) == hooks_before  # the stop hooks are gone
    assert [p.requires_grad for p in counted_tiny.module.parameters()] == grads_before  # and frozen() undone
    assert client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 2}).status_code == 200
    long_generation = client.post("/api/generate", json={"prompt": prompt, "max_new_tokens": 512})
    assert long_generation.status_code in (200, 504)  # either way the worker is free right after
    assert client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 2}).status_code == 200


def test_a_notebook_sharing_the_weights_waits_and_is_not_stopped(make_client, counted_tiny):
    """A call from another thread (a notebook on the same weights) waits for the worker's call,
    which is stopped at model_timeout, and then runs to the end: the stop hooks are gone by then,
    and they act only in the worker's own thread anyway."""
    client = make_client(Settings(model_timeout=0.5, cache_size=0), models={"tiny": counted_tiny})
    prompt = "The quick brown fox jumps over the lazy dog. " * 30
    results: dict = {}

    def notebook_call() -> None:
        time.sleep(0.2)
        results["gen"] = counted_tiny.generate("Hello", max_new_tokens=3)

    thread = threading.Thread(target=notebook_call)
    thread.start()
    response = client.post("/api/generate", json={"prompt": prompt, "max_new_tokens": 512})
    thread.join(60)
    assert response.status_code in (200, 504)
    assert len(results["gen"].token_ids) >= 1


# --- access ---------------------------------------------------------------------------------------


def test_the_token_is_compared_in_constant_time(make_client, monkeypatch):
    from promptlight.server import guard

    seen: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def recording(a, b):
        seen.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(guard.hmac, "compare_digest", recording)
    client = make_client(Settings(token=TOKEN, port=6100))
    assert client.get("/api/health", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert (b"guess", TOKEN.encode()) in seen
    seen.clear()
    assert client.get("/api/health", headers={"Cookie": f"{guard.cookie_name(6100)}=forged"}).status_code == 401
    assert seen and all(b"forged" in pair for pair in seen)
    seen.clear()
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert (b"wrong", TOKEN.encode()) in seen


def test_the_ui_its_files_and_head_need_the_token(make_client):
    client = make_client(Settings(token=TOKEN))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/", "/app.js", "/favicon.svg", "/docs"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=auth).status_code == 200, path
    assert client.head("/").status_code == 401
    assert client.head("/", headers=auth).status_code == 200


def test_head_on_the_ui_answers_like_get_without_a_body(make_client):
    client = make_client()
    head, get = client.head("/"), client.get("/")
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""
    assert client.head("/app.js").status_code == 200


@pytest.mark.parametrize("token", ["", TOKEN])
def test_no_wildcard_cors_on_any_answer(make_client, token):
    client = make_client(Settings(token=token), token_header=bool(token))
    evil = {"Origin": "https://evil.example"}
    answers = [
        client.get("/api/health", headers=evil),
        client.get("/api/examples", headers=evil),
        client.get("/", headers=evil),
        client.post("/api/datapoints", json={"prompt": "x"}, headers=evil),
        client.options("/api/datapoints", headers={**evil, "Access-Control-Request-Method": "POST"}),
        client.options("/api/generate", headers={**evil, "Access-Control-Request-Method": "POST",
                                                 "Access-Control-Request-Headers": "content-type"}),
    ]  # fmt: skip
    for response in answers:
        assert response.headers.get("access-control-allow-origin") in (None, "https://evil.example")
        assert response.headers.get("access-control-allow-origin") != "*"
        assert "access-control-allow-credentials" not in response.headers
    if not token:
        assert all("access-control-allow-origin" not in r.headers for r in answers)


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/datapoints"), ("PUT", "/api/datapoints/u:1"), ("DELETE", "/api/datapoints/u:1"),
                         ("POST", "/api/generate"), ("POST", "/api/salience")]
)  # fmt: skip
def test_cross_site_state_changing_requests_are_refused(make_client, method, path):
    client = make_client()
    client.post("/api/datapoints", json={"prompt": "mine"})
    body = {"prompt": "changed"} if method != "DELETE" else None
    for origin in ("https://evil.example", "null", "http://localhost:1"):
        response = client.request(method, path, json=body, headers={"Origin": origin})
        _error(response, 403, "forbidden")
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):  # what an HTML form can send
        body_bytes = b'{"prompt": "changed"}'
        response = client.request(method, path, content=body_bytes, headers={"Content-Type": content_type})
        assert response.status_code == 415 or (method == "DELETE" and response.status_code in (204, 415)), response.text
    if method != "DELETE":
        assert client.get("/api/datapoints/u:1").json()["prompt"] == "mine"


# --- hostile input through the API ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "code", "needle"),
    [
        (b'{"prompt": "caf\xe9"}', 400, "invalid_request", "utf-8 decoding failed"),
        (b"\xff\xfe\x00{", 400, "invalid_request", "not valid"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 400, "invalid_request", "not valid"),
        (b"", 422, "invalid_request", "JSON object"),
        (b"[" * 100_000, 400, "invalid_request", "JSON"),
        (b'{"prompt": "x"', 400, "invalid_request", "not valid JSON"),
        (b'"just a string"', 422, "invalid_request", "JSON object"),
    ],
)
def test_unreadable_bodies_get_clear_4xx(make_client, content, status, code, needle):
    client = make_client()
    for path in ("/api/datapoints", "/api/generate", "/api/salience"):
        error = _error(client.post(path, content=content, headers=J), status, code, "body")
        assert needle.lower() in error["message"].lower(), error


def test_binary_content_types_are_refused(make_client):
    client = make_client()
    for content_type in ("application/octet-stream", "image/png", "multipart/form-data; boundary=x"):
        response = client.post("/api/datapoints", content=b"\x00\x01\x02", headers={"Content-Type": content_type})
        _error(response, 415, "unsupported_media_type", "body")


def test_empty_and_whitespace_prompts(make_client):
    client = make_client()
    for path in ("/api/generate", "/api/salience", "/api/datapoints"):
        _error(client.post(path, json={"prompt": ""}), 422, "invalid_request", "prompt")
    assert client.post("/api/generate", json={"prompt": "   ", "max_new_tokens": 2}).status_code == 200
    _error(client.post("/api/salience", json={"prompt": "Hi", "target": ""}), 422, "invalid_request", "target")


def test_a_tiny_temperature_is_accepted_and_samples_the_argmax(make_client):
    client = make_client()
    greedy = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 4}).json()
    for temperature in (3e-195, 5e-324, 0.001):
        response = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 4,
                                                      "temperature": temperature, "seed": 3})  # fmt: skip
        assert response.status_code == 200, response.text
        if temperature < 1e-100:
            assert response.json()["text"] == greedy["text"]


def test_a_catastrophic_regex_answers_422_and_the_worker_keeps_serving(make_client, monkeypatch):
    from promptlight import segments

    monkeypatch.setattr(segments, "REGEX_TIMEOUT", 0.3)
    client = make_client(Settings(cache_size=0))
    began = time.monotonic()
    body = {"prompt": "a" * 60 + "b", "target": " x", "method": "occlusion", "granularity": "regex:(a|aa)+$"}
    error = _error(client.post("/api/salience", json=body), 422, "invalid_request", "granularity")
    assert "took longer than 0.3 s" in error["message"] and time.monotonic() - began < 15
    body["method"] = "grad_l2"  # gradient methods compute the custom segments too
    _error(client.post("/api/salience", json=body), 422, "invalid_request", "granularity")
    assert client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 2}).status_code == 200


# --- hostile input through the CLI --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "is not valid UTF-8 (bad byte at offset 0)"),
        (b"caf\xe9 au lait", "is not valid UTF-8 (bad byte at offset 3)"),
    ],
)
@pytest.mark.parametrize("command", ["generate", "explain"])
def test_cli_prompt_file_that_is_not_text_is_one_clear_line(tmp_path, capsys, content, needle, command):
    from promptlight.cli import main

    path = tmp_path / "prompt.bin"
    path.write_bytes(content)
    assert main([command, "--model", "tiny", "--prompt-file", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("promptlight: error: Prompt file") and needle in err and "Traceback" not in err
    assert main([command, "--model", "tiny", "--prompt-file", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_cli_binary_dataset_is_one_clear_line(tmp_path, capsys):
    from promptlight.cli import main

    for name in ("rows.jsonl", "rows.csv", "rows.txt"):
        path = tmp_path / name
        path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00")
        assert main(["generate", "--model", "tiny", "--dataset", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("promptlight: error:") and str(path) in err and "Traceback" not in err


def test_shutdown_stops_a_running_call_and_answers_503(tiny):
    """Stopping the server mid-call (Ctrl-C) stops the model call at its next layer instead of
    waiting for it to finish, and the waiting request gets a 503 envelope, not a hang."""
    import asyncio

    from promptlight.pipeline import explain
    from promptlight.server.errors import ApiError
    from promptlight.server.workers import ModelWorker

    worker = ModelWorker("tiny", "tiny", queue_size=2, loader=lambda _spec: tiny)
    worker.start()
    assert worker.wait_loaded(60)
    prompt = "The quick brown fox jumps over the lazy dog. " * 60
    hooks_before = _all_hooks(tiny.module)

    def long_call(lm):  # token-level occlusion over ~600 tokens: about a minute on tiny
        return explain(lm, prompt, target=" ok", method="occlusion", granularity="tokens", batch_size=1)

    async def scenario():
        task = asyncio.create_task(worker.call(long_call, timeout=300))
        while not worker.status()["busy"]:
            await asyncio.sleep(0.02)
        began = time.monotonic()
        await asyncio.to_thread(worker.stop, 30)
        with pytest.raises(ApiError) as info:
            await task
        return info.value, time.monotonic() - began

    # In a thread of its own: Playwright's sync API keeps an event loop running in this thread
    # when the browser tests ran earlier in the same session.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        error, elapsed = pool.submit(lambda: asyncio.run(scenario())).result()
    assert error.status == 503 and "shutting down" in str(error.message)
    assert elapsed < 10  # stopped, not run to the end
    assert not worker._thread.is_alive()
    assert _all_hooks(tiny.module) == hooks_before
    assert all(p.requires_grad for p in tiny.module.parameters())
