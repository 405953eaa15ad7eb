"""Prompt templates: filling, where each character came from, loaders, and the ``fields`` granularity."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promptlight.data import DatasetError, load_dataset
from promptlight.data.template import PromptTemplate, TemplateError, section_name
from promptlight.errors import InvalidArgument
from promptlight.pipeline import explain
from promptlight.segments import FIELDS, aggregate_result

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
LITERAL = st.text(st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.tuples(LITERAL, NAMES, st.text(max_size=8)), min_size=1, max_size=4), LITERAL)
def test_parts_cover_the_filled_text_and_say_where_it_came_from(pieces, tail):
    template = "".join(lit + "{" + name + "}" for lit, name, _ in pieces) + tail
    row = {}
    for _lit, name, value in pieces:
        row.setdefault(name, value)
    filled = PromptTemplate.parse(template).fill(row)
    at = 0
    for part in filled.parts:  # in order, contiguous, non-empty, covering the text
        assert part["start"] == at and part["end"] > at
        at = part["end"]
        piece = filled.text[part["start"] : part["end"]]
        assert piece == row[part["name"]] if part["name"] in row else "{" not in piece
    assert at == len(filled.text)
    assert filled.text == template.format(**row)  # the same text str.format writes


def test_escaped_braces_and_section_names():
    t = PromptTemplate.parse("Set {{x}}: {a} and {b}.")
    filled = t.fill({"a": "1", "b": 2})
    assert filled.text == "Set {x}: 1 and 2."
    assert [p["name"] for p in filled.parts] == [section_name(0), "a", section_name(1), "b", section_name(2)]
    assert t.field_names == ("a", "b")


@pytest.mark.parametrize(
    ("template", "needle"),
    [("Q: {", "lone '{' on line 1"), ("A: }", "lone '}'"), ("{1x}", "lone '{'"), ("no fields", "no {field}"), ("  ", "empty")],
)
def test_bad_templates_say_what_is_wrong(template, needle):
    with pytest.raises(TemplateError, match=needle.replace("{", r"\{").replace("}", r"\}")):
        PromptTemplate.parse(template)


def test_a_missing_or_non_text_column_is_named():
    t = PromptTemplate.parse("{q} -> {a}")
    with pytest.raises(TemplateError, match=r"no column 'a'.*found: 'q'"):
        t.fill({"q": "x"})
    with pytest.raises(TemplateError, match="must be text or a number"):
        t.fill({"q": "x", "a": [1]})


def test_loaders_fill_a_template_column_or_a_given_template(tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"template": "Q: {q}\nA:", "q": "two plus two", "target": " four"}) + "\n")
    (ex,) = load_dataset(rows).examples
    assert ex.prompt == "Q: two plus two\nA:" and ex.fields["template"] == "Q: {q}\nA:"
    csv = tmp_path / "rows.csv"
    csv.write_text("q,target\nthree plus one, four\n")
    (ex,) = load_dataset(csv, template="Question: {q}?").examples
    assert ex.prompt == "Question: three plus one?" and ex.target == " four"
    with pytest.raises(DatasetError, match='has a "prompt" and a template'):
        load_dataset("sample_prompts", template="{prompt}")
    with pytest.raises(DatasetError, match=r"row 1.*no column 'missing'"):
        load_dataset(csv, template="{missing}")
    txt = tmp_path / "p.txt"
    txt.write_text("hello")
    with pytest.raises(DatasetError, match="give a .jsonl or .csv"):
        load_dataset(txt, template="{x}")


def test_the_fields_granularity_partitions_the_text_at_the_fields(tiny):
    filled = PromptTemplate.parse("Dislikes: {d}.\nDish: {dish}.\nVerdict:").fill({"d": "eggs", "dish": "quiche"})
    result = explain(tiny, filled.text, target=" Avoid it.", method="grad_l2", granularity=FIELDS, fields=filled.parts)
    spans = result.boundaries[FIELDS]
    assert [(s.start, s.end) for s in spans][: len(filled.parts)] == [(p["start"], p["end"]) for p in filled.parts]
    assert spans[-1].start == result.prompt_span.end and spans[-1].end == len(result.text)  # the target on its own
    assert [dict(f) for f in result.fields] == [dict(p) for p in filled.parts]
    segments = aggregate_result(result, FIELDS)
    tokens = [t.scores["grad_l2"] for t in result.tokens if t.scores["grad_l2"] is not None]
    assert sum(s.score for s in segments if s.score is not None) == pytest.approx(sum(tokens), rel=1e-5)
    with pytest.raises(InvalidArgument, match="needs a prompt filled from a template") as info:
        explain(tiny, filled.text, target=" Avoid it.", granularity=FIELDS)
    assert info.value.field == "granularity"
    with pytest.raises(InvalidArgument, match="outside the prompt text"):
        explain(tiny, filled.text, target=" x", fields=[{"name": "a", "start": 0, "end": 999}])


def test_fields_of_a_chat_prompt_index_its_user_message():
    from promptlight.models import load_model

    lm = load_model("tiny-chat")
    filled = PromptTemplate.parse("Dish: {dish}. Verdict?").fill({"dish": "quiche"})
    result = explain(lm, [{"role": "user", "content": filled.text}], target=" Avoid it.", fields=filled.parts)
    by_name = {f["name"]: result.text[f["start"] : f["end"]] for f in result.fields}
    assert by_name == {"dish": "quiche", section_name(0): "Dish: ", section_name(1): ". Verdict?"}
