"""The console script, run as a user runs it (a subprocess), on the tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "promptlight", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=300,
    )


def test_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from promptlight.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "for sub in ('generate', 'explain', 'serve', 'models', 'datasets', 'methods'):\n"
        "    try:\n        main([sub, '--help'])\n    except SystemExit:\n        pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
        "print('TRANSFORMERS' if 'transformers' in sys.modules else 'NO-TRANSFORMERS')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "NO-TORCH" in out and "NO-TRANSFORMERS" in out


def test_generate_json_offsets_slice_the_text():
    proc = run("generate", "--model", "tiny", "--prompt", "Suggestion: quiche. Analysis:", "--max-new-tokens", "12", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["model"] == "tiny" and record["prompt"] == "Suggestion: quiche. Analysis:"
    text = record["text"]
    assert len(record["tokens"]) == 12 or record["finish_reason"] != "length"
    assert "".join(text[t["start"] : t["end"]] for t in record["tokens"]) == text
    for t in record["tokens"]:
        assert t["text"] == text[t["start"] : t["end"]]


def test_generate_over_a_dataset_prints_json_lines(tmp_path):
    data = tmp_path / "two.jsonl"
    data.write_text('{"prompt": "one two", "source": "a"}\n{"prompt": "three four", "source": "b"}\n')
    proc = run("generate", "--model", "tiny", "--dataset", str(data), "--max-new-tokens", "3", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert [json.loads(line)["source"] for line in lines] == ["a", "b"]


def test_explain_json_scores_every_prompt_token():
    proc = run(
        "explain", "--model", "tiny", "--prompt", "Taste-dislikes: eggs. Suggestion: quiche.", "--target", " Avoid it.",
        "--method", "grad_l2", "--granularity", "tokens", "--format", "json",
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    first = result["target_token_span"][0]
    prompt_end = result["prompt_span"][1]
    prompt_tokens = [t for t in result["tokens"][:first]]
    assert prompt_tokens and all(t["scores"]["grad_l2"] is not None for t in prompt_tokens)
    assert prompt_tokens[-1]["end"] <= prompt_end or prompt_tokens[-1]["start"] < prompt_end


def test_explain_text_and_html_outputs(tmp_path):
    proc = run("explain", "--model", "tiny", "--prompt", "Line one.\nLine two.\n", "--target", "Yes", "--granularity", "lines", "--check")
    assert proc.returncode == 0, proc.stderr
    assert "Top" in proc.stdout and "Line one." in proc.stdout
    assert "Faithfulness check at lines: Removing the top line " in proc.stdout
    out = tmp_path / "report.html"
    proc = run("explain", "--model", "tiny", "--prompt", "<script>alert(1)</script> hi", "--target", " there", "--format", "html", "--out", str(out), "--check")
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    assert "<dt>faithfulness (words)</dt><dd>Removing the top word " in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page  # self-contained


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("explain", "--model", "tiny", "--prompt", "x", "--target", "y", "--method", "ig"), "Unknown salience method 'ig'"),
        (("explain", "--model", "tiny", "--prompt", "x", "--target", "y", "--granularity", "sentence"), "Unknown granularity"),
        (("explain", "--model", "tiny", "--prompt", "x", "--target", "yes", "--target-span", "a:b"), "--target-span 'a:b'"),
        (("generate", "--model", "no-such-model", "--prompt", "x"), "Unknown model 'no-such-model'"),
        (("generate", "--model", "/nope/model.gguf", "--prompt", "x"), "Model file not found"),
        (("generate", "--model", "tiny", "--prompt-file", "/nope/p.txt"), "does not exist"),
        (("generate", "--model", "tiny", "--dataset", "/nope/d.jsonl"), "d.jsonl"),
        (("generate", "--model", "tiny", "--prompt", "x", "--top-p", "0"), "top_p must be in (0, 1]"),
        (("generate", "--model", "tiny", "--prompt", "  \n"), "--prompt is empty"),
    ],
)
def test_user_mistakes_get_one_clear_line(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert message in proc.stderr, proc.stderr


def test_hub_id_without_network_is_a_clear_error():
    proc = run("generate", "--model", "some-org/some-model", "--prompt", "x")
    assert proc.returncode == 2
    assert "some-org/some-model" in proc.stderr and "local" in proc.stderr and "Traceback" not in proc.stderr


def test_listing_commands():
    assert "gemma3-270m" in run("models").stdout
    assert "sample_prompts" in run("datasets").stdout
    methods = json.loads(run("methods", "--format", "json").stdout)
    assert {m["name"] for m in methods} == {
        "grad_l2", "grad_dot_input", "integrated_gradients", "occlusion", "kernel_shap", "lime", "context_cite"
    }  # fmt: skip


def test_batch_explains_every_row_with_and_without_targets(tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text(
        '{"prompt": "Taste-dislikes: eggs.\\nSuggestion: quiche.\\nRecommendation:", "target": " Avoid it.", "source": "with-target"}\n'
        '{"prompt": "Suggestion: salad.\\nRecommendation:", "source": "generated"}\n'
    )
    out = tmp_path / "run"
    proc = run("batch", "--model", "tiny", "--dataset", str(data), "--method", "occlusion", "--granularity", "lines",
               "--max-new-tokens", "4", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert [r["source"] for r in lines] == ["with-target", "generated"]
    records = [r["record"] for r in lines]
    assert records[0]["text"].endswith(" Avoid it.")
    assert all(r["segment_scores"]["occlusion"]["granularity"] == "lines" for r in records)
    assert len(records[1]["text"]) > len("Suggestion: salad.\nRecommendation:")


def test_reselect_answers_a_saved_occlusion_result_without_loading_a_model(tmp_path):
    from promptlight.reselect import reselect
    from promptlight.result import SalienceResult

    target = "Recommendation: Avoid it. It has eggs."
    saved = tmp_path / "run.json"
    proc = run(
        "explain", "--model", "tiny", "--prompt", "Taste-dislikes: eggs.\nSuggestion: quiche.\n", "--target", target,
        "--method", "kernel_shap", "--granularity", "lines", "--format", "json", "--out", str(saved),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    whole = SalienceResult.from_json(saved.read_text(encoding="utf-8"))
    # Reading the record must not import torch: nothing is computed by a model.
    code = (
        "import sys\nfrom promptlight.cli import main\n"
        f"main(['reselect', {str(saved)!r}, '--select', 'Avoid it', '--format', 'json'])\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "NO-TORCH" in proc.stderr, proc.stderr
    start = target.index("Avoid it")
    assert json.loads(proc.stdout) == reselect(whole, target_span=(start, start + 8)).to_dict()
    text = run("reselect", str(saved), "--target-span", f"{start}:{start + 8}")
    assert text.returncode == 0 and "answered from the run over the whole target, no model call" in text.stdout
    for bad, says in (
        (["--target-span", "3:500"], "valid: 0 <= start < end <= 38"),
        (["--select", "Skip it"], "does not occur in the target"),
    ):
        proc = run("reselect", str(saved), *bad)
        assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
