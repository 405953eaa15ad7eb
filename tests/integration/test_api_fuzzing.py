"""Schemathesis against the server's own OpenAPI document (hostile input).

Every operation of ``/openapi.json`` gets schema-valid ("positive") and schema-violating
("negative") requests, 20 of each, from a fixed seed (``derandomize``), sent in-process to
the app on the ``tiny`` model. No answer may be a 5xx, and every error is the envelope.
Limits are lowered so that the model calls the fuzzer makes stay fast; a quarter of the
cases name the real model and a real datapoint id, so requests get past those checks too.
"""

from __future__ import annotations

import time

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from promptlight.server import Settings, create_app  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_tracebacks_logged")]

BASE = "http://localhost"  # the guard answers only loopback host names without a token
EXAMPLES = 20

#: Every operation of the API; a test below fails when a route is added without landing here.
OPERATIONS = [
    ("GET", "/api/health"),
    ("GET", "/api/settings"),
    ("GET", "/api/methods"),
    ("GET", "/api/granularities"),
    ("GET", "/api/models"),
    ("POST", "/api/models"),
    ("GET", "/api/model-files"),
    ("GET", "/api/datasets"),
    ("POST", "/api/datasets"),
    ("GET", "/api/examples"),
    ("GET", "/api/datapoints/{datapoint_id}"),
    ("PUT", "/api/datapoints/{datapoint_id}"),
    ("DELETE", "/api/datapoints/{datapoint_id}"),
    ("POST", "/api/datapoints"),
    ("POST", "/api/generate"),
    ("POST", "/api/salience"),
    ("GET", "/api/calls/{call_id}"),
    ("POST", "/api/calls/{call_id}/cancel"),
    ("GET", "/api/runs"),
    ("GET", "/api/runs/compare"),
    ("GET", "/api/runs/{name}/rows"),
    ("GET", "/api/runs/{name}/parts"),
    ("GET", "/api/runs/{name}/records/{key}"),
]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    """One real batch run (two rows, tiny) for the /api/runs routes to read."""
    import contextlib
    import io
    import json

    from promptlight.cli import main

    folder = tmp_path_factory.mktemp("runs")
    rows = folder / "rows.jsonl"
    rows.write_text("".join(json.dumps({"prompt": p, "target": " ok"}) + "\n" for p in ("One.\nTwo:", "Three:")))
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["batch", "--model", "tiny", "--dataset", str(rows), "--granularity", "lines",
                     "--out", str(folder / "runs" / "a")]) == 0  # fmt: skip
    return folder / "runs"


@pytest.fixture
def schema(tmp_path, runs_dir):
    """A fresh app per test: schemathesis' pytest plugin ends every ASGI lifespan after each test."""
    from schemathesis.python import asgi

    app = create_app(
        models={"tiny": "tiny"},
        datasets={"sample_prompts": "sample_prompts"},
        db_path=tmp_path / "db.sqlite",
        settings=Settings(max_new_tokens=64, max_ig_steps=4, max_prompt_tokens=96, max_batch_tokens=512),
        runs=runs_dir,
    )
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"Host": "localhost"})
    deadline = time.monotonic() + 120
    while loaded["/api/health"]["GET"].Case().call(base_url=BASE).json()["models"]["tiny"]["state"] == "loading":
        assert time.monotonic() < deadline, "tiny did not load"
        time.sleep(0.05)
    created = loaded["/api/datapoints"]["POST"].Case(body={"prompt": "seed row"}).call(base_url=BASE)
    assert created.status_code == 201, created.text
    yield loaded
    asgi.shutdown_lifespans()  # stops the model worker and closes the store


def test_the_operation_list_is_complete(schema):
    found = sorted((op.method.upper(), op.path) for op in (r.ok() for r in schema.get_all_operations()))
    assert found == sorted(OPERATIONS)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_gets_a_5xx(schema, method, path, mode):
    operation = schema[path][method]
    answered: list[int] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode), real=st.integers(0, 3))
    def run(case, real):
        if real and isinstance(case.body, dict) and "model" in case.body:
            case.body["model"] = None if real == 1 else "tiny"
        if real and case.path_parameters and "datapoint_id" in case.path_parameters:
            case.path_parameters["datapoint_id"] = ["", "u:1", "sample_prompts:0", "u:2"][real]
        response = case.call(base_url=BASE)
        answered.append(response.status_code)
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.body!r} -> {response.text}"
        if response.status_code >= 400:
            error = response.json()["error"]
            assert set(error) == {"code", "message", "field"} and error["message"], response.text

    try:
        run()
    except Unsatisfiable:
        # Nothing of this operation can violate the schema (no parameters, no body).
        assert mode is GenerationMode.NEGATIVE and not answered
        return
    assert answered
