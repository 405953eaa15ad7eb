"""Segmentation, token spans and aggregation (promptlight.segments): pure functions, no model."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlight.result import SalienceResult
from promptlight.segments import (
    aggregate,
    aggregate_result,
    all_boundaries,
    assign_tokens,
    resolve_granularity,
    segment,
    token_segments,
    token_spans_from_offsets,
)
from promptlight.types import GRANULARITIES, SegmentScores, Span, TokenScores

pytestmark = pytest.mark.unit

TEXT_GRANULARITIES = ("words", "sentences", "lines", "paragraphs")
REGEX_GRANULARITIES = ("regex:[^,]+", r"regex:\w+", "regex:[aeiou]*", r"regex:(?m)^.*$", "regex:e|ee")


# --- helpers -----------------------------------------------------------------------------------


def pieces(text: str, spans) -> list[str]:
    return [text[s.start : s.end] for s in spans]


def seg_texts(text: str, granularity: str) -> list[str]:
    return pieces(text, segment(text, granularity))


def assert_partition(text: str, spans) -> None:
    """In order, contiguous, non-empty, covering ``text`` exactly."""
    position = 0
    for s in spans:
        assert s.start == position, (text, spans)
        assert s.end > s.start, (text, spans)
        position = s.end
    assert position == len(text)
    assert "".join(pieces(text, spans)) == text


def assert_token_partition(text: str, spans, count: int) -> None:
    """Token-span invariants: one per token, contiguous (empties allowed), covering ``text``."""
    assert len(spans) == count
    if count == 0:
        return
    assert spans[0].start == 0
    assert spans[-1].end == len(text)
    for a, b in zip(spans, spans[1:]):
        assert a.end == b.start
    assert "".join(pieces(text, spans)) == text


# Text with the characters that make segmentation hard.
TRICKY = st.sampled_from(
    list(" \t\n\r\r\n\x0b\x0c\u00a0\u2028\u3000")
    + list(".!?…,;:\"'”’)(]*-")
    + ["e.g.", "Dr.", "1. ", "3.5", "...", "\n\n", "\r\n\r\n", " \n \n"]
    + ["a", "B", "é", "ß", "😀", "🦊", "👩‍👩‍👧", "𝔘", "中文", "x"]
)
texts = st.one_of(st.text(), st.lists(TRICKY, max_size=40).map("".join))


# --- segment(): properties ------------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, granularity=st.sampled_from(TEXT_GRANULARITIES + REGEX_GRANULARITIES))
def test_every_granularity_partitions_any_text(text, granularity):
    spans = segment(text, granularity)
    assert_partition(text, spans)
    if not text:
        assert spans == ()


@settings(max_examples=300)
@given(text=texts, granularity=st.sampled_from(("words", "sentences", "paragraphs")))
def test_segments_own_trailing_whitespace(text, granularity):
    spans = segment(text, granularity)
    for s in spans[1:]:
        assert not text[s.start].isspace(), (granularity, pieces(text, spans))


@settings(max_examples=300)
@given(text=texts)
def test_paragraph_starts_are_sentence_starts_are_word_starts(text):
    starts = {g: {s.start for s in segment(text, g)} for g in ("words", "sentences", "paragraphs")}
    assert starts["paragraphs"] <= starts["sentences"] <= starts["words"]


@settings(max_examples=300)
@given(text=texts)
def test_words_are_non_whitespace_runs_with_their_trailing_whitespace(text):
    words = seg_texts(text, "words")
    runs = re.findall(r"\S+", text)
    if runs:
        assert [w.strip() for w in words] == runs
    else:
        assert words == ([text] if text else [])


@settings(max_examples=300)
@given(text=texts)
def test_lines_end_at_each_newline_only(text):
    lines = seg_texts(text, "lines")
    for line in lines[:-1]:
        assert line.endswith("\n")
    for line in lines:
        assert "\n" not in line[:-1]
    assert len(lines) == (text.count("\n") + (0 if text.endswith("\n") else 1) if text else 0)


@settings(max_examples=300)
@given(text=texts)
def test_every_newline_ends_a_sentence(text):
    starts = {s.start for s in segment(text, "sentences")}
    for m in re.finditer(r"\n\s*(\S)", text):
        if text[: m.start()].strip():  # leading whitespace belongs to the first sentence
            assert m.start(1) in starts


# --- segment(): hand-written cases ----------------------------------------------------------------


def test_words_keep_punctuation_and_trailing_whitespace():
    assert seg_texts("  I can't eat eggs, sorry!\n\tOK", "words") == ["  I ", "can't ", "eat ", "eggs, ", "sorry!\n\t", "OK"]
    assert seg_texts("   ", "words") == ["   "]
    assert seg_texts("", "words") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello there. How are you? Fine!", ["Hello there. ", "How are you? ", "Fine!"]),
        ("no final punctuation here", ["no final punctuation here"]),
        ("One. Two", ["One. ", "Two"]),
        ("  Leading space. Next.", ["  Leading space. ", "Next."]),
        ("Trailing.   ", ["Trailing.   "]),
        # abbreviations
        ("Dr. Smith met Mr. and Mrs. Jones vs. Ms. Lee. Then left.", ["Dr. Smith met Mr. and Mrs. Jones vs. Ms. Lee. ", "Then left."]),
        ("Eat greens, e.g. Kale, i.e. cabbage. Next.", ["Eat greens, e.g. Kale, i.e. cabbage. ", "Next."]),
        ("Bring eggs, milk, etc. Also bread.", ["Bring eggs, milk, etc. Also bread."]),
        ("At 5 p.m. Sharp. Not 9 a.m. Today.", ["At 5 p.m. Sharp. ", "Not 9 a.m. Today."]),
        ("He lives in the U.S. Really.", ["He lives in the U.S. Really."]),
        ("Go to St. Paul. See No. 5 there.", ["Go to St. Paul. ", "See No. 5 there."]),
        ("Answer: No. The dish has eggs.", ["Answer: No. ", "The dish has eggs."]),
        # decimals and prices
        ("It costs $4.99 today. It weighs 3.5 kg.", ["It costs $4.99 today. ", "It weighs 3.5 kg."]),
        ("The total is 12. Pay now.", ["The total is 12. ", "Pay now."]),
        # initials
        ("J. R. R. Tolkien wrote it. Yes.", ["J. R. R. Tolkien wrote it. ", "Yes."]),
        # ellipses
        ("Wait... what happened? Nothing... Then silence.", ["Wait... what happened? ", "Nothing... ", "Then silence."]),
        ("Well\u2026 maybe. Sure\u2026 Why not.", ["Well\u2026 maybe. ", "Sure\u2026 ", "Why not."]),
        # quotes and brackets
        ('She said "I hate eggs." He nodded.', ['She said "I hate eggs." ', "He nodded."]),
        ("(This is aside.) Main point! Really?! Yes.", ["(This is aside.) ", "Main point! ", "Really?! ", "Yes."]),
        ("**Recommendation: No.** Skip it.", ["**Recommendation: No.** ", "Skip it."]),
        ('He said "stop". Then left.', ['He said "stop". ', "Then left."]),
    ],
)
def test_sentences(text, expected):
    assert seg_texts(text, "sentences") == expected


def test_sentences_split_at_newlines_and_keep_list_markers():
    text = "Steps:\n1. Bake the eggs.\n2. Serve. Enjoy.\n  3. Done\na. First\niv. Fourth\n\nNew para"
    assert seg_texts(text, "sentences") == [
        "Steps:\n",
        "1. Bake the eggs.\n",
        "2. Serve. ",
        "Enjoy.\n  ",  # indentation of the next line trails the sentence before it
        "3. Done\n",
        "a. First\n",
        "iv. Fourth\n\n",
        "New para",
    ]


def test_sentence_break_on_newline_without_punctuation():
    assert seg_texts("line one\nline two\r\n\r\nline three", "sentences") == ["line one\n", "line two\r\n\r\n", "line three"]


def test_a_number_ending_a_sentence_mid_line_is_not_a_list_marker():
    assert seg_texts("I ate 2. Then 3.", "sentences") == ["I ate 2. ", "Then 3."]


def test_lines_with_crlf_and_blank_lines():
    assert seg_texts("a\r\nb\n\n\r\nc", "lines") == ["a\r\n", "b\n", "\n", "\r\n", "c"]
    assert seg_texts("x\n", "lines") == ["x\n"]
    assert seg_texts("\n", "lines") == ["\n"]
    assert seg_texts("a\rb", "lines") == ["a\rb"]  # a lone carriage return is not a line break


def test_paragraphs():
    text = "\n\nFirst para\nstill first.\n\n \t\n  Second para.\r\n\r\nThird\n"
    assert seg_texts(text, "paragraphs") == [
        "\n\nFirst para\nstill first.\n\n \t\n  ",
        "Second para.\r\n\r\n",
        "Third\n",
    ]
    assert seg_texts("one\ntwo\n", "paragraphs") == ["one\ntwo\n"]
    assert seg_texts(" \n\n ", "paragraphs") == [" \n\n "]


def test_regex_matches_and_gaps_are_segments():
    assert seg_texts("eggs, ham,, quiche", "regex:[^,]+") == ["eggs", ",", " ham", ",,", " quiche"]
    assert seg_texts("aXbXc", "regex:X") == ["a", "X", "b", "X", "c"]
    # zero-length matches are ignored
    assert seg_texts("bcd", "regex:a*") == ["bcd"]
    assert seg_texts("baad", "regex:a*") == ["b", "aa", "d"]
    assert seg_texts("", "regex:a") == []


def test_regex_invalid_pattern_names_pattern_and_error():
    with pytest.raises(ValueError, match=r"Invalid pattern '\(unclosed'.*missing \)"):
        segment("text", "regex:(unclosed")
    with pytest.raises(ValueError, match="needs a pattern"):
        resolve_granularity("regex:")


@pytest.mark.parametrize("bad", ["sentence", "chars", "", "Regex:x", "TOKENS"])
def test_unknown_granularity_lists_choices(bad):
    expected = f"Unknown granularity {bad!r}. Available: tokens, words, sentences, lines, paragraphs, regex:<pattern>."
    with pytest.raises(ValueError, match=re.escape(expected)):
        resolve_granularity(bad)
    with pytest.raises(ValueError, match=re.escape(expected)):
        segment("some text", bad)


def test_unknown_granularity_suggests_close_name():
    with pytest.raises(ValueError, match="Did you mean 'sentences'"):
        resolve_granularity("sentence")


def test_resolve_granularity_returns_valid_names():
    for name in (*GRANULARITIES, "regex:[^.]+"):
        assert resolve_granularity(name) == name


def test_segment_tokens_points_to_token_segments():
    with pytest.raises(ValueError, match="token_segments"):
        segment("text", "tokens")


# --- token_spans_from_offsets -----------------------------------------------------------------------


def test_offsets_with_bos_and_leading_spaces_sentencepiece_style():
    text = "The quick qu"
    offsets = [(0, 0), (0, 3), (3, 9), (9, 12)]
    spans = token_spans_from_offsets(text, offsets, special=[True, False, False, False])
    assert pieces(text, spans) == ["", "The", " quick", " qu"]
    assert spans[0] == Span(0, 0)


def test_offsets_byte_fallback_same_range():
    text = "Hi 🦊 ok"  # the emoji is split into 4 byte tokens that all report (3, 4)
    offsets = [(0, 2), (2, 3), (3, 4), (3, 4), (3, 4), (3, 4), (4, 7)]
    spans = token_spans_from_offsets(text, offsets)
    assert pieces(text, spans) == ["Hi", " ", "🦊", "", "", "", " ok"]
    assert spans[3:6] == (Span(4, 4),) * 3


def test_offsets_overlapping_partial_ranges_are_clipped():
    text = "x😀yz"  # a token reports the emoji plus more, overlapping the previous one
    spans = token_spans_from_offsets(text, [(0, 1), (1, 2), (1, 4)])
    assert pieces(text, spans) == ["x", "😀", "yz"]


def test_offsets_gaps_go_to_the_following_token_and_end_to_the_last():
    text = "  Hello   world  "
    spans = token_spans_from_offsets(text, [(2, 7), (10, 15)])
    assert pieces(text, spans) == ["  Hello", "   world  "]


def test_offsets_special_tokens_in_the_middle_and_end():
    text = "ab cd"
    spans = token_spans_from_offsets(text, [(0, 0), (0, 2), (0, 0), (3, 5), (0, 0)], special=[True, False, True, False, True])
    assert spans == (Span(0, 0), Span(0, 2), Span(2, 2), Span(2, 5), Span(5, 5))


def test_offsets_errors():
    with pytest.raises(ValueError, match="all 1 tokens are special"):
        token_spans_from_offsets("abc", [(0, 0)], special=[True])
    with pytest.raises(ValueError, match="all 0 tokens"):
        token_spans_from_offsets("abc", [])
    with pytest.raises(ValueError, match=r"offsets\[1\] is \(2, 9\).*len\(text\) = 3"):
        token_spans_from_offsets("abc", [(0, 2), (2, 9)])
    with pytest.raises(ValueError, match=r"offsets\[0\] is \(2, 1\)"):
        token_spans_from_offsets("abc", [(2, 1)])
    with pytest.raises(ValueError, match="special has 1 entries but there are 2 offsets"):
        token_spans_from_offsets("abc", [(0, 1), (1, 3)], special=[False])
    assert token_spans_from_offsets("", []) == ()
    assert token_spans_from_offsets("", [(0, 0)], special=[True]) == (Span(0, 0),)


@st.composite
def offsets_like(draw):
    """A text and arbitrary in-range offsets (sorted, shuffled, overlapping, gappy) plus special flags."""
    text = draw(texts)
    n = len(text)
    pair = st.tuples(st.integers(0, n), st.integers(0, n)).map(sorted).map(tuple)
    offsets = draw(st.lists(pair, max_size=30))
    if draw(st.booleans()):
        offsets.sort()
    special = draw(st.lists(st.booleans(), min_size=len(offsets), max_size=len(offsets)))
    if n and (not offsets or all(special)):
        offsets.append(draw(pair))
        special.append(False)
    return text, offsets, special


@settings(max_examples=400)
@given(case=offsets_like())
def test_token_spans_invariants_for_any_offsets(case):
    text, offsets, special = case
    spans = token_spans_from_offsets(text, offsets, special=special)
    assert_token_partition(text, spans, len(offsets))
    for span, is_special in zip(spans, special):
        if is_special:
            assert span.start == span.end


@st.composite
def tokenizer_like_offsets(draw):
    """Offsets like a real tokenizer: disjoint increasing ranges with gaps, some repeated (byte fallback)."""
    text = draw(texts.filter(bool))
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=20))) | {0, len(text)})
    offsets = []
    for a, b in zip(cuts, cuts[1:]):
        trim = draw(st.integers(0, b - a))  # a trimmed prefix (whitespace skipped by the offsets)
        offsets += [(a + trim, b)] * draw(st.integers(1, 3))
    return text, offsets


@settings(max_examples=300)
@given(case=tokenizer_like_offsets())
def test_token_spans_contain_disjoint_reported_ranges(case):
    text, offsets = case
    spans = token_spans_from_offsets(text, offsets)
    assert_token_partition(text, spans, len(offsets))
    for i, ((a, b), span) in enumerate(zip(offsets, spans)):
        if i and offsets[i - 1] == (a, b):
            assert span.start == span.end == b  # a repeat: empty at the end of the first
        else:
            assert span.start <= a and b <= span.end


# --- a real byte-level BPE tokenizer, trained in-process (no download) --------------------------


CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "I cannot eat eggs, so no quiche for me.",
    "Café crème, naïve piñata and jalapeño salsa.",
    "Recommendation: try the salad! Analysis: you don't like it.",
]


@pytest.fixture(scope="module")
def byte_level_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<bos>"], show_progress=False
    )
    tok.train_from_iterator(CORPUS, trainer)
    bos = tok.token_to_id("<bos>")
    tok.post_processor = processors.Sequence(
        [
            processors.ByteLevel(trim_offsets=True),
            processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", bos)]),
        ]
    )
    return tok


@pytest.mark.parametrize(
    "text",
    [
        "  Café 🦊  naïve\n\n eggs 😀!  ",
        "The quick brown fox. I cannot eat eggs 🥚🍳, jalapeño! 👩‍👩‍👧\r\n\tend",
        "ünïcödé  ",
    ],
)
def test_byte_level_bpe_offsets_become_a_partition(byte_level_tokenizer, text):
    enc = byte_level_tokenizer.encode(text)
    offsets, special = enc.offsets, [bool(m) for m in enc.special_tokens_mask]
    assert special[0] and not any(special[1:])
    raw_is_partition = all(a[1] == b[0] for a, b in zip(offsets[1:], offsets[2:]))
    assert not raw_is_partition  # trimmed spaces and split emoji: the raw offsets have gaps/overlaps
    spans = token_spans_from_offsets(text, offsets, special=special)
    assert_token_partition(text, spans, len(offsets))
    assert spans[0] == Span(0, 0)
    # every non-empty span holds the characters its token reported
    for (a, b), span in zip(offsets[1:], spans[1:]):
        if span.end > span.start:
            assert span.start <= a and span.end >= b
    boundaries = all_boundaries(text, spans)
    for g in GRANULARITIES:
        assert_partition(text, boundaries[g])


def test_sentencepiece_byte_fallback_tokenizer_offsets():
    """A Gemma-like tokenizer (spaces as '▁', offsets include the leading space, byte fallback)."""
    from tokenizers import Tokenizer, models, normalizers

    vocab = {"<bos>": 0, "<unk>": 1, **{f"<0x{b:02X}>": 2 + b for b in range(256)}}
    for piece in ["▁", "T", "h", "e", "q", "u", "c", "a", "f", "é", "▁q", "▁qu"]:
        vocab.setdefault(piece, len(vocab))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("▁", "q"), ("▁q", "u")], byte_fallback=True, unk_token="<unk>"))
    tok.normalizer = normalizers.Replace(" ", "▁")
    text = "The qu café 🦊 qu"
    enc = tok.encode(text)
    offsets = [(0, 0), *enc.offsets]
    spans = token_spans_from_offsets(text, offsets, special=[True] + [False] * len(enc.offsets))
    got = pieces(text, spans)
    assert got == ["", "T", "h", "e", " qu", " ", "c", "a", "f", "é", " ", "🦊", "", "", "", " qu"]


# --- token segments, assignment, aggregation ------------------------------------------------------------


def test_token_segments_drop_empty_spans_and_check_partition():
    text = "ab😀"
    spans = (Span(0, 0), Span(0, 2), Span(2, 3), Span(3, 3))
    assert token_segments(text, spans) == (Span(0, 2), Span(2, 3))
    with pytest.raises(ValueError, match="partition"):
        token_segments(text, (Span(0, 1), Span(2, 3)))


def test_all_boundaries_keys_in_order():
    text = "Hi there.\n\nBye."
    spans = token_spans_from_offsets(text, [(0, 0), (0, 2), (2, 8), (8, 9), (9, 11), (11, 15)], special=[True] + [False] * 5)
    b = all_boundaries(text, spans)
    assert tuple(b) == GRANULARITIES
    assert pieces(text, b["tokens"]) == ["Hi", " there", ".", "\n\n", "Bye."]
    assert pieces(text, b["sentences"]) == ["Hi there.\n\n", "Bye."]
    assert pieces(text, b["paragraphs"]) == ["Hi there.\n\n", "Bye."]


def test_assign_leading_space_and_whitespace_only_tokens():
    text = "I can't eat eggs.\n\nTry tofu"
    #        BOS   "I"    " can't"  " eat"   " eggs"   "."      "\n\n"    "Try"     " tofu"
    tokens = [(0, 0), (0, 1), (1, 7), (7, 11), (11, 16), (16, 17), (17, 19), (19, 22), (22, 27)]
    spans = [Span(a, b) for a, b in tokens]
    words = segment(text, "words")
    assert pieces(text, words) == ["I ", "can't ", "eat ", "eggs.\n\n", "Try ", "tofu"]
    assert assign_tokens(text, spans, words) == [0, 0, 1, 2, 3, 3, 3, 4, 5]
    sentences = segment(text, "sentences")
    assert assign_tokens(text, spans, sentences) == [0, 0, 0, 0, 0, 0, 0, 1, 1]


def test_assign_whitespace_token_spanning_a_boundary_goes_to_its_start():
    text = "a\n\nb"
    spans = [Span(0, 1), Span(1, 4)]  # "a", "\n\nb": first non-space char is "b"
    assert assign_tokens(text, spans, segment(text, "lines")) == [0, 2]
    spans = [Span(0, 1), Span(1, 3), Span(3, 4)]  # "\n\n" alone starts in line 0
    assert assign_tokens(text, spans, segment(text, "lines")) == [0, 0, 2]


def test_assign_empty_tokens():
    text = "ab cd"
    segs = segment(text, "words")
    spans = [Span(0, 0), Span(0, 2), Span(2, 2), Span(2, 5), Span(5, 5)]
    # BOS -> first; an empty token at 2 lies inside "ab "; one at len(text) -> last
    assert assign_tokens(text, spans, segs) == [0, 0, 0, 1, 1]
    # An empty token at a boundary continues the token before it (byte-fallback pieces of one
    # character stay together), so it stays in that token's segment.
    spans_at_boundary = [Span(0, 3), Span(3, 3), Span(3, 5)]
    assert assign_tokens(text, spans_at_boundary, segs) == [0, 0, 1]


def test_assign_accepts_token_spans_that_stop_early():
    text = "one two three"
    segs = segment(text, "words")
    assert assign_tokens(text, [Span(0, 0), Span(0, 3), Span(3, 7)], segs) == [0, 0, 1]


def test_assign_rejects_bad_segments_and_spans():
    with pytest.raises(ValueError, match="partition"):
        assign_tokens("abcd", [Span(0, 1)], [Span(0, 2), Span(3, 4)])
    with pytest.raises(ValueError, match="cover the text"):
        assign_tokens("abcd", [Span(0, 1)], [Span(0, 2)])
    with pytest.raises(ValueError, match="past the end"):
        assign_tokens("ab", [Span(0, 5)], [Span(0, 2)])


def test_aggregate_sums_and_none():
    text = "Hi there. Bye now."
    spans = [Span(0, 0), Span(0, 2), Span(2, 8), Span(8, 9), Span(9, 13), Span(13, 17), Span(17, 18)]
    scores = [0.5, 1.0, 2.0, None, None, None, None]
    assert aggregate(scores, text, spans, segment(text, "sentences")) == [3.5, None]
    assert aggregate(scores, text, spans, segment(text, "words")) == [1.5, 2.0, None, None]
    with pytest.raises(ValueError, match="Got 2 scores for 7 tokens"):
        aggregate([1.0, 2.0], text, spans, segment(text, "words"))
    assert aggregate([], "", [], ()) == []


@st.composite
def partitions_with_scores(draw):
    text = draw(texts)
    n = len(text)

    def cuts():
        inner = draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=15)) if n > 1 else []
        return sorted({0, n, *[c for c in inner if 0 < c < n]})

    seg_cuts = cuts()
    segments = [Span(a, b) for a, b in zip(seg_cuts, seg_cuts[1:])]
    tok_cuts = cuts()
    token_spans = [Span(0, 0)] + [Span(a, b) for a, b in zip(tok_cuts, tok_cuts[1:])]
    score = st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False))
    scores = draw(st.lists(score, min_size=len(token_spans), max_size=len(token_spans)))
    return text, token_spans, segments, scores


@settings(max_examples=400)
@given(case=partitions_with_scores())
def test_aggregation_preserves_totals_for_any_partition(case):
    text, token_spans, segments, scores = case
    if not segments:
        assert aggregate([None] * 0, text, [], segments) == []
        return
    out = aggregate(scores, text, token_spans, segments)
    assert len(out) == len(segments)
    expected = math.fsum(s for s in scores if s is not None)
    assert math.isclose(math.fsum(v for v in out if v is not None), expected, rel_tol=1e-9, abs_tol=1e-9)
    owners = assign_tokens(text, token_spans, segments)
    assert owners == sorted(owners)  # monotone: each segment's tokens are contiguous
    for k, value in enumerate(out):
        mine = [s for s, o in zip(scores, owners) if o == k and s is not None]
        assert (value is None) == (not mine)


@settings(max_examples=200)
@given(text=texts.filter(bool), granularity=st.sampled_from(TEXT_GRANULARITIES))
def test_each_token_goes_to_the_segment_holding_its_first_non_space_char(text, granularity):
    tokens = [Span(m.start(), m.end()) for m in re.finditer(r"\s*\S*", text) if m.end() > m.start()]
    segs = segment(text, granularity)
    for span, owner in zip(tokens, assign_tokens(text, tokens, segs)):
        first = next((i for i in range(span.start, span.end) if not text[i].isspace()), span.start)
        assert segs[owner].start <= first < segs[owner].end


# --- aggregate_result ------------------------------------------------------------------------------------


def make_result(
    prompt: str = "Eggs? No. ", target: str = "Try quiche.", *, first_target: int | None = None, **extra
) -> SalienceResult:
    """A hand-built result: BOS + one token per word-ish piece; tokens from ``first_target`` on unscored.

    ``first_target`` defaults to the first token overlapping the target (the whole target selected).
    """
    text = prompt + target
    pieces_ = [(0, 0), (0, 4), (4, 5), (5, 8), (8, 9), (9, 13), (13, 20), (20, 21)]
    assert pieces_[-1][1] == len(text)
    if first_target is None:
        first_target = next(i for i, (_, b) in enumerate(pieces_) if b > len(prompt) and i > 0)
    values = [0.5, 1.0, 0.25, -2.0, 0.125, 9.0, 9.0, 9.0]
    tokens = tuple(
        TokenScores(
            text[a:b], a, b, {"grad_l2": abs(v) if i < first_target else None, "grad_dot_input": v if i < first_target else None}, i == 0
        )
        for i, ((a, b), v) in enumerate(zip(pieces_, values))
    )
    spans = token_spans_from_offsets(text, pieces_, special=[True] + [False] * (len(pieces_) - 1))
    return SalienceResult(
        model="tiny",
        text=text,
        prompt_span=Span(0, len(prompt)),
        target_span=Span(len(prompt), len(text)),
        selected_span=Span(max(pieces_[first_target][0], len(prompt)), len(text)),
        objective="f",
        objective_value=-1.0,
        method="grad_dot_input",
        tokens=tokens,
        target_token_span=(first_target, len(pieces_)),
        boundaries=all_boundaries(text, spans),
        methods={"grad_l2": {"signed": False, "level": "tokens"}, "grad_dot_input": {"signed": True, "level": "tokens"}},
        **extra,
    )


def test_aggregate_result_words_and_sentences():
    r = make_result()
    words = r.aggregate("words")
    assert [(s.text, s.score) for s in words] == [("Eggs? ", 1.75), ("No. ", -1.875)]
    sentences = aggregate_result(r, "sentences", method="grad_l2")
    assert [(s.text, s.score) for s in sentences] == [("Eggs? ", 1.75), ("No. ", 2.125)]
    everything = aggregate_result(r, "words", prompt_only=False)
    assert [s.text for s in everything] == ["Eggs? ", "No. ", "Try ", "quiche."]
    assert everything[2].score is None and everything[3].score is None
    tokens = aggregate_result(r, "tokens")
    assert [(s.text, s.score) for s in tokens] == [("Eggs", 1.5), ("?", 0.25), (" No", -2.0), (".", 0.125), (" ", None)]


def test_aggregate_result_segment_crossing_into_target_is_cut_and_counts_prompt_tokens_only():
    # The prompt ends mid-sentence and only " quiche." is selected, so the target tokens
    # "." and " Try" before the selection are scored too.
    r = make_result("Eggs? No", ". Try quiche.", first_target=6)
    assert r.token_scores("grad_dot_input")[4:6] == [0.125, 9.0]
    sentences = r.aggregate("sentences")
    assert [(s.start, s.end, s.text) for s in sentences] == [(0, 6, "Eggs? "), (6, 8, "No")]
    assert sentences[1].score == -2.0  # the target's "." is left out
    full = r.aggregate("sentences", prompt_only=False)
    assert [(s.text, s.score) for s in full] == [("Eggs? ", 1.75), ("No. ", -1.875), ("Try quiche.", 9.0)]


def test_aggregate_result_regex_granularity():
    r = make_result()
    segs = r.aggregate(r"regex:\w+")
    assert [s.text for s in segs] == ["Eggs", "? ", "No", ". "]
    assert [s.score for s in segs] == [1.5, 0.25, -2.0, 0.125]


def test_aggregate_result_occlusion_per_segment():
    r0 = make_result()
    lines = r0.boundaries["words"]
    r = make_result(segment_scores={"occlusion": SegmentScores("words", tuple([0.3, None] + [None] * (len(lines) - 2)))})
    r = SalienceResult(**{**r.__dict__, "methods": {**r.methods, "occlusion": {"signed": True, "level": "words"}}})
    segs = r.aggregate("words", method="occlusion")
    assert [(s.text, s.score) for s in segs] == [("Eggs? ", 0.3), ("No. ", None)]
    with pytest.raises(ValueError, match=r"granularity 'words', not 'sentences'.*Re-run occlusion with granularity='sentences'"):
        r.aggregate("sentences", method="occlusion")


def test_aggregate_result_bad_names():
    r = make_result()
    with pytest.raises(ValueError, match="Unknown granularity 'word'"):
        r.aggregate("word")
    with pytest.raises(KeyError, match="'ig' is not in this result"):
        r.aggregate("words", method="ig")


def test_aggregate_result_survives_json_round_trip():
    r = make_result()
    again = SalienceResult.from_json(r.to_json())
    assert again.aggregate("sentences") == r.aggregate("sentences")


def test_module_imports_without_torch():
    code = "import sys, promptlight.segments; print('torch' in sys.modules or 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "pattern", ["a{4294967294}", "a{1000000}", "(a{100}){100}{100}", "((ab){50}){50}{50}", "x" * 1001]
)
def test_patterns_that_could_exhaust_memory_are_refused_before_compiling(pattern):
    import time

    from promptlight.segments import MAX_REPEAT

    started = time.monotonic()
    with pytest.raises(ValueError) as info:
        resolve_granularity(f"regex:{pattern}")
    assert time.monotonic() - started < 0.5  # refused, not compiled
    assert getattr(info.value, "field", None) == "granularity"
    assert "limit" in str(info.value) or f"at most {MAX_REPEAT}" in str(info.value)


@pytest.mark.parametrize("pattern", [r"\d{3}-\d{4}", r"[^\n]+\n*", r"a\{5000\}", r"(?m)^\w{1,20}:"])
def test_ordinary_counted_patterns_still_work(pattern):
    assert resolve_granularity(f"regex:{pattern}") == f"regex:{pattern}"


def test_large_user_patterns_are_not_kept_by_any_cache():
    """A pattern near the bounds compiles to megabytes: neither our cache nor the regex module's keeps it."""
    import gc
    import sys

    import regex

    from promptlight import segments

    big = [f"(?:(?:[a-z]{{{100 + i}}}){{100}})" for i in range(6)]  # distinct, each ~10+ MB compiled
    before = segments._compile_small_pattern.cache_info().currsize
    for pattern in big:
        compiled = segments._compile_pattern(pattern)
        assert compiled.search("a" * 20_000) is not None
    del compiled
    gc.collect()
    assert segments._compile_small_pattern.cache_info().currsize == before
    cached = sys.modules[regex.compile.__module__]._cache  # the regex module's own pattern cache
    assert not [key for key in cached if key[0] in big]
    small = "[^,]+"
    assert segments._compile_pattern(small) is segments._compile_pattern(small)
