"""The CLI's files: every bad input or output path is one clear line and exit status 2, found
before any model loads; batch output survives an interrupt with every finished row."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promptlight.data import load_dataset

pytestmark = pytest.mark.integration

PROMPT = "Suggestion: quiche.\nAnalysis:"


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "promptlight", *args], capture_output=True, text=True, timeout=timeout, env={**os.environ}
    )


def _one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("promptlight: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.fixture
def prompt_file(tmp_path) -> Path:
    p = tmp_path / "p.txt"
    p.write_text(PROMPT, encoding="utf-8")
    return p


def _explain_to(prompt_file: Path, out: str, model: str = "no-such-model-anywhere") -> subprocess.CompletedProcess:
    # A model that cannot load: the output path must be refused first, before any model is looked at.
    return _cli("explain", "--model", model, "--prompt-file", str(prompt_file), "--target", " It has eggs.", "--out", out)


def test_bad_output_paths_are_refused_before_the_model(tmp_path, prompt_file):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    regular = tmp_path / "plain.txt"
    regular.write_text("x")
    _one_line_error(_explain_to(prompt_file, str(folder)), "is a folder")
    _one_line_error(_explain_to(prompt_file, str(regular / "out.json")), "which is a file, not a folder")
    _one_line_error(_explain_to(prompt_file, "/proc/promptlight-test/out.json"), "Cannot write --out")
    _one_line_error(_explain_to(prompt_file, str(tmp_path / ("n" * 300 + ".json"))), "too long")
    to_null = tmp_path / "to-null.json"
    to_null.symlink_to("/dev/null")
    _one_line_error(_explain_to(prompt_file, str(to_null)), "symlink", "not a regular file")
    assert to_null.is_symlink()  # never replaced


def test_a_symlink_to_a_regular_file_is_written_through(tmp_path, prompt_file):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    proc = _cli("explain", "--model", "tiny", "--prompt-file", str(prompt_file), "--target", " x", "--format", "json", "--out", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and json.loads(real.read_text())["model"] == "tiny"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--prompt-file", "/dev/zero"), ("not a regular file",)),
        (("--prompt-file", "{big}"), ("2,097,152 bytes", "max_body_bytes")),
        (("--prompt", PROMPT, "--max-new-tokens", "99999999999"), ("--max-new-tokens", "512")),
        (("--prompt", PROMPT, "--temperature", "inf"), ("--temperature is inf",)),
        (("--prompt", PROMPT, "--temperature", "-1"), ("--temperature is -1",)),
    ],
)
def test_bad_inputs_are_refused_before_the_model(tmp_path, args, words):
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (2 * 2**20 // 5) + b"x" * (2 * 2**20 % 5))
    args = tuple(str(big) if a == "{big}" else a for a in args)
    for command in ("generate", "explain"):
        started = time.monotonic()
        proc = _cli(command, "--model", "no-such-model-anywhere", *args)
        _one_line_error(proc, *words)
        assert time.monotonic() - started < 30


def test_a_fifo_nobody_writes_does_not_hang(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    proc = _cli("explain", "--model", "tiny", "--prompt-file", str(fifo), "--target", " x", timeout=30)
    _one_line_error(proc, "not a regular file")


def test_a_dataset_that_never_ends_is_refused(tmp_path):
    link = tmp_path / "rows.jsonl"
    link.symlink_to("/dev/zero")
    _one_line_error(_cli("batch", "--model", "tiny", "--dataset", str(link)), "not a regular file")


def test_serve_with_a_port_out_of_range(tmp_path):
    _one_line_error(_cli("serve", "--models", "tiny", "--port", "70000"), "--port must be <= 65535")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_batch_keeps_every_finished_row(tmp_path, sig, code):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "promptlight", "batch", "--model", "tiny", "--dataset", "sample_prompts",
         "--method", "integrated_gradients", "--option", "steps=96", "--out", str(out)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = []
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("promptlight: 2/"):
            proc.send_signal(sig)
            break
    rest = proc.communicate(timeout=120)[1]
    assert proc.returncode == code, "".join(seen) + rest
    rows = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    assert 2 <= len(rows) < 13, len(rows)  # the finished rows (and the one in flight), each complete
    in_order = [e.source for e in load_dataset("sample_prompts")]
    assert [r["source"] for r in rows] == in_order[: len(rows)]  # the dataset's first rows, in order
    import pyarrow.parquet as pq

    assert pq.read_table(out / "results.parquet").column("source").to_pylist() == in_order[: len(rows)]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_a_batch_refused_before_the_model_loads_writes_nothing(tmp_path):
    out = tmp_path / "run"
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"prompt": "x" * 10, "target": " y"}) + "\n")
    proc = _cli("batch", "--model", "tiny", "--dataset", str(rows), "--method", "grad_l2", "--option", "nope=1", "--out", str(out))
    _one_line_error(proc, "nope")
    assert not out.exists()
