"""promptlight.data: NAME:PATH parsing, the loaders, the registry and the built-in prompts."""

from __future__ import annotations

import csv
import dataclasses
import functools
import http.server
import io
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlight.data import (
    Dataset,
    DatasetError,
    list_datasets,
    load_dataset,
    loaders,
    parse_spec,
    register_dataset,
    registry,
    sample_prompts,
)
from promptlight.types import Example

pytestmark = pytest.mark.unit

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def load_error(spec) -> DatasetError:
    with pytest.raises(DatasetError) as info:
        load_dataset(spec)
    return info.value


# --- parse_spec ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("demo:prompts.jsonl", ("demo", "prompts.jsonl")),
        ("prompts.jsonl", ("prompts.jsonl", "prompts.jsonl")),
        ("sample_prompts", ("sample_prompts", "sample_prompts")),
        ("data/dir/rows.csv", ("data/dir/rows.csv", "data/dir/rows.csv")),
        ("a:b:c.jsonl", ("a", "b:c.jsonl")),
        ("  demo : rows.txt  ", ("demo", "rows.txt")),
        ("https://example.org/data/rows.jsonl", ("rows", "https://example.org/data/rows.jsonl")),
        ("http://example.org/rows.csv?raw=1#top", ("rows", "http://example.org/rows.csv?raw=1#top")),
        ("https://example.org/", ("https://example.org/", "https://example.org/")),
        ("https://example.org", ("https://example.org", "https://example.org")),
        ("mine:https://example.org/rows.csv", ("mine", "https://example.org/rows.csv")),
        ("gemma:gemma3-270m", ("gemma", "gemma3-270m")),
        ("t:/tmp/rows.csv", ("t", "/tmp/rows.csv")),  # one-letter NAME + absolute path, not a drive
    ],
)
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


def test_parse_spec_windows_drive_path_does_not_crash():
    name, path = parse_spec("C:\\data\\rows.jsonl")
    assert path == "C:\\data\\rows.jsonl" and name


@pytest.mark.parametrize("spec", ["", "   ", ":rows.jsonl", "demo:", ":", " : "])
def test_parse_spec_rejects_empty_name_or_path(spec):
    with pytest.raises(ValueError) as info:
        parse_spec(spec)
    assert repr(spec) in str(info.value)


@given(st.text())
def test_parse_spec_fuzz(spec):
    try:
        name, path = parse_spec(spec)
    except ValueError:
        return
    assert name and path and isinstance(name, str) and isinstance(path, str)


# --- Dataset ---------------------------------------------------------------------------


def test_dataset_record():
    exs = [Example("p1", source="a"), Example("p2", source="b")]
    ds = Dataset(name="n", spec="n:x.jsonl", examples=exs)
    assert isinstance(ds.examples, tuple)
    assert len(ds) == 2 and list(ds) == exs and ds[1] == exs[1]
    assert ds.sources == ("a", "b")
    assert ds.by_source("b").prompt == "p2"
    with pytest.raises(KeyError) as info:
        ds.by_source("zzz")
    message = str(info.value)
    assert "'zzz'" in message and "a, b" in message and not message.startswith("'")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"  # type: ignore[misc]


def test_dataset_error_is_value_error():
    assert issubclass(DatasetError, ValueError)


# --- .jsonl ----------------------------------------------------------------------------


def test_jsonl_round_trip(tmp_path):
    rows = [
        {"prompt": "Q: 2 + 2?\nA:", "target": " 4", "source": "sum", "level": 1, "tags": ["x"]},
        {"prompt": "Héllo \u2028 wörld ✓", "target": None},
        {"prompt": "third", "source": ""},
    ]
    text = json.dumps(rows[0]) + "\r\n\n   \n" + json.dumps(rows[1], ensure_ascii=False) + "\n" + json.dumps(rows[2])
    ds = load_dataset(f"mine:{write(tmp_path, 'rows.jsonl', text)}")
    assert ds.name == "mine" and len(ds) == 3
    a, b, c = ds.examples
    assert (a.prompt, a.target, a.source, dict(a.fields)) == ("Q: 2 + 2?\nA:", " 4", "sum", {"level": 1, "tags": ["x"]})
    assert (b.prompt, b.target, b.source) == ("Héllo \u2028 wörld ✓", "", "rows#2")  # counts examples, not lines
    assert c.source == "rows#3"


def test_jsonl_with_bom_and_upper_case_extension(tmp_path):
    path = write(tmp_path, "Rows.JSONL", b"\xef\xbb\xbf" + b'{"prompt": "hi"}\n')
    ds = load_dataset(str(path))
    assert ds.name == str(path) and ds.examples[0].prompt == "hi" and ds.examples[0].source == "Rows#1"


def test_load_dataset_accepts_path_objects(tmp_path):
    ds = load_dataset(write(tmp_path, "a:b.jsonl", '{"prompt": "x"}'))
    assert ds.examples[0].prompt == "x"


@pytest.mark.parametrize(
    ("content", "where", "problem"),
    [
        ('{"prompt": "ok"}\n\n{"prompt": "x",}\n', "line 3", "invalid JSON: Expecting property name"),
        ('{"prompt": "ok"}\n["prompt", "x"]\n', "line 2", "got an array"),
        ('"just a string"\n', "line 1", "got a string"),
        ("[\n", "line 1", "not one JSON array"),
        (
            '{"prompt": "ok"}\n{"text": "x", "answer": "y"}\n',
            "line 2",
            "missing the required \"prompt\" (found: 'text', 'answer')",
        ),
        ('{"prompt": 3}\n', "line 1", '"prompt" must be a string, got a number'),
        ('{"prompt": ["a"]}\n', "line 1", '"prompt" must be a string, got an array'),
        ('{"prompt": "a", "target": 5}\n', "line 1", '"target" must be a string, got a number'),
        ('{"prompt": "a", "source": {"id": 1}}\n', "line 1", '"source" must be a string, got an object'),
        ('{"prompt": "a"}\n{"prompt": "  \\n "}\n', "line 2", "the prompt is empty"),
        ('{"prompt": "\\ud800"}\n', "line 1", "unpaired surrogate"),
        ('{"prompt": "a", "extra": ["\\uDC00"]}\n', "line 1", "unpaired surrogate"),
        ('{"prompt": "\\ud83d\\ude00 is a pair"}\n{}\n', "line 2", 'missing the required "prompt"'),
        ('{"prompt": "a", "n": ' + "9" * 5000 + "}\n", "line 1", "cannot read this JSON"),
        ("[" * 100_000 + "\n", "line 1", ""),
    ],
)
def test_jsonl_errors_name_file_line_and_problem(tmp_path, content, where, problem):
    path = write(tmp_path, "bad.jsonl", content)
    error = load_error(str(path))
    message = str(error)
    assert message.startswith(f"{path}, {where}:"), message
    assert problem in message
    assert error.origin == str(path) and error.line == int(where.split()[-1])


@pytest.mark.parametrize("content", ["", "\n  \n\t\n"])
def test_jsonl_empty_file(tmp_path, content):
    message = str(load_error(str(write(tmp_path, "empty.jsonl", content))))
    assert "empty.jsonl" in message and "is empty" in message and '{"prompt": "..."}' in message


# --- .csv ------------------------------------------------------------------------------


def test_csv_round_trip(tmp_path):
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow([" Prompt ", "target", "Source", "topic", ""])
    writer.writerow(["Line one,\nline \"two\"\r\nline three", " 42", "multi", "math", "i0"])
    writer.writerow(["", "", "", "", ""])  # an all-empty row is skipped
    writer.writerow(["short row"])  # missing cells are empty
    for bom in (b"", b"\xef\xbb\xbf"):
        path = write(tmp_path, "table.csv", bom + buf.getvalue().encode("utf-8"))
        ds = load_dataset(f"t:{path}")
        assert len(ds) == 2
        a, b = ds.examples
        assert a.prompt == "Line one,\nline \"two\"\r\nline three"
        assert (a.target, a.source, dict(a.fields)) == (" 42", "multi", {"topic": "math", "column_5": "i0"})
        assert (b.prompt, b.target, b.source) == ("short row", "", "table#2")
        assert dict(b.fields) == {"topic": "", "column_5": ""}


@pytest.mark.parametrize(
    ("content", "where", "problem"),
    [
        ("text,answer\nhi,there\n", "line 1", "no 'prompt' column (columns found: 'text', 'answer')"),
        ("prompt;target\nhi;there\n", "line 1", "separated by ';'"),
        ("prompt,target\nok,1\n,2\n", "row 2 (line 3)", "the prompt is empty"),
        ('prompt,target\n"multi\nline",1\n  ,2\n', "row 2 (line 4)", "the prompt is empty"),
        ("prompt,target\nok,1\na,b,c\n", "row 2 (line 3)", "has 3 cells but the header has 2 columns"),
        ("prompt,Prompt\na,b\n", "line 1", "names the column 'prompt' twice"),
        ('prompt,target\nok,1\n"never closed,2\nmore\n', "line 3", "unexpected end of data. Check the double quotes"),
        ('prompt,target\nok,"b"c\n', "line 2", "not valid CSV: ',' expected after '\"'"),
        ("prompt\n" + "x" * 200_000 + "\n", "line 2", "field larger than field limit"),
    ],
)
def test_csv_errors_name_file_row_and_problem(tmp_path, content, where, problem):
    path = write(tmp_path, "bad.csv", content)
    message = str(load_error(str(path)))
    assert message.startswith(f"{path}, {where}:"), message
    assert problem in message


def test_csv_header_only_and_empty(tmp_path):
    message = str(load_error(str(write(tmp_path, "head.csv", "prompt,target\n"))))
    assert "head.csv" in message and "no examples" in message
    message = str(load_error(str(write(tmp_path, "none.csv", "\ufeff"))))
    assert "none.csv" in message and "is empty" in message and "'prompt' column" in message


# --- .txt ------------------------------------------------------------------------------


def test_txt_whole_file_is_one_prompt(tmp_path):
    ds = load_dataset(str(write(tmp_path, "note.txt", "Write a poem.\n\nAbout rain:\n")))
    assert [(e.prompt, e.source) for e in ds] == [("Write a poem.\n\nAbout rain:", "note")]


def test_txt_separators(tmp_path):
    text = "First\nprompt\n---\nSecond\n\n  ---  \n\nThird\r\n---\r\nA: --- not a separator\n"
    ds = load_dataset(str(write(tmp_path, "many.txt", text)))
    assert [e.prompt for e in ds] == ["First\nprompt", "Second\n", "\nThird", "A: --- not a separator"]
    assert ds.sources == ("many#1", "many#2", "many#3", "many#4")


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("a\n---\n---\nb\n", "prompt 2 (line 3)"),
        ("---\nb\n", "prompt 1 (line 1)"),
        ("a\n---\n \n", "prompt 2 (line 3)"),
    ],
)
def test_txt_empty_piece(tmp_path, content, where):
    path = write(tmp_path, "gaps.txt", content)
    message = str(load_error(str(path)))
    assert message.startswith(f"{path}, {where}: is empty") and "'---'" in message


def test_txt_empty_file(tmp_path):
    message = str(load_error(str(write(tmp_path, "blank.txt", " \n\n"))))
    assert "blank.txt" in message and "is empty" in message


# --- errors common to every format -----------------------------------------------------


@pytest.mark.parametrize("name", ["bad.jsonl", "bad.csv", "bad.txt"])
def test_invalid_utf8_names_byte_offset_and_line(tmp_path, name):
    head = b'{"prompt": "ok"}\n' if name.endswith("jsonl") else b"prompt\nok\n" if name.endswith("csv") else b"ok\n"
    for bom in (b"", b"\xef\xbb\xbf"):
        data = bom + head + b"caf\xe9\n"
        path = write(tmp_path, name, data)
        message = str(load_error(str(path)))
        offset = data.index(b"\xe9")
        line = data[:offset].count(b"\n") + 1
        assert message.startswith(f"{path}, line {line}: not valid UTF-8"), message
        assert f"byte 0xe9 at byte offset {offset}" in message


def test_file_not_found(tmp_path):
    path = tmp_path / "missing.csv"
    message = str(load_error(str(path)))
    assert str(path) in message and "file not found" in message


def test_directory(tmp_path):
    (tmp_path / "rows.jsonl").write_text('{"prompt": "x"}')
    message = str(load_error(str(tmp_path)))
    assert str(tmp_path) in message and "is a directory" in message and "rows.jsonl" in message
    (tmp_path / "sub.jsonl").mkdir()
    message = str(load_error(str(tmp_path / "sub.jsonl")))
    assert "sub.jsonl" in message and "is a directory" in message


@pytest.mark.parametrize("name", ["rows.json", "rows.tsv", "rows.parquet", "rows"])
def test_unknown_extension_lists_valid_choices(tmp_path, name):
    path = write(tmp_path, name, '{"prompt": "x"}')
    message = str(load_error(str(path)))
    assert str(path) in message and "unknown dataset format" in message
    for choice in (".jsonl", ".csv", ".txt", "http(s) URL", "list_datasets()", "sample_prompts"):
        assert choice in message
    if name.endswith(".json"):
        assert "one object per line" in message


def test_unknown_dataset_name_lists_builtins():
    message = str(load_error("sample_promtps"))
    assert "Unknown dataset 'sample_promtps'" in message
    assert "Did you mean 'sample_prompts'?" in message and "Built-in datasets: sample_prompts" in message


@pytest.mark.parametrize("spec", ["", ":x.jsonl", "name:"])
def test_bad_spec_is_a_dataset_error(spec):
    message = str(load_error(spec))
    assert repr(spec) in message and "sample_prompts" in message


def test_unsupported_url_scheme():
    message = str(load_error("ftp://example.org/rows.csv"))
    assert "ftp://example.org/rows.csv" in message and "unsupported URL scheme 'ftp'" in message


# --- the registry ----------------------------------------------------------------------


@pytest.fixture
def clean_registry():
    saved = dict(registry._REGISTRY)
    yield
    registry._REGISTRY.clear()
    registry._REGISTRY.update(saved)


def test_register_dataset(clean_registry):
    def my_rows():
        """Two rows for a test.

        More text that is not part of the description."""
        return [Example("one", source="r1"), Example("two", source="r2")]

    register_dataset("mine", my_rows)
    assert list_datasets()["mine"] == "Two rows for a test."
    assert "sample_prompts" in list_datasets()
    ds = load_dataset("mine")
    assert (ds.name, ds.spec, ds.sources, ds.description) == ("mine", "mine", ("r1", "r2"), "Two rows for a test.")
    assert load_dataset("alias:mine").name == "alias"
    with pytest.raises(ValueError, match="already registered"):
        register_dataset("mine", my_rows)
    register_dataset("mine", lambda: [{"prompt": "from a dict", "level": 2}], description="dicts", replace=True)
    ex = load_dataset("mine").examples[0]
    assert (ex.prompt, ex.source, dict(ex.fields)) == ("from a dict", "mine#1", {"level": 2})
    assert list_datasets()["mine"] == "dicts"


def test_register_dataset_bad_rows_and_names(clean_registry):
    register_dataset("broken", lambda: [{"prompt": "ok"}, {"text": "no prompt"}])
    message = str(load_error("broken"))
    assert "dataset 'broken', row 2" in message and "missing the required \"prompt\"" in message
    register_dataset("raises", lambda: 1 / 0)
    assert "Dataset 'raises' failed to load: ZeroDivisionError" in str(load_error("raises"))
    for bad in ["", "a:b", " padded "]:
        with pytest.raises(ValueError, match="Invalid dataset name"):
            register_dataset(bad, list)


# --- sample_prompts --------------------------------------------------------------------

EXPECTED_SOURCES = (
    "math-cot-1", "math-cot-2", "math-cot-3", "math-cot-4",
    "headline-1", "headline-2", "headline-3",
    "ideas-1", "ideas-2", "ideas-3",
    "fewshot-mistake", "fewshot-fixed", "fewshot-constitution",
)  # fmt: skip


@pytest.fixture(scope="module")
def samples() -> Dataset:
    return load_dataset("sample_prompts")


def test_sample_prompts_sources_and_counts(samples):
    assert samples.sources == EXPECTED_SOURCES
    assert len(set(samples.sources)) == len(samples)
    for prefix in ("math-cot-", "headline-", "ideas-"):
        assert sum(s.startswith(prefix) for s in samples.sources) >= 3
    for ex in samples:
        assert ex.prompt.strip() and isinstance(ex.target, str)
        assert len(ex.prompt) <= 1000, (ex.source, len(ex.prompt))
        assert ex.prompt == ex.prompt.rstrip(), f"{ex.source} ends in whitespace"


def _check_arithmetic(text: str) -> list[float]:
    """Every 'a op b op c = r' in the text is right; returns the results in order."""
    results = []
    for expr, result in re.findall(r"((?:\d+(?:\.\d+)? [x/+-] )+\d+(?:\.\d+)?) = (\d+(?:\.\d+)?)", text):
        value = eval(expr.replace("x", "*"), {"__builtins__": {}})  # digits and operators only
        assert value == float(result), f"{expr} = {result} is wrong"
        results.append(value)
    return results


def test_sample_math_prompts(samples):
    for ex in samples:
        if not ex.source.startswith("math-cot-"):
            continue
        assert ex.prompt.count("Q: ") == 3 and ex.prompt.count("The answer is ") == 2
        assert ex.prompt.endswith("\nA:") and ex.target.startswith(" ")
        for block in (ex.prompt + ex.target).split("\n\n"):
            results = _check_arithmetic(block)
            answer = re.search(r"The answer is (\d+)\.$", block)
            assert answer and results and results[-1] == float(answer.group(1)), block


def test_sample_headline_and_idea_prompts(samples):
    for ex in samples:
        if ex.source.startswith("headline-"):
            assert ex.prompt.count("Article: ") == ex.prompt.count("Headline:") >= 3
            assert ex.prompt.endswith("\nHeadline:") and ex.target.startswith(" ") and ex.target.strip()
        elif ex.source.startswith("ideas-"):
            principles, request = ex.prompt.split("\n\n")
            assert principles.startswith("Principles:\n") and principles.count("\n- ") >= 2
            assert request.endswith(":\n1.")


def _blocks(prompt: str) -> list[dict[str, str]]:
    """The prompt's 'Key: value' blocks (separated by blank lines) as dicts."""
    out = []
    for block in prompt.split("\n\n"):
        fields = dict(line.split(":", 1) for line in block.split("\n") if ":" in line)
        out.append({k: v.strip() for k, v in fields.items()})
    return out


def test_menu_trio_differs_only_where_intended(samples):
    mistake = samples.by_source("fewshot-mistake").prompt
    fixed = samples.by_source("fewshot-fixed").prompt
    constitution = samples.by_source("fewshot-constitution").prompt
    m_lines, f_lines = mistake.split("\n"), fixed.split("\n")
    assert len(m_lines) == len(f_lines)
    diff = [i for i, (a, b) in enumerate(zip(m_lines, f_lines)) if a != b]
    first_rec = next(i for i, line in enumerate(m_lines) if line.startswith("Recommendation:"))
    assert diff == [first_rec]
    header, rest = constitution.split("\n\n", 1)
    assert rest == fixed
    assert header.splitlines() == ["Principles:"] + [f"- {p}" for p in sample_prompts.MENU_CONSTITUTION]
    assert any("dietary restriction" in p for p in sample_prompts.MENU_CONSTITUTION)
    # All three come from the one template.
    mp = sample_prompts.menu_prompt
    assert mistake == mp(first_recommendation=sample_prompts.MENU_MISTAKE_RECOMMENDATION)
    assert fixed == mp(first_recommendation=sample_prompts.MENU_FIXED_RECOMMENDATION)
    assert constitution == mp(
        first_recommendation=sample_prompts.MENU_FIXED_RECOMMENDATION, principles=sample_prompts.MENU_CONSTITUTION
    )
    for source in ("fewshot-mistake", "fewshot-fixed", "fewshot-constitution"):
        assert samples.by_source(source).target == ""


def test_menu_mistake_contradiction(samples):
    blocks = _blocks(samples.by_source("fewshot-mistake").prompt)
    keys = ["Taste-likes", "Taste-dislikes", "Suggestion", "Analysis", "Recommendation"]
    assert 3 <= len(blocks) <= 4 and all(list(b) == keys for b in blocks[:-1])
    first = blocks[0]
    dislike = first["Taste-dislikes"]
    assert dislike.lower() in first["Analysis"].lower() and "don't like" in first["Analysis"]
    assert "try" in first["Recommendation"].lower()
    for other in blocks[1:-1]:  # the other worked examples are consistent
        assert "don't like" not in other["Analysis"] and "try" in other["Recommendation"].lower()
    fixed_first = _blocks(samples.by_source("fewshot-fixed").prompt)[0]
    assert "avoid" in fixed_first["Recommendation"].lower() and "try" not in fixed_first["Recommendation"].lower()
    query = blocks[-1]
    assert list(query) == ["Taste-likes", "Taste-dislikes", "Suggestion", "Analysis"] and query["Analysis"] == ""
    assert "cheese" in query["Taste-likes"]
    assert "eggs" in query["Taste-dislikes"] and "restriction" in query["Taste-dislikes"]
    assert "quiche" in query["Suggestion"].lower()
    assert samples.by_source("fewshot-mistake").prompt.endswith("\nAnalysis:")


def test_data_package_is_import_light():
    code = "import sys, promptlight.data; bad = [m for m in ('torch', 'transformers') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_loaders_docstring_documents_every_format():
    doc = loaders.__doc__ or ""
    for needle in (".jsonl", ".csv", ".txt", "http", "---", "prompt", "target", "source", "UTF-8", "Content-Type"):
        assert needle in doc


# --- URLs, against a real local HTTP server --------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ndjson": "application/x-ndjson",
    }

    def log_message(self, format, *args):
        pass


@pytest.fixture
def http_root(tmp_path):
    """(base URL, folder it serves) for a real HTTP server on 127.0.0.1."""
    root = tmp_path / "www"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_url_jsonl_and_csv(http_root):
    base, root = http_root
    (root / "rows.jsonl").write_text('{"prompt": "from the web", "target": " ok"}\n{"prompt": "two"}\n')
    ds = load_dataset(f"{base}/rows.jsonl")
    assert ds.name == "rows" and ds.spec == f"{base}/rows.jsonl"
    assert [(e.prompt, e.target, e.source) for e in ds] == [("from the web", " ok", "rows#1"), ("two", "", "rows#2")]
    (root / "table.csv").write_text("prompt,source\nhello,h1\n")
    ds = load_dataset(f"web:{base}/table.csv?version=2")
    assert ds.name == "web" and ds.by_source("h1").prompt == "hello"


def test_url_format_from_content_type(http_root):
    base, root = http_root
    (root / "rows.ndjson").write_text('{"prompt": "typed"}\n')
    assert load_dataset(f"{base}/rows.ndjson").examples[0].prompt == "typed"
    (root / "rows.bin").write_bytes(b"\x00\x01")
    message = str(load_error(f"{base}/rows.bin"))
    assert f"{base}/rows.bin" in message and "cannot tell the format" in message
    assert "'application/octet-stream'" in message


def test_url_parse_error_names_url_and_line(http_root):
    base, root = http_root
    (root / "bad.jsonl").write_text('{"prompt": "ok"}\n{oops}\n')
    message = str(load_error(f"{base}/bad.jsonl"))
    assert message.startswith(f"{base}/bad.jsonl, line 2: invalid JSON")


def test_url_404(http_root):
    base, _ = http_root
    message = str(load_error(f"{base}/missing.jsonl"))
    assert f"{base}/missing.jsonl" in message and "HTTP 404" in message


def test_url_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/rows.jsonl"  # nothing listens there any more
    message = str(load_error(url))
    assert url in message and "cannot reach the URL" in message


def test_url_timeout():
    with socket.socket() as s:  # listens, never answers
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        url = f"http://127.0.0.1:{s.getsockname()[1]}/rows.jsonl"
        with pytest.raises(DatasetError) as info:
            loaders.load_url(url, timeout=0.3)
    assert url in str(info.value) and "no answer within 0.3 s" in str(info.value)


# --- fuzzing: a Dataset or a DatasetError, never anything else ---------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_json_rows = st.dictionaries(st.sampled_from(["prompt", "target", "source", "x"]) | st.text(max_size=5), _json_values)
_csv_text = st.lists(st.sampled_from(list('ab ,"\n\r\t;xé\x00') + ["prompt", "target", "source"])).map("".join)


def _parses_or_dataset_error(parser, data: bytes) -> None:
    try:
        examples = parser(data, origin="fuzz.in", stem="fuzz")
    except DatasetError as exc:
        assert str(exc).startswith("fuzz.in")
        return
    assert examples and all(isinstance(e, Example) and e.prompt.strip() for e in examples)


@FUZZ
@given(st.binary())
def test_fuzz_bytes(data):
    for parser in (loaders.parse_jsonl, loaders.parse_csv, loaders.parse_txt):
        _parses_or_dataset_error(parser, data)


@FUZZ
@given(st.lists(_json_rows | _json_values, max_size=5), st.booleans())
def test_fuzz_jsonl_structured(rows, ascii_only):
    data = "\n".join(json.dumps(r, ensure_ascii=ascii_only) for r in rows).encode("utf-8", "surrogatepass")
    _parses_or_dataset_error(loaders.parse_jsonl, data)


@FUZZ
@given(_csv_text)
def test_fuzz_csv_text(text):
    _parses_or_dataset_error(loaders.parse_csv, text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(["f.jsonl", "f.csv", "f.txt"]))
def test_fuzz_through_load_dataset(data, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            ds = load_dataset(str(path))
        except DatasetError as exc:
            assert str(path) in str(exc)
        else:
            assert len(ds) >= 1


_cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
_prompt = _cell.filter(lambda s: s.strip() != "")


@FUZZ
@given(st.lists(st.tuples(_prompt, _cell, _cell), min_size=1, max_size=5))
def test_round_trip_jsonl_and_csv(rows):
    lines = [json.dumps({"prompt": p, "target": t, "source": s}, ensure_ascii=False) for p, t, s in rows]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(["prompt", "target", "source"])
    writer.writerows(rows)
    expected = [(p, t, s or f"fuzz#{i}") for i, (p, t, s) in enumerate(rows, start=1)]
    for parser, data in ((loaders.parse_jsonl, "\n".join(lines)), (loaders.parse_csv, buf.getvalue())):
        examples = parser(data.encode("utf-8"), origin="x", stem="fuzz")
        assert [(e.prompt, e.target, e.source) for e in examples] == expected


@FUZZ
@given(st.lists(_cell.filter(lambda s: s.strip() and "\r" not in s and "---" not in s), min_size=1, max_size=4))
def test_round_trip_txt(prompts):
    if prompts[0].startswith("\ufeff"):  # a leading byte-order mark is dropped by design
        prompts[0] = "x" + prompts[0]
    data = ("\n---\n".join(prompts) + "\n").encode("utf-8")
    examples = loaders.parse_txt(data, origin="x", stem="notes")
    assert [e.prompt for e in examples] == prompts
    expected = ["notes"] if len(prompts) == 1 else [f"notes#{i}" for i in range(1, len(prompts) + 1)]
    assert [e.source for e in examples] == expected


# --- a row's own stop strings ------------------------------------------------------------


def test_a_rows_stop_column_gives_its_stop_strings(tmp_path):
    jsonl = write(tmp_path, "s.jsonl", '{"prompt": "a", "stop": "\\n\\n"}\n{"prompt": "b", "stop": ["###", "\\n"]}\n{"prompt": "c"}\n')
    assert [ex.stop for ex in load_dataset(str(jsonl))] == [("\n\n",), ("###", "\n"), ()]
    table = write(tmp_path, "s.csv", "prompt,stop\nx,###\ny,\n")  # an empty cell is no stop
    assert [ex.stop for ex in load_dataset(str(table))] == [("###",), ()]


@pytest.mark.parametrize("value", ["3", '["ok", ""]', '{"a": 1}'])
def test_a_bad_stop_value_is_refused_naming_the_row(tmp_path, value):
    path = write(tmp_path, "bad.jsonl", '{"prompt": "a"}\n{"prompt": "b", "stop": ' + value + "}\n")
    error = load_error(str(path))
    assert "line 2" in str(error) and '"stop" must be a non-empty string or a list of non-empty strings' in str(error)


def test_the_few_shot_samples_stop_at_their_blank_line():
    rows = {ex.source: ex for ex in load_dataset("sample_prompts")}
    for source in ("fewshot-mistake", "fewshot-fixed", "fewshot-constitution", "math-cot-1", "headline-1"):
        assert rows[source].stop == ("\n\n",), source
        assert "\n\n" in rows[source].prompt  # the separator really is how its examples are set apart
    assert rows["ideas-1"].stop == ()
