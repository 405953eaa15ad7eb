"""``promptlight batch --out DIR``: run folders that resume, Parquet tables that agree with the records, templates."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys

import pytest

import promptlight
from promptlight.cli import main
from promptlight.result import SalienceResult

ROWS = [
    {"prompt": "Dislikes: eggs.\nDish: quiche.\nVerdict:", "target": " Avoid it.", "source": "quiche"},
    {"prompt": "Dislikes: fish.\nDish: rice.\nVerdict:", "target": " Enjoy it.", "source": "rice"},
    {"prompt": "Dislikes: nuts.\nDish: pesto.\nVerdict:", "target": " Avoid it.", "source": "pesto"},
]


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _rows(tmp_path, rows=ROWS, name="rows.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _journal(folder, name="records.jsonl"):
    return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]


def _batch(data, out, *more):
    return _cli("batch", "--model", "tiny", "--dataset", str(data), "--granularity", "lines", "--out", str(out), *more)


def test_the_tables_say_what_the_records_say(tiny, tmp_path):
    out = tmp_path / "run"
    code, _o, err = _batch(_rows(tmp_path), out, "--methods", "grad_l2,occlusion")
    assert code == 0, err
    journal = _journal(out)
    assert [(j["row"], j["method"]) for j in journal] == [(r, m) for r in range(3) for m in ("grad_l2", "occlusion")]
    results, segments = promptlight.load_run(out)
    assert list(results["status"]) == ["ok"] * 6 and results["error"].isna().all()
    for line in journal:
        record = SalienceResult.from_dict(line["record"])
        row = results[results["key"] == line["key"]].iloc[0]
        assert row["f"] == record.objective_value and row["target"] == record.target
        top = record.top_segments("lines", method=line["method"], k=100)
        assert row["top_segment"] == top[0].text and row["top_score"] == pytest.approx(top[0].score)
        mine = segments[segments["key"] == line["key"]].sort_values("rank")
        # The table ranks prompt segments exactly as result.top_segments does (and so the CLI and UI).
        assert [(s.start, s.end) for s in top] == list(zip(mine["start"], mine["end"]))
        assert list(mine["score"]) == pytest.approx([s.score for s in top])
        assert all(record.text[a:b] == t for a, b, t in zip(mine["start"], mine["end"], mine["text"]))
        assert (mine["end"] <= record.prompt_span.end).all()  # prompt segments only
    job = json.loads((out / "job.json").read_text())["job"]
    assert job["methods"] == ["grad_l2", "occlusion"] and job["device"] == "cpu" and job["dtype"] == "float32"


def test_a_rerun_skips_what_is_done_and_a_new_row_is_added(tiny, tmp_path):
    out = tmp_path / "run"
    code, _o, err = _batch(_rows(tmp_path, ROWS[:2]), out, "--method", "grad_l2")
    assert code == 0, err
    before = (out / "records.jsonl").read_bytes()
    code, _o, err = _batch(_rows(tmp_path, ROWS[:2]), out, "--method", "grad_l2")
    assert code == 0 and "2 of 2 rows already done" in err
    assert (out / "records.jsonl").read_bytes() == before  # nothing explained twice
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2")  # the dataset grew by one row
    assert code == 0 and "2 of 3 rows already done" in err
    results, _ = promptlight.load_run(out)
    assert list(results["source"]) == ["quiche", "rice", "pesto"]
    # A changed option is a different row key: nothing of the old rows is reused for it.
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2", "--check")
    assert code == 2 and "belongs to a different job" in err and "check" in err


def test_a_different_job_is_refused_unless_overwrite(tiny, tmp_path):
    out = tmp_path / "run"
    assert _batch(_rows(tmp_path, ROWS[:1]), out, "--method", "grad_l2")[0] == 0
    code, _o, err = _batch(_rows(tmp_path, ROWS[:1]), out, "--method", "occlusion")
    assert code == 2 and "methods: the folder has ['grad_l2'], this run ['occlusion']" in err
    assert "Traceback" not in err
    code, _o, err = _batch(_rows(tmp_path, ROWS[:1]), out, "--method", "occlusion", "--overwrite")
    assert code == 0, err
    results, _ = promptlight.load_run(out)
    assert list(results["method"]) == ["occlusion"]  # the old job's rows are gone, not mixed in
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep")
    code, _o, err = _batch(_rows(tmp_path, ROWS[:1]), other, "--method", "grad_l2")
    assert code == 2 and "is not a run folder" in err and (other / "mine.txt").read_text() == "keep"


def test_bad_rows_are_recorded_and_the_run_goes_on(tiny, tmp_path):
    out = tmp_path / "run"
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2", "--target", "regex:Avoid")
    assert code == 1  # a row failed
    assert "row 1 (rice, grad_l2) failed" in err and "matches nothing in the target ' Enjoy it.'" in err
    results, segments = promptlight.load_run(out)
    assert list(results["status"]) == ["ok", "error", "ok"]
    assert list(results["selected"].fillna("")) == ["Avoid", "", "Avoid"]
    assert set(segments["row"]) == {0, 2}
    assert [e["source"] for e in _journal(out, "errors.jsonl")] == ["rice"]
    # The failed row is tried again by the next run; the done ones are not.
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2", "--target", "regex:Avoid")
    assert code == 1 and "2 of 3 rows already done" in err


def test_bad_input_is_refused_before_any_model_call(tmp_path):
    missing = _rows(tmp_path, [{"target": " x", "source": "a"}], "missing.jsonl")
    code, _o, err = _batch(missing, tmp_path / "r1", "--method", "grad_l2")
    assert code == 2 and 'missing the required "prompt"' in err
    afile = tmp_path / "afile"
    afile.write_text("x")
    code, _o, err = _batch(_rows(tmp_path), afile / "run", "--method", "grad_l2")
    assert code == 2 and "Cannot create the run folder" in err
    for argv, needle in [
        (("--target", "nonsense"), "valid: dataset, generate, regex:PATTERN"),
        (("--target", "regex:("), "does not compile"),
        (("--shard", "3/2"), "between 1 and N"),
        (("--limit", "0"), "--limit is 0"),
        (("--methods", "grad_l2,nope"), "nope"),
        (("--methods", "grad_l2,occlusion", "--option", "steps=4"), "option of none of grad_l2, occlusion"),
        (("--workers", "2"), "need --engine ray"),
        (("--granularity", "fields"), "needs prompts filled from a template"),
    ]:
        code, _o, err = _batch(_rows(tmp_path), tmp_path / "r2", "--method", "grad_l2", *argv)
        assert code == 2 and needle in err, (argv, err)
        assert "Traceback" not in err


def test_a_full_disk_stops_the_run_with_one_line_and_the_rerun_resumes(tiny, small_disk, tmp_path):
    out = small_disk / "run"
    assert _batch(_rows(tmp_path, ROWS[:1]), out, "--method", "grad_l2")[0] == 0
    filler = small_disk / "filler"
    with filler.open("wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2")
    assert code == 2 and "Cannot write to the run folder" in err and "rerun the same command" in err, err
    assert "Traceback" not in err
    from promptlight.runs.folder import read_journal

    assert [j["source"] for j in read_journal(out / "records.jsonl")][:1] == ["quiche"]  # what was done is still there
    filler.unlink()
    code, _o, err = _batch(_rows(tmp_path), out, "--method", "grad_l2")
    assert code == 0, err
    results, _ = promptlight.load_run(out)
    assert list(results["source"]) == ["quiche", "rice", "pesto"] and set(results["status"]) == {"ok"}


def test_limit_and_shards_partition_the_rows(tiny, tmp_path):
    data = _rows(tmp_path)
    for i in (1, 2):
        assert _batch(data, tmp_path / f"s{i}", "--method", "grad_l2", "--shard", f"{i}/2")[0] == 0
    both, _ = promptlight.load_run([tmp_path / "s1", tmp_path / "s2"])
    assert list(both["row"]) == [0, 1, 2] and list(both["source"]) == ["quiche", "rice", "pesto"]
    assert _batch(data, tmp_path / "whole", "--method", "grad_l2")[0] == 0
    whole, _ = promptlight.load_run(tmp_path / "whole")
    assert list(whole["key"]) == list(both["key"]) and list(whole["f"]) == list(both["f"])
    assert _batch(data, tmp_path / "lim", "--method", "grad_l2", "--limit", "2")[0] == 0
    assert list(promptlight.load_run(tmp_path / "lim")[0]["source"]) == ["quiche", "rice"]


TEMPLATE = "Dislikes: {dislikes}.\nDish: {dish}.\nVerdict:"
FIELD_ROWS = [
    {"dislikes": "eggs", "dish": "quiche", "target": " Avoid it.", "source": "quiche"},
    {"dislikes": "fish", "dish": "rice", "target": " Enjoy it.", "source": "rice"},
]


def test_a_template_gives_the_fields_granularity(tiny, tmp_path):
    template = tmp_path / "prompt.txt"
    template.write_text(TEMPLATE, encoding="utf-8")
    out = tmp_path / "run"
    code, _o, err = _cli(
        "batch", "--model", "tiny", "--dataset", str(_rows(tmp_path, FIELD_ROWS)), "--template", str(template),
        "--method", "occlusion", "--granularity", "fields", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    results, segments = promptlight.load_run(out)
    first = SalienceResult.from_dict(_journal(out)[0]["record"])
    assert first.prompt == "Dislikes: eggs.\nDish: quiche.\nVerdict:"
    names = {f["name"]: first.text[f["start"] : f["end"]] for f in first.fields}
    assert names == {"template#0": "Dislikes: ", "dislikes": "eggs", "template#1": ".\nDish: ", "dish": "quiche",
                     "template#2": ".\nVerdict:"}  # fmt: skip
    row0 = segments[segments["row"] == 0].sort_values("start")
    # One segment per field and template section: occlusion removed each of them as one piece.
    assert list(row0["part"]) == ["template#0", "dislikes", "template#1", "dish", "template#2"]
    assert list(row0["text"]) == ["Dislikes: ", "eggs", ".\nDish: ", "quiche", ".\nVerdict:"]
    assert results["template"].tolist() == [TEMPLATE, TEMPLATE]
    # A field missing from a row is named, with the row.
    bad = _rows(tmp_path, [{"dislikes": "eggs", "target": " x"}], "bad.jsonl")
    code, _o, err = _cli("batch", "--model", "tiny", "--dataset", str(bad), "--template", str(template))
    assert code == 2 and "line 1" in err and "no column 'dish'" in err


def test_an_interrupted_run_resumes_to_the_same_tables(tmp_path):
    """SIGINT mid-run: exit 130 with whole tables; the rerun finishes; the result equals an uninterrupted run."""
    rows = [{**ROWS[k % 3], "source": f"r{k}"} for k in range(8)]
    data = _rows(tmp_path, rows)
    argv = [sys.executable, "-m", "promptlight", "batch", "--model", "tiny", "--dataset", str(data),
            "--method", "integrated_gradients", "--option", "steps=64", "--granularity", "lines"]  # fmt: skip
    proc = subprocess.Popen([*argv, "--out", str(tmp_path / "cut")], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("promptlight: 2/"):
            proc.send_signal(signal.SIGINT)
            break
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, err
    assert "rerun the same command to resume" in err
    partial, _ = promptlight.load_run(tmp_path / "cut")
    assert 2 <= len(partial) < 8
    again = subprocess.run([*argv, "--out", str(tmp_path / "cut")], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{len(partial)} of 8 rows already done" in again.stderr
    whole = subprocess.run([*argv, "--out", str(tmp_path / "whole")], capture_output=True, text=True, timeout=300)
    assert whole.returncode == 0, whole.stderr
    a, sa = promptlight.load_run(tmp_path / "cut")
    b, sb = promptlight.load_run(tmp_path / "whole")
    columns = ["key", "row", "source", "method", "status", "f", "top_segment", "top_score"]
    assert a[columns].equals(b[columns])
    assert sa.drop(columns=[]).equals(sb)


@pytest.mark.skipif(os.environ.get("PROMPTLIGHT_SKIP_RAY") == "1", reason="PROMPTLIGHT_SKIP_RAY=1")
def test_the_ray_engine_writes_what_the_local_engine_writes(tiny, tmp_path):
    """A local Ray instance with two actors: the same Parquet tables row for row, and the same resume."""
    data = _rows(tmp_path)
    base = [sys.executable, "-m", "promptlight", "batch", "--model", "tiny", "--dataset", str(data),
            "--methods", "grad_l2,occlusion", "--granularity", "lines"]  # fmt: skip
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    code, _o, err = _cli(*base[3:], "--out", str(tmp_path / "local"))  # the local engine, in this process
    assert code == 0, err
    # Ray, first on two rows only, then resumed on all three.
    ray_cmd = [*base, "--engine", "ray", "--workers", "2", "--out", str(tmp_path / "ray")]
    first = subprocess.run([*ray_cmd, "--limit", "2"], capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr
    second = subprocess.run(ray_cmd, capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr
    assert "4 of 6 rows already done" in second.stderr
    a, sa = promptlight.load_run(tmp_path / "local")
    b, sb = promptlight.load_run(tmp_path / "ray")
    columns = ["key", "row", "source", "method", "status", "top_segment", "device", "dtype"]
    assert a[columns].equals(b[columns])
    segment_columns = ["key", "row", "method", "start", "end", "text", "rank", "part"]
    assert sa[segment_columns].equals(sb[segment_columns])
    # Numbers agree to float32 rounding: Ray runs each actor with one thread (OMP_NUM_THREADS=1),
    # so its matrix products sum in another order than this process's.
    assert b["f"].to_numpy() == pytest.approx(a["f"].to_numpy(), rel=1e-5)
    assert b["top_score"].to_numpy() == pytest.approx(a["top_score"].to_numpy(), rel=1e-4, abs=1e-5)
    assert sb["score"].to_numpy() == pytest.approx(sa["score"].to_numpy(), rel=1e-4, abs=1e-5)


def test_the_runs_api_reads_run_folders_by_name_only(tiny, tmp_path):
    """``/api/runs``: rows, per-part statistics equal to a pandas computation, A/B, records; bad names are 404s."""
    import statistics

    from fastapi.testclient import TestClient

    from promptlight.server.app import create_app

    template = tmp_path / "t.txt"
    template.write_text(TEMPLATE, encoding="utf-8")
    other = tmp_path / "t2.txt"
    other.write_text("Guest avoids {dislikes}; the dish is {dish}. Verdict:", encoding="utf-8")
    data = _rows(tmp_path, FIELD_ROWS)
    for name, t in (("a", template), ("b", other)):
        code, _o, err = _cli("batch", "--model", "tiny", "--dataset", str(data), "--template", str(t),
                             "--method", "grad_l2", "--granularity", "fields", "--out", str(tmp_path / "runs" / name))  # fmt: skip
        assert code == 0, err
    (tmp_path / "runs" / "not-a-run").mkdir()
    app = create_app(models={"tiny": tiny}, datasets={}, db_path=tmp_path / "db.sqlite", runs=tmp_path / "runs")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        listed = client.get("/api/runs").json()
        assert [r["name"] for r in listed] == ["a", "b"] and listed[0]["rows"] == 2 and listed[0]["failed"] == 0
        results, segments = promptlight.load_run(tmp_path / "runs" / "a")
        rows = client.get("/api/runs/a/rows").json()["rows"]
        assert [r["f"] for r in rows] == list(results["f"])
        parts = {p["part"]: p for p in client.get("/api/runs/a/parts").json()["parts"]}
        for part, group in segments.groupby("part"):
            scores = list(group["score"])
            assert parts[part]["mean"] == pytest.approx(statistics.fmean(scores))
            assert parts[part]["std"] == pytest.approx(statistics.pstdev(scores))
            assert parts[part]["top_share"] == pytest.approx((group["rank"] == 1).sum() / len(results))
        ab = client.get("/api/runs/compare", params={"a": "a", "b": "b"}).json()
        b_results, _ = promptlight.load_run(tmp_path / "runs" / "b")
        deltas = dict(zip(b_results["source"], b_results["f"] - results["f"]))
        assert {r["source"]: r["delta"] for r in ab["rows"]} == pytest.approx(deltas)
        assert abs(ab["rows"][0]["delta"]) >= abs(ab["rows"][-1]["delta"])
        key = rows[0]["key"]
        saved = client.get(f"/api/runs/a/records/{key}").json()
        first = _journal(tmp_path / "runs" / "a")[0]
        assert saved["record"] == first["record"] and saved["source"] == "quiche"
        for url, field in [
            ("/api/runs/nope/rows", "run"),
            ("/api/runs/not-a-run/rows", "run"),
            ("/api/runs/..%2F..%2Fetc/rows", None),
            ("/api/runs/a/records/nope", "key"),
            ("/api/runs/a/parts?method=occlusion", "method"),
            ("/api/runs/compare?a=a&b=nope", "run"),
        ]:
            answer = client.get(url)
            assert answer.status_code == 404, url
            if field:
                assert answer.json()["error"]["field"] == field, url
    bare = create_app(models={"tiny": tiny}, datasets={}, db_path=tmp_path / "db2.sqlite")
    with TestClient(bare, base_url="http://127.0.0.1") as client:
        assert client.get("/api/runs").json() == []
        assert "--runs DIR" in client.get("/api/runs/a/rows").json()["error"]["message"]


def test_a_generated_target_stops_at_the_rows_own_stop_strings_unless_the_job_gives_some(tiny, tmp_path):
    prompt = ROWS[0]["prompt"]
    sampling = {"max_new_tokens": 8, "temperature": 2.0, "seed": 0}  # seeded: the same text every run
    free = tiny.generate(prompt, **sampling)
    assert free.finish_reason == "length"
    # A token whose text first appears where it stands (not at the start): stopping there keeps some text.
    cut = next(
        text
        for span in free.token_spans[1:]
        if (text := free.text[span.start : span.end]).strip() and free.text.find(text) == span.start > 0
    )
    data = _rows(tmp_path, [{"prompt": prompt, "source": "own", "stop": [cut]}, {"prompt": prompt, "source": "free"}])

    def targets(out, *more) -> dict[str, str]:
        code, _o, err = _batch(data, out, "--method", "grad_l2", "--max-new-tokens", "8", "--temperature", "2", "--seed", "0", *more)
        assert code == 0, err
        records = {line["source"]: line["record"] for line in _journal(out)}
        return {source: r["text"][r["target_span"][0] : r["target_span"][1]] for source, r in records.items()}

    got = targets(tmp_path / "a")
    assert got["free"] == free.text
    assert got["own"] == tiny.generate(prompt, **sampling, stop=(cut,)).text
    assert len(got["own"]) < len(free.text) and cut not in got["own"]
    given = targets(tmp_path / "b", "--stop", "text that never comes")  # the job's stop strings win
    assert given == {"own": free.text, "free": free.text}
