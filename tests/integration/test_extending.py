"""The extension points of ``docs/extending.md``, exercised from this test module alone.

A salience method registered here (with one capped option) appears in ``/api/methods``, the
CLI's help and ``promptlight methods``, and runs through the API, the CLI and ``explain``,
without any other file knowing its name. A model backend that is not Hugging Face (the toy
model of ``tests/toy_models.py``, registered as a preset with its own loader) is served by
the real server: generation and every built-in method run on it through the protocol alone.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

import pytest
import torch
from fastapi.testclient import TestClient

from promptlight.cli import main
from promptlight.models import register_preset
from promptlight.models.presets import unregister_preset
from promptlight.pipeline import explain
from promptlight.salience import MethodOutput, Option, SalienceInputs, register_method, unregister_method
from promptlight.server import Settings, create_app
from tests.toy_models import PlantedCopyLM

pytestmark = pytest.mark.integration

NAME = "first_token_weight"


def first_token_weight(inputs: SalienceInputs, *, weight: float) -> MethodOutput:
    """A method a reader can check by hand: f times ``weight`` on the first token, 0 elsewhere."""
    with torch.no_grad():
        f = float(inputs.objective.value_from_embeds(inputs.lm, inputs.lm.embed(inputs.prefix_ids[None]))[0])
    scores = [f * weight if i == 0 else 0.0 for i in range(inputs.num_scored)]
    return MethodOutput(objective_value=f, token_scores={NAME: scores}, info={NAME: {"weight": weight}})


@pytest.fixture(scope="module", autouse=True)
def plugin_method():
    register_method(
        NAME,
        signed=True,
        cost="1 forward pass",
        reference="this test module",
        description="f on the first token, scaled; zero elsewhere.",
        options=(Option("weight", float, 1.0, "the scale of the first token's score", minimum=0, cap="max_ig_steps"),),
    )(first_token_weight)
    yield
    unregister_method(NAME)


def _run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # --help exits
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_a_registered_method_reaches_every_surface(tiny, tmp_path):
    # The CLI: help, the methods list, and a run with --option.
    code, help_text, _ = _run_cli("explain", "--help")
    flat = " ".join(help_text.split())  # argparse wraps the option list anywhere
    assert code == 0 and NAME in help_text and "weight (number, default 1.0, <= max_ig_steps)" in flat
    code, out, _ = _run_cli("methods")
    assert code == 0 and NAME in out and "option weight (number" in out
    code, out, _ = _run_cli("methods", "--format", "json")
    listed = {m["name"]: m for m in json.loads(out)}
    assert listed[NAME]["options"][0] | {"default": 1.0} == listed[NAME]["options"][0]

    prompt, target = "Suggestion: quiche. Analysis:", " It has eggs."
    code, out, err = _run_cli(
        "explain", "--model", "tiny", "--prompt", prompt, "--target", target, "--method", NAME,
        "--option", "weight=2.5", "--format", "json",
    )
    assert code == 0, err
    record = json.loads(out)
    first = record["tokens"][0]["scores"][NAME]
    assert first == pytest.approx(2.5 * record["objective_value"], rel=1e-6)
    assert record["options"]["weight"] == 2.5
    # The cap comes from the same settings table as the server's.
    code, _, err = _run_cli("explain", "--model", "tiny", "--prompt", prompt, "--target", target, "--method", NAME, "--option", "weight=1000")
    assert code == 2 and "max_ig_steps = 256" in err
    code, _, err = _run_cli("explain", "--model", "tiny", "--prompt", prompt, "--target", target, "--method", NAME, "--option", "weight=heavy")
    assert code == 2 and "weight must be a number, got 'heavy'" in err

    # Python: the same parsing and capping.
    result = explain(tiny, prompt, target=target, method=NAME, weight=0.5)
    assert result.token_scores(NAME)[0] == pytest.approx(0.5 * result.objective_value, rel=1e-6)

    # The API: listed with its option table, run with options, errors carry the field.
    app = create_app(models={"tiny": "tiny"}, datasets={}, db_path=tmp_path / "p.db", settings=Settings(max_ig_steps=10))
    with TestClient(app, base_url="http://localhost") as client:
        methods = {m["name"]: m for m in client.get("/api/methods").json()}
        assert methods[NAME]["options"] == [
            {"name": "weight", "type": "number", "default": 1.0, "help": "the scale of the first token's score",
             "minimum": 0.0, "maximum": None, "choices": None, "special": [], "cap": "max_ig_steps", "nullable": False}
        ]  # fmt: skip
        body = {"model": "tiny", "prompt": prompt, "target": target, "method": NAME, "options": {"weight": 3}}
        _wait_loaded(client, "tiny")
        answer = client.post("/api/salience", json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["tokens"][0]["scores"][NAME] == pytest.approx(3 * answer.json()["objective_value"], rel=1e-6)
        body["options"] = {"weight": 11}
        error = client.post("/api/salience", json=body).json()["error"]
        assert error["field"] == "options.weight" and "max_ig_steps = 10" in error["message"]
        body["options"] = {"wieght": 1}
        error = client.post("/api/salience", json=body).json()["error"]
        assert error["field"] == "options.wieght" and "Valid: weight" in error["message"]


def _wait_loaded(client: TestClient, model: str) -> None:
    deadline = time.monotonic() + 120
    while client.get("/api/health").json()["models"][model]["state"] == "loading":
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def toy_backend(tiny):
    planted = tiny.tokenize(" cheese", add_bos=False).ids[-1]

    def load(*, name: str, spec: str, device: str, dtype: str) -> PlantedCopyLM:
        assert device == "cpu" and dtype == "float32"  # what auto resolves to on this machine
        return PlantedCopyLM(tokenizer_of=tiny, vocab_size=tiny.module.config.vocab_size, planted_id=planted)

    register_preset("planted-toy", description="the planted-copy toy model (a backend of its own)", load=load)
    yield
    unregister_preset("planted-toy")


def test_a_backend_of_its_own_is_served_through_the_protocol(toy_backend, tmp_path):
    app = create_app(models={"toy": "planted-toy"}, datasets={}, db_path=tmp_path / "p.db", settings=Settings())
    prompt = "The quick brown fox likes cheese and jumps over the lazy dog"
    with TestClient(app, base_url="http://localhost") as client:
        _wait_loaded(client, "toy")
        assert client.get("/api/models").json()[0]["state"] == "loaded"
        generated = client.post("/api/generate", json={"model": "toy", "prompt": prompt, "max_new_tokens": 3})
        assert generated.status_code == 200, generated.text
        assert generated.json()["text"].startswith(" cheese")  # the toy copies its planted token
        for method in ("grad_l2", "grad_dot_input", "integrated_gradients", "occlusion"):
            body = {"model": "toy", "prompt": prompt, "target": " cheese", "method": method, "granularity": "tokens"}
            answer = client.post("/api/salience", json=body)
            assert answer.status_code == 200, (method, answer.text)
            record = answer.json()
            if method == "occlusion":
                values = record["segment_scores"]["occlusion"]["values"]
                spans = record["boundaries"]["tokens"]
                best = max((abs(v), k) for k, v in enumerate(values) if v is not None)[1]
                top = record["text"][spans[best][0] : spans[best][1]]
            else:
                scored = [(abs(t["scores"][method]), t["text"]) for t in record["tokens"] if t["scores"][method] is not None and not t.get("special")]
                top = max(scored)[1]
            assert top == " cheese", (method, top)
