"""The contrastive objective on every surface: the API (field ``foil``), the CLI (``--foil``,
``--foil-file``, text output with both log-probabilities and the margin), and ``batch``
with a ``foil`` column."""

from __future__ import annotations

import contextlib
import io
import json
import time

import pytest
from fastapi.testclient import TestClient

from promptlight.cli import main
from promptlight.server import Settings, create_app

pytestmark = pytest.mark.integration

PROMPT = "Taste-likes: cheese.\nTaste-dislikes: eggs.\nSuggestion: quiche.\nRecommendation:"
TARGET = " Try it."
FOIL = " Avoid."


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def client(tmp_path):
    app = create_app(models={"tiny": "tiny"}, datasets={}, db_path=tmp_path / "p.db", settings=Settings(max_new_tokens=16))
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        deadline = time.monotonic() + 120
        while c.get("/api/health").json()["models"]["tiny"]["state"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield c


def test_the_api_explains_against_a_foil(client, tiny):
    from promptlight.pipeline import explain

    body = {"prompt": PROMPT, "target": TARGET, "method": "occlusion", "granularity": "lines", "foil": FOIL}
    answer = client.post("/api/salience", json=body)
    assert answer.status_code == 200, answer.text
    record = answer.json()
    direct = explain(tiny, PROMPT, target=TARGET, foil=FOIL, method="occlusion", granularity="lines")
    assert record["foil"] == FOIL and record["objective"] == direct.objective
    assert record["f_target"] == pytest.approx(direct.f_target, abs=1e-5)
    assert record["f_foil"] == pytest.approx(direct.f_foil, abs=1e-5)
    assert record["segment_scores"]["occlusion"]["values"] == pytest.approx(
        list(direct.segment_scores["occlusion"].values), abs=1e-5
    )
    # The foil is part of the cache key: the plain request is a different result.
    plain = client.post("/api/salience", json={**body, "foil": None}).json()
    assert plain["foil"] is None and plain["objective_value"] == pytest.approx(direct.f_target, abs=1e-5)
    assert client.post("/api/salience", json=body).json()["cached"] is True


@pytest.mark.parametrize(("foil", "status", "words"), [("  ", 422, "empty"), (" word" * 40, 413, "max_new_tokens = 16")])
def test_a_bad_foil_is_named(client, foil, status, words):
    body = {"prompt": PROMPT, "target": TARGET, "foil": foil}
    answer = client.post("/api/salience", json=body)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["field"] == "foil" and words in error["message"]


def test_the_cli_prints_both_sides_and_the_margin(tmp_path):
    prompt_file = tmp_path / "p.txt"
    prompt_file.write_text(PROMPT, encoding="utf-8")
    code, out, err = _cli(
        "explain", "--model", "tiny", "--prompt-file", str(prompt_file), "--target", TARGET, "--foil", FOIL,
        "--method", "occlusion", "--granularity", "lines", "--format", "json",
    )
    assert code == 0, err
    record = json.loads(out)
    assert record["foil"] == FOIL and {"f_target", "f_foil"} <= set(record)
    assert record["objective_value"] == pytest.approx(record["f_target"] - record["f_foil"], abs=1e-4)

    foil_file = tmp_path / "foil.txt"
    foil_file.write_text(FOIL, encoding="utf-8")
    code, text, err = _cli(
        "explain", "--model", "tiny", "--prompt-file", str(prompt_file), "--target", TARGET, "--foil-file", str(foil_file),
        "--color", "never",
    )
    assert code == 0, err
    assert f"log p(foil “{FOIL}”)" in text and "margin f = " in text
    code, _, err = _cli("explain", "--model", "tiny", "--prompt", PROMPT, "--target", TARGET, "--foil", " ")
    assert code == 2 and "foil is empty" in err


def test_batch_takes_a_foil_column(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"prompt": PROMPT, "target": TARGET, "source": "with-foil", "foil": FOIL}) + "\n"
        + json.dumps({"prompt": PROMPT, "target": TARGET, "source": "plain"}) + "\n",
        encoding="utf-8",
    )
    code, out, err = _cli("batch", "--model", "tiny", "--dataset", str(rows), "--method", "grad_dot_input")
    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["source"] == "with-foil" and first["foil"] == FOIL
    assert second["source"] == "plain" and second["foil"] is None
    code, out, err = _cli("batch", "--model", "tiny", "--dataset", str(rows), "--method", "grad_dot_input", "--foil", " Skip.")
    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["foil"] == FOIL and second["foil"] == " Skip."  # a row's own foil wins
