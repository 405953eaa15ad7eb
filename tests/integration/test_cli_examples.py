"""The files under ``examples/`` that the README's command lines use, and ``--select``."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from promptlight.cli import main

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _selected(record: dict) -> str:
    start, end = record["selected_span"]
    return record["text"][start:end]


def test_select_explains_the_first_occurrence_of_a_text(tiny):
    prompt = str(EXAMPLES / "prompt.txt")
    code, out, err = _cli(
        "explain", "--model", "tiny", "--prompt-file", prompt, "--target", " Try it. Try it.", "--select", "Try",
        "--foil", " Avoid", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(out)
    assert _selected(record) == "Try" and record["selected_span"][0] == record["target_span"][0] + 1
    assert record["foil"] == " Avoid"
    code, _out, err = _cli("explain", "--model", "tiny", "--prompt-file", prompt, "--target", " Try it.", "--select", "Avoid")
    assert code == 2 and "does not occur in the target" in err
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses the pair before anything runs
        _cli("explain", "--model", "tiny", "--prompt-file", prompt, "--select", "x", "--target-span", "0:1")
    assert exit_info.value.code == 2
    # A chat whose last message is the reply: the selection is found in that reply.
    code, out, err = _cli(
        "explain", "--model", "tiny-chat", "--messages-file", str(EXAMPLES / "chat.json"), "--select", "peanuts",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert _selected(json.loads(out)) == "peanuts"


def test_the_example_dataset_runs_in_batch(tmp_path):
    out = tmp_path / "run"
    code, _out, err = _cli(
        "batch", "--model", "tiny-chat", "--dataset", str(EXAMPLES / "prompts.jsonl"), "--method", "grad_l2",
        "--granularity", "lines", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    lines = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in lines] == ["soup", "dessert", "count", "chat"]
    records = [r["record"] for r in lines]
    assert [bool(r["messages"]) for r in records] == [False, False, False, True]
    assert records[1]["foil"] == " Avoid it."  # the row's own foil column


def test_generate_stops_at_a_rows_own_stop_strings_unless_stop_is_given(tmp_path):
    def generate(row: dict, *extra: str) -> dict:
        data = tmp_path / "row.jsonl"
        data.write_text(json.dumps(row) + "\n", encoding="utf-8")
        code, out, err = _cli("generate", "--model", "tiny", "--dataset", str(data), "--max-new-tokens", "8", "--format", "json", *extra)
        assert code == 0, err
        return json.loads(out)

    row = {"prompt": "Suggestion: quiche. Analysis:", "source": "a"}
    free = generate(row)  # greedy: the same text every time
    assert free["finish_reason"] == "length" and len(free["tokens"]) == 8
    cut = free["tokens"][3]["text"]  # a piece of the free text, so stopping there is visible
    own = generate({**row, "stop": [cut]})
    assert own["finish_reason"] == "stop", own
    assert free["text"].startswith(own["text"]) and len(own["text"]) < len(free["text"])
    assert cut not in own["text"]
    given = generate({**row, "stop": [cut]}, "--stop", "text that never comes")  # the user's --stop wins
    assert given["text"] == free["text"] and given["finish_reason"] == "length"
