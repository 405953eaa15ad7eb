"""The objective sentence as the CLI and the HTML report print it: readable quotes, the right sign clause."""

from __future__ import annotations

import pytest

from promptlight.pipeline import explain
from promptlight.report import result_to_terminal
from promptlight.report_html import result_to_html
from promptlight.salience.objective import quoted, unsigned_objective

PROMPT = "Line one\nLine two"
TARGET = " yes\nno\tmaybe"


def test_quoted_shows_line_breaks_and_tabs_as_marks_and_cuts_long_text():
    assert quoted("a\nb\r\nc\td") == "“a⏎b⏎c⇥d”"
    assert quoted("it's") == "“it's”"  # no backslash escapes, no swapped quote style
    long = "x" * 100
    assert quoted(long, 10) == "“" + "x" * 9 + "…”"


@pytest.mark.parametrize(
    "sentence",
    [
        "f = something over 'a'; a positive score means that part pushes it up.",
        "f = a - b over 'a' versus 'b'; positive = pushes the selection up relative to the foil.",
        "f = a sentence without a sign clause.",
    ],
)
def test_unsigned_objective_replaces_only_the_sign_clause(sentence):
    text = unsigned_objective(sentence, "grad_l2")
    assert "positive" not in text
    assert text.startswith(sentence.split(";")[0].removesuffix("."))
    assert text.endswith(
        "grad_l2 is unsigned: a larger score means that part of the prompt moves f more, in either direction."
    )


@pytest.mark.parametrize(("method", "signed"), [("grad_l2", False), ("grad_dot_input", True)])
def test_terminal_and_html_reports_print_the_selection_as_it_reads(tiny, method, signed):
    result = explain(tiny, PROMPT, target=TARGET, method=method, granularity="lines")
    terminal = result_to_terminal(result, granularity="lines", color=False)
    page = result_to_html(result, granularity="lines")
    for text in (terminal, page):
        assert "“ yes⏎no⇥maybe”" in text
        assert "\\n" not in text and "\\t" not in text
        assert ("a positive score means that part of the prompt pushes the selected text up" in text) is signed
        assert (f"{method} is unsigned: a larger score means" in text) is not signed
    assert "&#x27;" not in page.split("<body>")[1].split('class="meta"')[1].split("</p>")[0]
