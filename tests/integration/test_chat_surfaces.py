"""Chat prompts on every surface: the API (``messages`` instead of ``prompt``), the CLI
(``--chat``, ``--messages-file``, dataset rows with ``messages``) and clear errors for bad
messages or a model without a chat template."""

from __future__ import annotations

import contextlib
import io
import json
import time

import pytest
from fastapi.testclient import TestClient

from promptlight import explain
from promptlight.cli import main
from promptlight.server import Settings, create_app

pytestmark = pytest.mark.integration

CHAT = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "Taste-likes: cheese. Taste-dislikes: eggs.\nSuggest a dish."},
]
REPLY = "Try a cheese toastie."


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("chat") / "p.db"
    app = create_app(
        models={"chat": "tiny-chat", "tiny": "tiny"}, datasets={}, db_path=db, settings=Settings(max_new_tokens=16)
    )
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as c:
        deadline = time.monotonic() + 120
        while any(m["state"] == "loading" for m in c.get("/api/health").json()["models"].values()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield c


def test_the_api_explains_a_chat(client):
    from promptlight.models import load_model

    body = {"model": "chat", "messages": CHAT, "target": REPLY, "method": "grad_l2", "granularity": "messages"}
    answer = client.post("/api/salience", json=body)
    assert answer.status_code == 200, answer.text
    record = answer.json()
    direct = explain(load_model("tiny-chat"), CHAT, target=REPLY, method="grad_l2", granularity="messages")
    assert record["text"] == direct.text and record["messages"] == [dict(m) for m in direct.messages]
    assert [t.get("template", False) for t in record["tokens"]] == [t.template for t in direct.tokens]
    assert record["boundaries"]["messages"] == [s.to_list() for s in direct.boundaries["messages"]]
    # The same words as a plain prompt are another request (the messages are in the cache key).
    plain = client.post(
        "/api/salience", json={**body, "messages": None, "prompt": CHAT[1]["content"], "granularity": "words"}
    )
    assert plain.status_code == 200 and plain.json()["messages"] == []
    assert client.post("/api/salience", json=body).json()["cached"] is True
    # A trailing assistant message is the target.
    reply = client.post(
        "/api/salience", json={**body, "target": None, "messages": [*CHAT, {"role": "assistant", "content": REPLY}]}
    ).json()
    assert reply["text"] == record["text"] and reply["objective_value"] == pytest.approx(record["objective_value"])


def test_the_api_generates_after_the_generation_prompt(client):
    answer = client.post("/api/generate", json={"model": "chat", "messages": CHAT, "max_new_tokens": 4})
    assert answer.status_code == 200, answer.text
    assert answer.json()["prompt"].endswith("<start_of_turn>model\n")
    assert client.get("/api/models").json()[0]["chat_template"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "chat", "messages": [{"role": "robot", "content": "hi"}], "target": "x"}, "messages.0.role"),
        ({"model": "chat", "messages": [{"role": "user", "content": "  "}], "target": "x"}, "messages[0].content"),
        ({"model": "chat", "messages": CHAT, "prompt": "both", "target": "x"}, "messages"),
        ({"model": "chat", "target": "x"}, "prompt"),
        ({"model": "tiny", "messages": CHAT, "target": "x"}, "messages"),
        ({"model": "chat", "prompt": "plain", "target": " x", "granularity": "messages"}, "granularity"),
    ],
)
def test_bad_chats_are_422_naming_the_field(client, body, field):
    answer = client.post("/api/salience", json=body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == field, error
    if field in ("prompt", "messages"):
        assert "exactly one of 'prompt'" in error["message"] or "chat template" in error["message"]


def test_the_cli_takes_chat_and_messages_files(tmp_path):
    code, out, err = _cli(
        "explain",
        "--model",
        "tiny-chat",
        "--chat",
        "--prompt",
        CHAT[1]["content"],
        "--target",
        REPLY,
        "--format",
        "json",
    )
    assert code == 0, err
    record = json.loads(out)
    assert [m["role"] for m in record["messages"]] == ["user"] and record["text"].startswith("<start_of_turn>user\n")
    path = tmp_path / "chat.json"
    path.write_text(json.dumps([*CHAT, {"role": "assistant", "content": REPLY}]), encoding="utf-8")
    code, out, err = _cli(
        "explain", "--model", "tiny-chat", "--messages-file", str(path), "--granularity", "messages", "--top", "3"
    )
    assert code == 0, err
    assert "Answer in one short sentence." in out and "Top" in out
    code, out, err = _cli("explain", "--model", "tiny", "--messages-file", str(path))
    assert code == 2 and "no chat template" in err and "Traceback" not in err
    path.write_text('[{"role": "user", "content": ""}]', encoding="utf-8")
    code, _out, err = _cli("explain", "--model", "tiny-chat", "--messages-file", str(path))
    assert code == 2 and "content" in err
    path.write_text("{not json", encoding="utf-8")
    code, _out, err = _cli("generate", "--model", "tiny-chat", "--messages-file", str(path))
    assert code == 2 and "is not JSON" in err


def test_batch_reads_messages_rows(tmp_path):
    data = tmp_path / "chats.jsonl"
    rows = [{"messages": CHAT, "target": REPLY}, {"prompt": "Suggest a dish.", "target": REPLY}]
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    code, _o, err = _cli(
        "batch", "--model", "tiny-chat", "--chat", "--dataset", str(data), "--method", "grad_l2", "--out", str(out)
    )
    assert code == 0, err
    records = [json.loads(line)["record"] for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [len(r["messages"]) for r in records] == [2, 1]  # the plain row is wrapped as one user message by --chat
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"messages": [{"role": "user", "content": 3}]}) + "\n", encoding="utf-8")
    code, _o, err = _cli("batch", "--model", "tiny-chat", "--dataset", str(bad), "--method", "grad_l2")
    assert code == 2 and "line 1" in err and "content" in err
