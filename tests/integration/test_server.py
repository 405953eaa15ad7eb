"""The HTTP API in-process (FastAPI TestClient over httpx), on the real ``tiny`` model and a real SQLite file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from promptlight.server import Settings, create_app

pytestmark = pytest.mark.integration


def wait_loaded(client: TestClient, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        models = client.get("/api/health").json()["models"]
        if all(m["state"] != "loading" for m in models.values()) or time.monotonic() > deadline:
            return models
        time.sleep(0.05)


@pytest.fixture
def make_client(tmp_path):
    """``make_client(**create_app_kwargs)`` -> a started TestClient; all are closed at the end."""
    clients: list[TestClient] = []

    def make(*, wait: bool = True, **kwargs) -> TestClient:
        kwargs.setdefault("models", {"tiny": "tiny"})
        kwargs.setdefault("datasets", {"sample_prompts": "sample_prompts"})
        kwargs.setdefault("db_path", tmp_path / "promptlight.db")
        kwargs.setdefault("settings", Settings())
        client = TestClient(create_app(**kwargs), base_url="http://localhost", raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        if kwargs["settings"].token:
            client.headers["Authorization"] = f"Bearer {kwargs['settings'].token}"
        if wait:
            wait_loaded(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


def assert_envelope(response, status: int, code: str, field: str | None = "any") -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "field"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and len(error["message"]) > 10, error
    if field != "any":
        assert error["field"] == field, error
    return error


# --- happy paths of every route ---------------------------------------------------------------


def test_health_reports_each_model(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["version"]
    assert body["models"] == {"tiny": {"state": "loaded", "loaded": True, "busy": False, "queued": 0, "error": None}}


def test_settings_lists_the_table_and_hides_the_token(make_client):
    from promptlight.server.settings import SETTINGS

    client = make_client(settings=Settings(token="s3cret-value", max_new_tokens=100))
    response = client.get("/api/settings")
    rows = {row["name"]: row for row in response.json()["settings"]}
    assert list(rows) == [s.name for s in SETTINGS]
    assert rows["max_new_tokens"]["value"] == 100 and rows["max_new_tokens"]["default"] == 512
    assert rows["max_new_tokens"]["env"] == "PROMPTLIGHT_MAX_NEW_TOKENS"
    assert rows["max_new_tokens"]["flag"] == "--max-new-tokens"
    assert rows["token"]["value"] == "set" and rows["token"]["default"] == "unset"
    assert "s3cret-value" not in response.text


def test_methods_granularities_models(client):
    methods = client.get("/api/methods").json()
    assert {m["name"] for m in methods} == {
        "grad_l2", "grad_dot_input", "integrated_gradients", "occlusion", "kernel_shap", "lime", "context_cite"
    }  # fmt: skip
    assert all({"signed", "cost", "reference", "description"} <= set(m) for m in methods)
    assert client.get("/api/granularities").json() == ["tokens", "words", "sentences", "lines", "paragraphs"]
    assert client.get("/api/models").json() == [
        {
            "name": "tiny",
            "spec": "tiny",
            "state": "loaded",
            "error": None,
            "device": "cpu",
            "dtype": "float32",
            "parameters": 107136,
            "architecture": "Gemma3ForCausalLM",
            "chat_template": False,
        }
    ]


def test_datasets_and_examples(client):
    (ds,) = client.get("/api/datasets").json()
    assert ds["name"] == "sample_prompts" and ds["spec"] == "sample_prompts"
    assert ds["count"] >= 3 and ds["user_count"] == 0
    rows = client.get("/api/examples").json()
    assert len(rows) == ds["count"]
    assert rows[0]["id"] == "sample_prompts:0" and rows[0]["origin"] == "dataset"
    assert set(rows[0]) == {"id", "dataset", "prompt", "target", "source", "fields", "origin", "created", "updated"}
    sources = {r["source"] for r in rows}
    assert {"fewshot-mistake", "fewshot-constitution"} <= sources


def test_examples_search_covers_prompt_target_and_source(client):
    client.post("/api/datapoints", json={"dataset": "sample_prompts", "prompt": "A QUICHE question", "source": "mine"})
    hits = client.get("/api/examples", params={"q": "quiche"}).json()
    assert hits and all("quiche" in (r["prompt"] + r["target"] + r["source"]).lower() for r in hits)
    assert any(r["origin"] == "user" for r in hits) and any(r["origin"] == "dataset" for r in hits)
    by_source = client.get("/api/examples", params={"q": "FEWSHOT-MISTAKE"}).json()
    assert [r["source"] for r in by_source] == ["fewshot-mistake"]
    assert client.get("/api/examples", params={"q": "no such text anywhere 8271"}).json() == []


def test_examples_paging_and_dataset_filter(client):
    client.post("/api/datapoints", json={"dataset": "mine", "prompt": "one"})
    client.post("/api/datapoints", json={"dataset": "mine", "prompt": "two"})
    response = client.get("/api/examples", params={"dataset": "mine", "limit": 1, "offset": 1})
    assert response.headers["x-total-count"] == "2"
    assert [r["prompt"] for r in response.json()] == ["two"]
    names = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert names["mine"] == {
        "name": "mine",
        "spec": None,
        "description": "Your datapoints",
        "count": 0,
        "user_count": 2,
    }


def test_datapoint_crud(client):
    created = client.post(
        "/api/datapoints", json={"dataset": "scratch", "prompt": "Hi", "target": " there", "fields": {"note": 1}}
    )
    assert created.status_code == 201
    dp = created.json()
    assert dp["id"].startswith("u:") and dp["origin"] == "user" and dp["fields"] == {"note": 1}
    assert client.get(f"/api/datapoints/{dp['id']}").json() == dp

    edited = client.put(f"/api/datapoints/{dp['id']}", json={"target": " you", "source": None})
    assert edited.status_code == 200
    assert edited.json()["target"] == " you" and edited.json()["prompt"] == "Hi" and edited.json()["source"] == ""
    assert edited.json()["updated"] >= dp["updated"] and edited.json()["created"] == dp["created"]
    assert client.put(f"/api/datapoints/{dp['id']}", json={}).json()["target"] == " you"

    assert client.delete(f"/api/datapoints/{dp['id']}").status_code == 204
    assert_envelope(client.get(f"/api/datapoints/{dp['id']}"), 404, "not_found", "id")


def test_datapoint_defaults(client):
    dp = client.post("/api/datapoints", json={"prompt": "only a prompt"}).json()
    assert (dp["dataset"], dp["target"], dp["source"], dp["fields"]) == ("scratch", "", "", {})


def test_editing_a_dataset_row_creates_a_user_copy(client):
    row = client.get("/api/datapoints/sample_prompts:0").json()
    response = client.put("/api/datapoints/sample_prompts:0", json={"prompt": row["prompt"] + " (edited)"})
    assert response.status_code == 201
    copy = response.json()
    assert copy["origin"] == "user" and copy["id"].startswith("u:")
    assert copy["prompt"].endswith("(edited)") and copy["target"] == row["target"] and copy["dataset"] == row["dataset"]
    assert copy["fields"]["duplicate_of"] == "sample_prompts:0"
    assert client.get("/api/datapoints/sample_prompts:0").json() == row  # the dataset row is unchanged


def test_datapoints_survive_a_restart(make_client, tmp_path):
    db = tmp_path / "shared.db"
    first = make_client(db_path=db)
    dp = first.post("/api/datapoints", json={"dataset": "keep", "prompt": "survive me", "fields": {"x": [1, 2]}}).json()
    first.__exit__(None, None, None)
    second = make_client(db_path=db)
    assert second.get(f"/api/datapoints/{dp['id']}").json() == dp
    assert [r["id"] for r in second.get("/api/examples", params={"dataset": "keep"}).json()] == [dp["id"]]


def test_generate_and_its_cache(client):
    body = {"prompt": "The quick brown fox", "max_new_tokens": 6}
    first = client.post("/api/generate", json=body)
    assert first.status_code == 200, first.text
    gen = first.json()
    assert gen["cached"] is False and gen["model"] == "tiny" and gen["prompt"] == body["prompt"]
    assert gen["finish_reason"] in ("eos", "length", "stop") and len(gen["tokens"]) <= 6
    assert "".join(t["text"] for t in gen["tokens"]) == gen["text"]
    second = client.post("/api/generate", json=body).json()
    assert second["cached"] is True
    assert {**second, "cached": False} == gen
    # Greedy decoding ignores the sampling knobs, so they share the cache entry.
    assert client.post("/api/generate", json={**body, "seed": 7, "top_k": 3}).json()["cached"] is True
    assert client.post("/api/generate", json={**body, "prompt": "The quick brown dog"}).json()["cached"] is False


def test_sampling_without_a_seed_is_not_cached(client):
    body = {"prompt": "Hello", "max_new_tokens": 3, "temperature": 1.0, "seed": None}
    assert client.post("/api/generate", json=body).json()["cached"] is False
    assert client.post("/api/generate", json=body).json()["cached"] is False
    seeded = {**body, "seed": 3}
    assert client.post("/api/generate", json=seeded).json()["cached"] is False
    assert client.post("/api/generate", json=seeded).json()["cached"] is True


def test_cache_can_be_turned_off(make_client):
    client = make_client(settings=Settings(cache_size=0))
    body = {"prompt": "Hello", "max_new_tokens": 2}
    assert client.post("/api/generate", json=body).json()["cached"] is False
    assert client.post("/api/generate", json=body).json()["cached"] is False


def test_cached_only_answers_from_the_cache_or_not_at_all(client):
    """What a page opened from a link asks first: never a model call, a 404 not_cached on a miss."""
    salience = {"prompt": "Dislikes: eggs.\nDish: quiche.", "target": " Avoid it.", "method": "grad_l2"}
    generation = {"prompt": "The quick brown fox", "max_new_tokens": 4}
    for route, body in (("/api/salience", salience), ("/api/generate", generation)):
        miss = client.post(f"{route}?cached_only=true", json=body)
        error = assert_envelope(miss, 404, "not_cached")
        assert "without cached_only" in error["message"]
        assert client.post(route, json=body).json()["cached"] is False  # so the miss computed nothing
        hit = client.post(f"{route}?cached_only=true", json=body)
        assert hit.status_code == 200 and hit.json()["cached"] is True
        assert {**hit.json(), "cached": False} == {**client.post(route, json=body).json(), "cached": False}
    # Sampling without a seed is never cached, so never answered cached-only.
    sampled = {**generation, "temperature": 1.0, "seed": None}
    error = assert_envelope(client.post("/api/generate?cached_only=true", json=sampled), 404, "not_cached")
    assert "not deterministic" in error["message"]
    # Bad input is still a 422 naming its field, not a miss.
    assert_envelope(client.post("/api/salience?cached_only=true", json={**salience, "method": "nope"}), 422, "invalid_request", "method")


def test_generate_defaults_to_the_first_model_and_honours_stop(client):
    gen = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 20}).json()
    assert gen["model"] == "tiny"
    if len(gen["text"]) > 2:
        stop = gen["text"][1:3]
        stopped = client.post("/api/generate", json={"prompt": "Hello", "max_new_tokens": 20, "stop": [stop]}).json()
        assert stopped["finish_reason"] == "stop" and stop not in stopped["text"]


@pytest.mark.parametrize("method", ["grad_l2", "grad_dot_input", "integrated_gradients", "occlusion"])
def test_salience_returns_the_result_record(client, method):
    prompt = "Taste-dislikes: eggs.\nSuggestion: quiche.\n"
    target = "Recommendation: Avoid it."
    options = {"steps": 8} if method == "integrated_gradients" else {}
    body = {
        "prompt": prompt,
        "target": target,
        "target_span": [0, 15],
        "method": method,
        "granularity": "lines",
        "options": options,
    }
    response = client.post("/api/salience", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["cached"] is False
    assert result["schema_version"] == 2 and result["model"] == "tiny" and result["method"] == method
    assert result["text"] == prompt + target
    assert result["prompt_span"] == [0, len(prompt)] and result["selected_span"] == [len(prompt), len(prompt) + 15]
    assert set(result["boundaries"]) >= {"tokens", "words", "sentences", "lines", "paragraphs"}
    assert method in result["methods"]
    first = result["target_token_span"][0]
    if result["methods"][method]["level"] == "tokens":
        assert all(t["scores"][method] is not None for t in result["tokens"][:first])
        assert all(t["scores"][method] is None for t in result["tokens"][first:])
    else:
        assert result["segment_scores"][method]["granularity"] == "lines"

    again = client.post("/api/salience", json=body).json()
    assert again["cached"] is True and {**again, "cached": False} == result

    from promptlight.result import SalienceResult

    record = {k: v for k, v in result.items() if k != "cached"}
    assert SalienceResult.from_dict(record).to_dict() == record


@pytest.mark.parametrize("method", ["occlusion", "kernel_shap"])
def test_a_new_selection_is_answered_from_the_cached_run_without_a_model_call(client, method):
    from promptlight.reselect import reselect
    from promptlight.result import SalienceResult

    prompt = "Taste-dislikes: eggs.\nSuggestion: quiche.\n"
    target = "Recommendation: Avoid it. It has eggs."
    body = {"prompt": prompt, "target": target, "method": method, "granularity": "words"}
    whole = client.post("/api/salience", json=body)
    assert whole.status_code == 200 and "X-Promptlight-Call" in whole.headers
    span = [0, 15]
    answered = client.post("/api/salience", json={**body, "target_span": span, "answer_from": [0, len(target)]})
    assert answered.status_code == 200, answered.text
    assert "X-Promptlight-Call" not in answered.headers  # no call was queued on the model's worker
    record = answered.json()
    assert record["cached"] is False and record["methods"][method]["from_record"]["held_fixed"] == 0
    parent = SalienceResult.from_dict({k: v for k, v in whole.json().items() if k != "cached"})
    assert {k: v for k, v in record.items() if k != "cached"} == reselect(parent, target_span=(0, 15)).to_dict()
    fresh = client.post("/api/salience", json={**body, "target_span": span, "options": {"batch_size": 4}}).json()
    assert record["segment_scores"][method]["values"] == pytest.approx(
        fresh["segment_scores"][method]["values"], abs=1e-4
    )
    # The answer is cached under its own request: a plain request for the same selection hits it.
    assert client.post("/api/salience", json={**body, "target_span": span}).json()["cached"] is True


def test_answer_from_says_what_it_cannot_answer(client):
    body = {"prompt": "Taste: eggs.\n", "target": "Avoid it.", "method": "occlusion", "target_span": [0, 5]}
    missing = client.post("/api/salience", json={**body, "answer_from": [0, 9]})
    assert_envelope(missing, 404, "not_cached", field=None)
    assert "without answer_from" in missing.json()["error"]["message"]
    assert client.post("/api/salience", json={**body, "target_span": [6, 9]}).status_code == 200
    before = client.post("/api/salience", json={**body, "answer_from": [6, 9]})
    assert_envelope(before, 422, "invalid_request", field="target_span")
    checked = client.post("/api/salience", json={**body, "check": True, "answer_from": [6, 9]})
    assert_envelope(checked, 422, "invalid_request", field="answer_from")
    client.post("/api/salience", json={**body, "method": "grad_l2", "target_span": [0, 9]})
    gradient = client.post("/api/salience", json={**body, "method": "grad_l2", "answer_from": [0, 9]})
    assert_envelope(gradient, 422, "invalid_request", field="method")


def test_salience_without_a_target_generates_one(client):
    result = client.post("/api/salience", json={"prompt": "The quick brown fox"}).json()
    assert result["text"].startswith("The quick brown fox") and result["target_span"][1] > result["target_span"][0]


def test_openapi_and_docs_load(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/health",
        "/api/settings",
        "/api/methods",
        "/api/granularities",
        "/api/models",
        "/api/datasets",
        "/api/examples",
        "/api/datapoints",
        "/api/datapoints/{datapoint_id}",
        "/api/generate",
        "/api/salience",
    ):
        assert path in spec["paths"], path
    assert "ErrorOut" in spec["components"]["schemas"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_root_serves_the_ui_or_a_helpful_page(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_envelope(client.get("/no-such-file.js"), 404, "not_found")


def test_missing_bundle_gives_a_helpful_page(make_client, tmp_path, monkeypatch):
    import promptlight.server.app as app_module

    monkeypatch.setattr(app_module, "STATIC_DIR", tmp_path / "no-bundle")
    page = make_client(wait=False).get("/").text
    assert "bundle is missing" in page and "/docs" in page and "npm run build" in page


def test_built_bundle_is_served(make_client, tmp_path, monkeypatch):
    import promptlight.server.app as app_module

    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><title>UI</title><script src='/assets/app.js'></script>")
    (static / "assets" / "app.js").write_text("console.log('hi')")
    monkeypatch.setattr(app_module, "STATIC_DIR", static)
    client = make_client(wait=False)
    assert "<title>UI</title>" in client.get("/").text
    asset = client.get("/assets/app.js")
    assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
    assert_envelope(client.get("/assets/../../etc/passwd"), 404, "not_found")


# --- every error path answers with the one envelope --------------------------------------------

J = "application/json"
ERROR_CASES = [
    # (method, path, request kwargs, status, code, field)
    ("GET", "/api/nope", {}, 404, "not_found", None),
    ("GET", "/nope/deeper", {}, 404, "not_found", None),
    ("DELETE", "/api/health", {}, 405, "method_not_allowed", None),
    ("POST", "/api/methods", {"json": {}}, 405, "method_not_allowed", None),
    ("POST", "/api/models", {"json": {}}, 422, "invalid_request", "file"),
    (
        "POST",
        "/api/generate",
        {"content": b"{not json", "headers": {"content-type": J}},
        400,
        "invalid_request",
        "body",
    ),
    ("POST", "/api/generate", {"content": b"", "headers": {"content-type": J}}, 422, "invalid_request", "body"),
    ("POST", "/api/generate", {"json": ["a list"]}, 422, "invalid_request", "body"),
    (
        "POST",
        "/api/generate",
        {"content": b"hello", "headers": {"content-type": "text/plain"}},
        415,
        "unsupported_media_type",
        "body",
    ),
    ("POST", "/api/generate", {"json": {}}, 422, "invalid_request", "prompt"),
    ("POST", "/api/generate", {"json": {"prompt": ""}}, 422, "invalid_request", "prompt"),
    ("POST", "/api/generate", {"json": {"prompt": 5}}, 422, "invalid_request", "prompt"),
    (
        "POST",
        "/api/generate",
        {"content": b'{"prompt": "\\ud800"}', "headers": {"content-type": J}},
        422,
        "invalid_request",
        "prompt",
    ),
    ("POST", "/api/generate", {"json": {"prompt": "x", "model": "nope"}}, 422, "invalid_request", "model"),
    ("POST", "/api/generate", {"json": {"prompt": "x", "max_new_tokens": 0}}, 422, "invalid_request", "max_new_tokens"),
    (
        "POST",
        "/api/generate",
        {"json": {"prompt": "x", "max_new_tokens": 100000}},
        422,
        "invalid_request",
        "max_new_tokens",
    ),
    ("POST", "/api/generate", {"json": {"prompt": "x", "temperature": -1}}, 422, "invalid_request", "temperature"),
    ("POST", "/api/generate", {"json": {"prompt": "x", "top_p": 0}}, 422, "invalid_request", "top_p"),
    ("POST", "/api/generate", {"json": {"prompt": "x", "top_k": -2}}, 422, "invalid_request", "top_k"),
    ("POST", "/api/generate", {"json": {"prompt": "x", "stop": [""]}}, 422, "invalid_request", "stop.0"),
    ("POST", "/api/generate", {"json": {"prompt": "x", "max_tokens": 5}}, 422, "invalid_request", "max_tokens"),
    ("POST", "/api/salience", {"json": {"prompt": "x", "method": "ig"}}, 422, "invalid_request", "method"),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "granularity": "chapters"}},
        422,
        "invalid_request",
        "granularity",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "granularity": "regex:("}},
        422,
        "invalid_request",
        "granularity",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "ab", "target_span": [0, 5]}},
        422,
        "invalid_request",
        "target_span",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "ab", "target_span": [1, 1]}},
        422,
        "invalid_request",
        "target_span",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "ab", "target_span": [0, 1, 2]}},
        422,
        "invalid_request",
        "target_span",
    ),
    ("POST", "/api/salience", {"json": {"prompt": "x", "target": ""}}, 422, "invalid_request", "target"),
    ("POST", "/api/salience", {"json": {"prompt": "", "target": "a"}}, 422, "invalid_request", "prompt"),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "a", "model": "nope"}},
        422,
        "invalid_request",
        "model",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "a", "options": {"steps": 4}}},
        422,
        "invalid_request",
        "options.steps",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "x", "target": "a", "method": "integrated_gradients", "options": {"steps": 100000}}},
        422,
        "invalid_request",
        "options.steps",
    ),
    (
        "POST",
        "/api/salience",
        {
            "json": {
                "prompt": "Hello",
                "target": " there",
                "method": "integrated_gradients",
                "options": {"baseline": "moon"},
            }
        },
        422,
        "invalid_request",
        "options.baseline",
    ),
    (
        "POST",
        "/api/salience",
        {"json": {"prompt": "Hello", "target": " there", "target_span": [0, 1]}},
        422,
        "invalid_request",
        "target_span",
    ),
    ("GET", "/api/datapoints/nope", {}, 404, "not_found", "id"),
    ("GET", "/api/datapoints/u:999", {}, 404, "not_found", "id"),
    ("GET", "/api/datapoints/u:abc", {}, 404, "not_found", "id"),
    ("GET", "/api/datapoints/sample_prompts:9999", {}, 404, "not_found", "id"),
    ("GET", "/api/datapoints/other:0", {}, 404, "not_found", "id"),
    ("PUT", "/api/datapoints/u:999", {"json": {"prompt": "x"}}, 404, "not_found", "id"),
    ("PUT", "/api/datapoints/u:1", {"json": {"prompt": ""}}, 422, "invalid_request", "prompt"),
    ("DELETE", "/api/datapoints/u:999", {}, 404, "not_found", "id"),
    ("DELETE", "/api/datapoints/sample_prompts:0", {}, 409, "read_only", "id"),
    ("POST", "/api/datapoints", {"json": {"dataset": "a:b", "prompt": "x"}}, 422, "invalid_request", "dataset"),
    ("POST", "/api/datapoints", {"json": {"prompt": "x", "fields": [1, 2]}}, 422, "invalid_request", "fields"),
    ("POST", "/api/datapoints", {"json": {"prompt": "x", "id": "u:5"}}, 422, "invalid_request", "id"),
    ("GET", "/api/examples?dataset=nope", {}, 404, "not_found", "dataset"),
    ("GET", "/api/examples?limit=0", {}, 422, "invalid_request", "limit"),
    ("GET", "/api/examples?offset=-1", {}, 422, "invalid_request", "offset"),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code", "field"),
    ERROR_CASES,
    ids=[f"{c[0]} {c[1]} {c[3]}" for c in ERROR_CASES],
)
def test_error_envelope(client, method, path, kwargs, status, code, field):
    assert_envelope(client.request(method, path, **kwargs), status, code, field)


def test_unknown_names_list_the_valid_ones(client):
    error = client.post("/api/salience", json={"prompt": "x", "method": "ig"}).json()["error"]
    assert "grad_l2" in error["message"] and "occlusion" in error["message"]
    error = client.post("/api/generate", json={"prompt": "x", "model": "gpt"}).json()["error"]
    assert "tiny" in error["message"]
    error = client.get("/api/examples", params={"dataset": "nope"}).json()["error"]
    assert "sample_prompts" in error["message"]


def test_token_limits_name_the_limit(make_client):
    client = make_client(settings=Settings(max_prompt_tokens=5, max_new_tokens=4))
    long_prompt = "The quick brown fox jumps over the lazy dog. " * 3
    error = assert_envelope(
        client.post("/api/generate", json={"prompt": long_prompt, "max_new_tokens": 2}), 413, "too_large", "prompt"
    )
    assert "max_prompt_tokens = 5" in error["message"]
    error = assert_envelope(
        client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 5}),
        422,
        "invalid_request",
        "max_new_tokens",
    )
    assert "max_new_tokens = 4" in error["message"]
    error = assert_envelope(
        client.post("/api/salience", json={"prompt": "Hi", "target": long_prompt}), 413, "too_large", "target"
    )
    assert "max_new_tokens = 4" in error["message"]


def test_body_size_limit(make_client):
    client = make_client(settings=Settings(max_body_bytes=2048), wait=False)
    error = assert_envelope(client.post("/api/datapoints", json={"prompt": "x" * 5000}), 413, "too_large", "body")
    assert "2048" in error["message"]

    def chunks():  # no Content-Length: the limit applies while reading
        yield b'{"prompt": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    assert_envelope(
        client.post("/api/datapoints", content=chunks(), headers={"content-type": J}), 413, "too_large", "body"
    )
    assert client.get("/api/examples", params={"dataset": "scratch"}).status_code == 404  # nothing was stored


def test_no_500_for_a_prompt_of_odd_characters(client):
    for prompt in ["\x00\x01\x02", "🙂" * 20, "<script>alert(1)</script>", "\u202e\u0301", " "]:
        response = client.post("/api/generate", json={"prompt": prompt, "max_new_tokens": 2})
        assert response.status_code < 500, (prompt, response.text)
        response = client.post("/api/salience", json={"prompt": prompt, "target": " ok"})
        assert response.status_code < 500, (prompt, response.text)


def test_create_app_refuses_bad_wiring(tmp_path):
    with pytest.raises(ValueError, match="at least one model"):
        create_app(models={}, datasets={}, db_path=tmp_path / "a.db", settings=Settings())
    with pytest.raises(ValueError, match="reserved|'u'"):
        create_app(
            models={"tiny": "tiny"}, datasets={"u": "sample_prompts"}, db_path=tmp_path / "a.db", settings=Settings()
        )
    with pytest.raises(ValueError, match="token"):
        create_app(models={"tiny": "tiny"}, datasets={}, db_path=tmp_path / "a.db", settings=Settings(host="0.0.0.0"))
    from promptlight.data import DatasetError

    with pytest.raises(DatasetError):
        create_app(
            models={"tiny": "tiny"},
            datasets={"x": str(tmp_path / "missing.jsonl")},
            db_path=tmp_path / "a.db",
            settings=Settings(),
        )


def test_loaded_objects_can_be_wired_directly(make_client, tiny):
    from promptlight.data import load_dataset

    client = make_client(models={"mine": tiny}, datasets={"demo": load_dataset("sample_prompts")})
    assert client.get("/api/models").json()[0]["name"] == "mine"
    assert client.post("/api/generate", json={"prompt": "Hi", "max_new_tokens": 2}).status_code == 200
    assert client.get("/api/examples", params={"dataset": "demo"}).json()[0]["id"] == "demo:0"


def test_static_dir_is_the_package_folder():
    import promptlight.server.app as app_module

    assert app_module.STATIC_DIR == Path(app_module.__file__).parent / "static"


# --- fuzzing the request bodies: clear 4xx, never a 5xx --------------------------------------


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_text = st.text(max_size=40)
_salience_bodies = st.fixed_dictionaries(
    {"prompt": _text | _json},
    optional={
        "model": st.sampled_from(["tiny", "nope"]) | _json,
        "target": _text | st.none() | _json,
        "target_span": st.lists(st.integers(-3, 45), max_size=3) | st.none() | _json,
        "method": st.sampled_from(["grad_l2", "grad_dot_input", "integrated_gradients", "occlusion", "ig"]) | _json,
        "granularity": st.sampled_from(["tokens", "words", "lines", "regex:\\w+", "regex:(", "regex:", "x"]) | _json,
        "options": st.dictionaries(
            st.sampled_from(["steps", "baseline", "rule", "batch_size", "x"]),
            st.integers(-2, 9) | st.sampled_from(["zero", "pad", "riemann_middle", "moon"]) | _json,
            max_size=2,
        )
        | _json,
    },
)
_generate_bodies = st.fixed_dictionaries(
    {"prompt": _text | _json},
    optional={
        "max_new_tokens": st.integers(-1, 6) | _json,
        "temperature": st.floats(-1, 5) | _json,
        "top_p": st.floats(-0.5, 1.5) | _json,
        "top_k": st.integers(-1, 50) | _json,
        "seed": st.integers(-1, 2**64) | st.none() | _json,
        "stop": st.lists(st.text(max_size=3), max_size=3) | _json,
    },
)
_datapoint_bodies = st.fixed_dictionaries(
    {},
    optional={
        "dataset": _text | _json,
        "prompt": _text | _json,
        "target": _text | _json,
        "source": _text | _json,
        "fields": _json,
    },
)
_fuzz = hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _no_5xx(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "field"}


@_fuzz
@given(body=_salience_bodies)
def test_fuzzed_salience_bodies_never_fail_with_5xx(client, body):
    _no_5xx(client.post("/api/salience", json=body))


@_fuzz
@given(body=_generate_bodies)
def test_fuzzed_generate_bodies_never_fail_with_5xx(client, body):
    _no_5xx(client.post("/api/generate", json=body))


@_fuzz
@given(body=_datapoint_bodies, target=st.sampled_from(["", "/u:1", "/sample_prompts:0"]))
def test_fuzzed_datapoint_bodies_never_fail_with_5xx(client, body, target):
    if target:
        _no_5xx(client.put(f"/api/datapoints{target}", json=body))
    else:
        _no_5xx(client.post("/api/datapoints", json=body))


def test_docs_work_offline_when_swagger_ui_bundle_is_installed(client):
    pytest.importorskip("swagger_ui_bundle")
    page = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page and "cdn." not in page
    asset = client.get("/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_examples_pages_join_dataset_rows_and_datapoints(client):
    for i in range(12):
        client.post("/api/datapoints", json={"dataset": "mine", "prompt": f"note {i}", "source": f"n{i}"})
    whole = client.get("/api/examples", params={"limit": 1000})
    total = int(whole.headers["X-Total-Count"])
    rows = whole.json()
    assert total == len(rows) and sum(r["origin"] == "user" for r in rows) == 12
    for limit in (1, 5, 13):
        pages, offset = [], 0
        while offset < total:
            page = client.get("/api/examples", params={"limit": limit, "offset": offset})
            assert int(page.headers["X-Total-Count"]) == total
            pages.extend(page.json())
            offset += limit
        assert [r["id"] for r in pages] == [r["id"] for r in rows]
    found = client.get("/api/examples", params={"q": "NOTE 1", "limit": 2, "offset": 1})
    assert int(found.headers["X-Total-Count"]) == 3  # note 1, note 10, note 11
    assert [r["prompt"] for r in found.json()] == ["note 10", "note 11"]


@pytest.mark.parametrize("method", ["kernel_shap", "grad_l2"])
def test_salience_with_the_faithfulness_check(client, method):
    body = {"prompt": "Taste-dislikes: eggs.\nSuggestion: quiche.\nServed: cold.\n", "target": "Recommendation: Avoid it.",
            "method": method, "granularity": "lines"}  # fmt: skip
    plain = client.post("/api/salience", json=body).json()
    assert plain["faithfulness"] is None
    checked = client.post("/api/salience", json={**body, "check": True})
    assert checked.status_code == 200, checked.text
    record = checked.json()
    assert record["cached"] is False  # another cache entry than the plain result
    check = record["faithfulness"]
    assert check["granularity"] == "lines" and check["top1"]["size"] == 1 and len(check["top1"]["random"]) == 8
    assert record["segment_scores"] == plain["segment_scores"] and record["tokens"] == plain["tokens"]
    assert client.post("/api/salience", json={**body, "check": True}).json()["cached"] is True
    refused = client.post("/api/salience", json={**body, "check": "maybe"})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "check"


def test_ablation_samples_are_capped_by_the_setting(client):
    body = {"prompt": "Taste-dislikes: eggs.\n", "target": " Avoid it.", "method": "lime", "options": {"samples": 10**9}}
    answer = client.post("/api/salience", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "options.samples" and "max_ablation_samples" in error["message"]


# --- uploading a dataset file --------------------------------------------------------------


def _user_rows(client, dataset: str) -> list[dict]:
    return [r for r in client.get("/api/examples", params={"dataset": dataset}).json() if r["id"].startswith("u:")]


def test_an_uploaded_file_becomes_datapoints_with_the_cli_s_columns(client):
    content = (
        '{"prompt": "Dish: quiche.\\nVerdict:", "target": " Avoid it.", "source": "quiche", "foil": " Try it."}\n'
        '{"prompt": "Q: 2 + 2?\\nA:", "stop": "\\n\\n"}\n'
    )
    answer = client.post("/api/datasets", json={"filename": "menu.jsonl", "content": content})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["dataset"] == "menu" and body["added"] == 2 and len(body["ids"]) == 2
    rows = _user_rows(client, "menu")
    assert [r["id"] for r in rows] == body["ids"]
    assert [r["source"] for r in rows] == ["quiche", "menu#2"]  # the loaders' names, as the CLI gives them
    assert rows[0]["target"] == " Avoid it." and rows[0]["fields"] == {"foil": " Try it."}
    assert rows[1]["fields"] == {"stop": "\n\n"}
    # CSV and text files too, under a name of the user's choosing.
    csv_answer = client.post("/api/datasets", json={"filename": "t.csv", "content": "prompt,target\nOne:,\" two\"\n", "dataset": "mine"})
    assert csv_answer.status_code == 201 and csv_answer.json()["added"] == 1
    txt_answer = client.post("/api/datasets", json={"filename": "p.txt", "content": "First prompt\n---\nSecond prompt\n", "dataset": "mine"})
    assert txt_answer.status_code == 201 and txt_answer.json()["added"] == 2
    assert [r["prompt"] for r in _user_rows(client, "mine")] == ["One:", "First prompt", "Second prompt"]
    assert any(d["name"] == "mine" for d in client.get("/api/datasets").json())


def test_a_bad_file_is_refused_naming_its_line_and_nothing_is_stored(client):
    before = len(client.get("/api/examples").json())
    content = '{"prompt": "fine"}\n{"target": "no prompt here"}\n'
    error = assert_envelope(client.post("/api/datasets", json={"filename": "bad.jsonl", "content": content}), 422, "invalid_request", "content")
    assert "line 2" in error["message"] and '"prompt"' in error["message"]
    assert len(client.get("/api/examples").json()) == before  # not even the good first row
    error = assert_envelope(client.post("/api/datasets", json={"filename": "notes.pdf", "content": "x"}), 422, "invalid_request", "filename")
    assert "'notes.pdf'" in error["message"] and ".jsonl, .csv or .txt" in error["message"]
    error = assert_envelope(client.post("/api/datasets", json={"filename": "a:b.txt", "content": "x"}), 422, "invalid_request", "dataset")
    assert "'a:b'" in error["message"]
    assert_envelope(client.post("/api/datasets", json={"filename": "empty.csv", "content": ""}), 422, "invalid_request", "content")


# --- loading a model from --model-dirs -----------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A --model-dirs folder: a tiny model folder two levels down, a broken .gguf, a link out, a plain folder."""
    from promptlight.models.tiny import build_tiny

    root = tmp_path_factory.mktemp("shelf") / "shelf"
    build_tiny(root / "minis" / "tiny-a")
    (root / "minis" / "broken.gguf").write_bytes(b"not a gguf file")
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("no models here")
    outside = tmp_path_factory.mktemp("elsewhere")
    build_tiny(outside / "secret-model")
    (root / "linked").symlink_to(outside / "secret-model")
    return root


def test_the_models_under_model_dirs_are_listed_and_nothing_else(make_client, model_dir):
    client = make_client(model_dirs=[model_dir])
    listing = client.get("/api/model-files").json()
    assert listing["dirs"] == ["shelf"]
    assert [(f["id"], f["kind"], f["name"], f["loaded_as"]) for f in listing["files"]] == [
        ("shelf/minis/broken.gguf", "gguf", "broken", None),
        ("shelf/minis/tiny-a", "folder", "tiny-a", None),
    ]  # the link out of the folder is not offered
    plain = make_client(db_path=model_dir.parent / "plain.db")
    assert plain.get("/api/model-files").json() == {"dirs": [], "files": []}
    error = assert_envelope(plain.post("/api/models", json={"file": "shelf/minis/tiny-a"}), 404, "not_found", "file")
    assert "--model-dirs" in error["message"]


def test_a_listed_model_loads_on_request_and_explains_like_the_same_model_given_at_start(make_client, model_dir):
    client = make_client(model_dirs=[model_dir])
    added = client.post("/api/models", json={"file": "shelf/minis/tiny-a"})
    assert added.status_code == 201, added.text
    assert added.json()["name"] == "tiny-a"
    models = wait_loaded(client)
    assert models["tiny-a"]["state"] == "loaded", models
    assert [m["name"] for m in client.get("/api/models").json()] == ["tiny", "tiny-a"]
    again = client.post("/api/models", json={"file": "shelf/minis/tiny-a"})
    assert again.status_code == 200 and again.json()["name"] == "tiny-a"  # not loaded twice
    assert client.get("/api/model-files").json()["files"][1]["loaded_as"] == "tiny-a"
    body = {"prompt": "Dislikes: eggs.\nDish: quiche.", "target": " Avoid it.", "method": "grad_l2"}
    on_request = client.post("/api/salience", json={**body, "model": "tiny-a"}).json()
    at_start = client.post("/api/salience", json={**body, "model": "tiny"}).json()  # the same weights, built alike
    assert on_request["objective_value"] == pytest.approx(at_start["objective_value"], rel=1e-5)
    # A file that is not a model: its worker reports the error; the server carries on.
    assert client.post("/api/models", json={"file": "shelf/minis/broken.gguf"}).status_code == 201
    broken = wait_loaded(client)["broken"]
    assert broken["state"] == "error" and broken["error"], broken
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize("file", ["shelf/linked", "../elsewhere", "shelf/../../etc/passwd", "/etc/passwd", "shelf/notes"])
def test_anything_but_a_listed_id_is_refused(make_client, model_dir, file):
    client = make_client(model_dirs=[model_dir])
    error = assert_envelope(client.post("/api/models", json={"file": file}), 404, "not_found", "file")
    assert "GET /api/model-files" in error["message"]
    assert [m["name"] for m in client.get("/api/models").json()] == ["tiny"]


def test_model_dirs_must_be_folders(tmp_path):
    from promptlight.server.app import create_app

    with pytest.raises(ValueError, match="is not a folder"):
        create_app(models={"tiny": "tiny"}, datasets={}, db_path=tmp_path / "x.db", model_dirs=[tmp_path / "missing"])
