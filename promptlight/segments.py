"""Text -> segments at each granularity, and token scores -> segment scores.

Every span here is a half-open char range ``[start, end)`` into the original ``str``
(Python code points). Pure Python (stdlib ``re``, plus the ``regex`` package for user patterns):
no torch, no transformers.

Granularities (``types.GRANULARITIES`` plus a custom pattern):

- ``tokens``: the non-empty token spans (:func:`token_segments`; needs the tokenizer).
- ``words``: runs of non-whitespace; punctuation stays on its word (``"eggs,"``).
- ``sentences``: end at ``.``/``!``/``?``/``…`` (plus closing quotes and brackets) followed
  by whitespace, and at every newline; not after common abbreviations, initials, numbered
  list markers at the start of a line, or an ellipsis followed by a lowercase word.
- ``lines``: each line with its ``"\\n"`` (``"\\r\\n"`` included; a lone ``"\\r"`` is not a break).
- ``paragraphs``: separated by one or more blank (whitespace-only) lines.
- ``regex:<pattern>``: each match is a segment, and so is each stretch between matches.
  Patterns run on the ``regex`` package (Python ``re`` syntax, plus a few extras such as
  ``\\p{L}``) with a time limit, :data:`REGEX_TIMEOUT` seconds per text: a pattern that
  backtracks catastrophically (``(a|aa)+$`` on a long run of ``a``) raises ValueError
  instead of hanging (stdlib ``re`` has no timeout).

Segments of every granularity partition the text: in order, no gaps, no overlaps, none
empty. For words, sentences and paragraphs a segment owns its trailing whitespace
(``"Hello "``, ``"world"``): every segment but the first starts with a non-whitespace
character, and whitespace at the very start belongs to the first segment.

Aggregation: a token belongs to the segment holding its first non-whitespace character; a
whitespace-only or empty token to the segment holding its ``start`` (an empty token at
``len(text)`` to the last segment). A segment's score is the sum of its tokens' scores.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from promptlight.errors import InvalidArgument
from promptlight.types import GRANULARITIES, Segment, Span

if TYPE_CHECKING:  # pragma: no cover
    from promptlight.types import ResultRecord

__all__ = [
    "aggregate",
    "aggregate_result",
    "all_boundaries",
    "record_cuts",
    "split_at",
    "assign_tokens",
    "resolve_granularity",
    "segment",
    "token_segments",
    "token_spans_from_offsets",
]

REGEX_PREFIX = "regex:"
#: The granularity of chat prompts: one segment per message's content, one per stretch of template text.
MESSAGES = "messages"
#: One segment per filled field and per template section of a templated prompt (``promptlight.data.template``).
FIELDS = "fields"
#: Seconds one ``regex:`` pattern may spend on one text before it is given up (ValueError).
REGEX_TIMEOUT = 2.0
_CHOICES = ", ".join(GRANULARITIES) + ", regex:<pattern>"

# ``\s`` / ``\S`` on str patterns agree with ``str.isspace`` for every code point.
_NON_SPACE = re.compile(r"\S")
_WORD = re.compile(r"\S+")

# --- validation helpers -------------------------------------------------------------------


def _unknown_granularity(name: object) -> InvalidArgument:
    message = f"Unknown granularity {name!r}. Available: {_CHOICES}."
    if isinstance(name, str):
        close = difflib.get_close_matches(name, GRANULARITIES, n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
    return InvalidArgument(message, field="granularity")


#: Bounds checked before a user pattern is compiled: compiling ``a{4294967294}`` allocates for
#: seconds and gigabytes, and nested counted repeats multiply. Longer patterns are refused too.
MAX_PATTERN_CHARS = 1000
MAX_REPEAT = 1000
MAX_REPEAT_PRODUCT = 100_000
_COUNTED = re.compile(r"(?<!\\)\{\s*(\d+)\s*(?:,\s*(\d*)\s*)?\}")


def _check_pattern_bounds(pattern: str) -> None:
    """Refuse, before compiling, a pattern whose counted repeats or length could exhaust memory or time."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidArgument(
            f"The pattern of granularity 'regex:...' is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}.",
            field="granularity",
        )
    for m in _COUNTED.finditer(pattern):
        count = max(int(m.group(1)), int(m.group(2) or 0))
        if count > MAX_REPEAT:
            raise InvalidArgument(
                f"The pattern {pattern[:60]!r} repeats something {count} times; counted repeats ({{n}}, {{m,n}}) "
                f"may be at most {MAX_REPEAT}. Use + or * for long runs.",
                field="granularity",
            )
    product = _repeat_product(pattern)
    if product > MAX_REPEAT_PRODUCT:
        raise InvalidArgument(
            f"The counted repeats of the pattern {pattern[:60]!r} multiply to {product:,} (nested or chained); "
            f"the limit is {MAX_REPEAT_PRODUCT:,}. Use + or * instead of large counts.",
            field="granularity",
        )


#: Patterns whose counted repeats multiply to at most this are kept compiled (each is small);
#: larger ones (up to ~30 MB compiled, ~60 ms to compile) are compiled afresh on every use,
#: so no cache can pile them up.
_CACHED_REPEAT_PRODUCT = 1000


def _repeat_product(pattern: str) -> int:
    product = 1
    for m in _COUNTED.finditer(pattern):
        product *= max(int(m.group(1)), int(m.group(2) or 0), 1)
    return product


def _compile_pattern(pattern: str):
    """The compiled ``regex:`` pattern (a ``regex.Pattern``); ValueError naming it if it is empty or invalid."""
    if not pattern:
        raise InvalidArgument(
            f"Granularity {REGEX_PREFIX!r} needs a pattern after the colon, e.g. 'regex:[^,]+' (one segment per comma-separated item).",
            field="granularity",
        )
    _check_pattern_bounds(pattern)
    if len(pattern) <= 200 and _repeat_product(pattern) <= _CACHED_REPEAT_PRODUCT:
        return _compile_small_pattern(pattern)
    return _compile_uncached(pattern)


@functools.lru_cache(maxsize=64)
def _compile_small_pattern(pattern: str):
    return _compile_uncached(pattern)


def _compile_uncached(pattern: str):
    import regex  # a user's pattern: run it where it can be timed out (see REGEX_TIMEOUT)

    try:
        # cache_pattern=False: the regex module's own cache (hundreds of entries) keeps nothing.
        return regex.compile(pattern, cache_pattern=False)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise InvalidArgument(
            f"Invalid pattern {pattern!r} in granularity 'regex:{pattern}': {exc}.", field="granularity"
        ) from None


def _check_partition(text: str, spans: Sequence[Span], what: str) -> None:
    """Raise ValueError unless ``spans`` are non-empty, contiguous and cover ``text`` exactly."""
    position = 0
    for k, span in enumerate(spans):
        if span.start != position or span.end <= span.start:
            raise ValueError(
                f"{what} must partition the text (in order, contiguous, non-empty): "
                f"{what.lower()}[{k}] is [{span.start}, {span.end}) but the previous one ended at {position}."
            )
        position = span.end
    if position != len(text):
        raise ValueError(f"{what} must cover the text exactly: they end at {position}, the text has {len(text)} chars.")


def _check_inside(text: str, spans: Sequence[Span], what: str) -> None:
    for i, span in enumerate(spans):
        if span.end > len(text):
            raise ValueError(
                f"{what}[{i}] is [{span.start}, {span.end}), past the end of the text ({len(text)} chars)."
            )


def _spans_from_starts(text: str, starts: Sequence[int]) -> tuple[Span, ...]:
    """Sorted, distinct ``starts`` (the first is 0) -> the partition of ``text`` they begin."""
    ends = [*starts[1:], len(text)]
    return tuple(Span(a, b) for a, b in zip(starts, ends))


def _next_non_space(text: str, position: int) -> int | None:
    """Index of the first non-whitespace char at or after ``position``, or None."""
    match = _NON_SPACE.search(text, position)
    return match.start() if match else None


def _starts_after_breaks(text: str, breaks: Sequence[int]) -> list[int]:
    """Segment starts for break positions: each break opens a segment at its next non-whitespace char.

    The whitespace between a break and that char stays with the segment before it.
    Linear in ``len(text)``: breaks inside one whitespace run share a single search.
    """
    starts = [0]
    found: int | None = -1  # the last search's result; None: no non-whitespace after it
    for position in sorted(breaks):
        if found is None:
            break
        if position > found:
            found = _next_non_space(text, position)
            if found is not None and found > starts[-1]:
                starts.append(found)
    return starts


# --- tokens ---------------------------------------------------------------------------------


def token_spans_from_offsets(
    text: str,
    offsets: Sequence[tuple[int, int]],
    *,
    special: Sequence[bool] | None = None,
) -> tuple[Span, ...]:
    """A tokenizer's ``offset_mapping`` -> one span per token that together partition ``text``.

    ``offsets[i] = (start, end)`` is the char range a fast tokenizer reports for token ``i``
    of ``text`` (``special[i]`` marks tokens with no text, such as BOS). The result has
    ``len(offsets)`` half-open spans ``[start, end)`` with ``result[0].start == 0``,
    ``result[i].end == result[i + 1].start`` and ``result[-1].end == len(text)``:

    - a special token gets an empty span where it sits (between its neighbours);
    - tokens reporting the same or overlapping ranges (SentencePiece byte fallback: the
      byte tokens of one emoji all say ``(5, 6)``; byte-level BPE splitting a multi-byte
      char): the first keeps its range, each later one starts where the previous ended,
      so a fully covered one becomes empty at that end;
    - chars no token reports (whitespace trimmed by byte-level BPE's ``trim_offsets``,
      chars a normalizer dropped) go to the following non-special token, or to the last
      one at the end of the text.

    Works for SentencePiece offsets that include the leading space (``" qu" -> (19, 22)``)
    and for GPT-2-style byte-level BPE alike.

    Raises ValueError if an offset is not ``0 <= start <= end <= len(text)``, if
    ``special`` has the wrong length, or if ``text`` is non-empty but every token is special.
    """
    count = len(offsets)
    flags = [False] * count if special is None else [bool(s) for s in special]
    if len(flags) != count:
        raise ValueError(f"special has {len(flags)} entries but there are {count} offsets; give one flag per token.")
    clipped = _clip_offsets(text, offsets, flags)
    normal = [i for i in range(count) if not flags[i]]
    if text and not normal:
        raise ValueError(
            f"Cannot cover a text of {len(text)} chars: all {count} tokens are special (or there are none). "
            "Pass the offsets of the text's own tokens."
        )
    spans: list[Span] = []
    position = 0
    for i in range(count):
        if flags[i]:
            spans.append(Span(position, position))
            continue
        end = len(text) if i == normal[-1] else clipped[i][1]
        spans.append(Span(position, end))  # the gap before the token (if any) is the token's
        position = end
    return tuple(spans)


def _clip_offsets(text: str, offsets: Sequence[tuple[int, int]], special: Sequence[bool]) -> list[tuple[int, int]]:
    """Validate offsets and make non-special ones ordered and non-overlapping (a later token starts where the earlier ended)."""
    clipped: list[tuple[int, int]] = []
    previous_end = 0
    for i, pair in enumerate(offsets):
        try:
            start, end = (int(v) for v in pair)
        except (TypeError, ValueError):
            raise ValueError(f"offsets[{i}] is {pair!r}; each offset must be a (start, end) pair of ints.") from None
        if not 0 <= start <= end <= len(text):
            raise ValueError(
                f"offsets[{i}] is ({start}, {end}); need 0 <= start <= end <= len(text) = {len(text)}. "
                "Were the offsets computed for a different text?"
            )
        if special[i]:
            clipped.append((previous_end, previous_end))
            continue
        start = max(start, previous_end)
        end = max(end, start)
        clipped.append((start, end))
        previous_end = end
    return clipped


def token_segments(text: str, token_spans: Sequence[Span]) -> tuple[Span, ...]:
    """The ``tokens`` granularity: the non-empty token spans, in order.

    ``token_spans`` must partition ``text`` (as :func:`token_spans_from_offsets` returns);
    empty spans (BOS, byte-fallback continuations) are dropped, so the result is a
    partition of ``text`` into non-empty half-open ``[start, end)`` ranges.
    """
    segments = tuple(Span(s.start, s.end) for s in token_spans if s.end > s.start)
    _check_partition(text, segments, "Token spans")
    return segments


# --- granularities ----------------------------------------------------------------------------


def resolve_granularity(name: str) -> str:
    """Validate a granularity name and return it unchanged.

    Valid: ``tokens``, ``words``, ``sentences``, ``lines``, ``paragraphs`` and
    ``regex:<pattern>`` (Python ``re`` syntax, run by the ``regex`` package with a time
    limit; inline flags such as ``(?m)`` work).
    ``messages`` (one segment per chat message, template text between them on its own)
    is valid for chat prompts only, ``fields`` (one segment per filled field and per
    template section) for prompts filled from a template; the pipeline checks that.
    Raises ValueError naming the bad value and listing the choices.
    """
    if isinstance(name, str):
        if name in GRANULARITIES or name in (MESSAGES, FIELDS):
            return name
        if name.startswith(REGEX_PREFIX):
            _compile_pattern(name[len(REGEX_PREFIX) :])
            return name
    raise _unknown_granularity(name)


def segment(text: str, granularity: str) -> tuple[Span, ...]:
    """Split ``text`` into segments of ``granularity``: half-open ``[start, end)`` char ranges.

    The result partitions ``text``: in order, contiguous, each non-empty, covering it
    exactly (empty text -> ``()``). ``granularity`` is ``words``, ``sentences``, ``lines``,
    ``paragraphs`` or ``regex:<pattern>`` (see the module docstring for each rule).
    ``tokens`` needs the tokenizer: use :func:`token_segments`.
    """
    resolve_granularity(granularity)
    if granularity == MESSAGES:
        raise InvalidArgument(
            "Granularity 'messages' needs a chat prompt (messages rendered with a chat template), not plain text.",
            field="granularity",
        )
    if granularity == FIELDS:
        raise InvalidArgument(
            "Granularity 'fields' needs a prompt filled from a template (the fields' places), not plain text.",
            field="granularity",
        )
    if granularity == "tokens":
        raise ValueError(
            "Granularity 'tokens' needs the token spans, not just the text: "
            "use token_segments(text, token_spans) (or all_boundaries(text, token_spans))."
        )
    if not text:
        return ()
    if granularity.startswith(REGEX_PREFIX):
        return _regex_segments(text, _compile_pattern(granularity[len(REGEX_PREFIX) :]))
    starts = _STARTS[granularity](text)
    if granularity != "lines":
        starts = _without_leading_whitespace_segment(text, starts)
    return _spans_from_starts(text, starts)


def _without_leading_whitespace_segment(text: str, starts: list[int]) -> list[int]:
    """Merge whitespace at the very start of ``text`` into the first segment (no whitespace-only first segment)."""
    first = _next_non_space(text, 0)
    if first is None:
        return [0]
    return [0, *(s for s in starts if s > first)]


def _word_starts(text: str) -> list[int]:
    """Each run of non-whitespace opens a word; whitespace trails the word before it."""
    return [0, *(m.start() for m in _WORD.finditer(text) if m.start() > 0)]


def _line_starts(text: str) -> list[int]:
    """A line starts at 0 and after every ``"\\n"`` that is not the last char."""
    starts = [0]
    position = text.find("\n")
    while position != -1 and position + 1 < len(text):
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _paragraph_starts(text: str) -> list[int]:
    """A paragraph opens at the first non-whitespace char of a non-blank line that follows a blank line."""
    starts = [0]
    seen_text = False
    blank_since_text = False
    for line in _spans_from_starts(text, _line_starts(text)):
        first = _NON_SPACE.search(text, line.start, line.end)
        if first is None:  # a blank line
            blank_since_text = seen_text
            continue
        if blank_since_text:
            starts.append(first.start())
        seen_text, blank_since_text = True, False
    return starts


# Sentence ends: a run of terminators, then closing quotes/brackets/markdown emphasis, then whitespace.
_TERMINATORS = ".!?…"
_CLOSERS = "\"'”’»›)]}*_`"
_OPENERS = "\"'“‘«‹([{*_`"
_SENTENCE_END = re.compile(f"[{re.escape(_TERMINATORS)}]+[{re.escape(_CLOSERS)}]*(?=\\s)")

#: Lower-cased words that end with a period without ending the sentence (``"Dr."``).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sr jr st mt ave rd blvd ft vs etc approx cf fig figs eq eqs ref refs
    vol pp inc ltd co corp dept univ est gen gov sen rep lt col sgt capt rev hon ph.d
    """.split()
)
#: Abbreviations only when a number follows (``"No. 5"``); otherwise ``"No."`` is a full answer.
NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})

_DOTTED_ABBREVIATION = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")  # e.g, i.e, U.S, a.m, J.R.R
_LIST_MARKER = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]|(?i:(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3}))")  # 1. 2.1. a. iv.


def _sentence_starts(text: str) -> list[int]:
    """Sentences break after a sentence-ending punctuation run and after every newline."""
    breaks = [m.end() for m in _SENTENCE_END.finditer(text) if _ends_sentence(text, m)]
    breaks += [m.end() for m in re.finditer("\n", text)]
    return _starts_after_breaks(text, breaks)


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether a terminator run (followed by whitespace) really ends a sentence."""
    run = match.group().rstrip(_CLOSERS)
    if "!" in run or "?" in run:
        return True
    following = _next_non_space(text, match.end())
    if run != ".":  # an ellipsis: "..." or "…"
        return following is None or not text[following].islower()
    word_start = match.start()
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    raw_word = text[word_start : match.start()]
    word = raw_word.lstrip(_OPENERS).rstrip(_CLOSERS).lower()
    if word in ABBREVIATIONS or _DOTTED_ABBREVIATION.fullmatch(word):
        return False
    if word in NUMBER_ABBREVIATIONS:
        return following is None or not text[following].isdigit()
    if len(raw_word) == 1 and raw_word.isupper():  # an initial: "J. R. Tolkien"
        return False
    if _LIST_MARKER.fullmatch(raw_word) and _at_line_start(text, word_start):  # "1. Bake the eggs."
        return False
    return True


def _at_line_start(text: str, position: int) -> bool:
    """Whether only spaces/tabs (no newline) separate ``position`` from the start of its line."""
    i = position - 1
    while i >= 0 and text[i] != "\n" and text[i].isspace():
        i -= 1
    return i < 0 or text[i] == "\n"


def _regex_segments(text: str, pattern) -> tuple[Span, ...]:
    """Every non-empty match is a segment; so is every stretch of text between matches.

    ``pattern`` is a compiled ``regex.Pattern``; matching stops with ValueError after
    :data:`REGEX_TIMEOUT` seconds (catastrophic backtracking), never hangs.
    """
    cuts = {0, len(text)}
    try:
        for m in pattern.finditer(text, timeout=REGEX_TIMEOUT):
            if m.end() > m.start():
                cuts.update((m.start(), m.end()))
    except TimeoutError:
        raise InvalidArgument(
            f"The pattern {pattern.pattern!r} of granularity 'regex:{pattern.pattern}' took longer than "
            f"{REGEX_TIMEOUT:g} s on a text of {len(text)} chars (catastrophic backtracking). Simplify it: "
            "avoid nested or overlapping repetition such as (a+)+ or (a|aa)+.",
            field="granularity",
        ) from None
    ordered = sorted(cuts)
    return tuple(Span(a, b) for a, b in zip(ordered, ordered[1:]))


_STARTS = {
    "words": _word_starts,
    "sentences": _sentence_starts,
    "lines": _line_starts,
    "paragraphs": _paragraph_starts,
}


def all_boundaries(
    text: str,
    token_spans: Sequence[Span],
    *,
    cuts: Sequence[int] = (),
    messages: Sequence[tuple[int, int]] | None = None,
    fields: Sequence[tuple[int, int]] | None = None,
) -> dict[str, tuple[Span, ...]]:
    """The segments of every named granularity, keyed in ``types.GRANULARITIES`` order.

    ``token_spans`` partition ``text`` (see :func:`token_spans_from_offsets`). Each value
    partitions ``text`` into half-open ``[start, end)`` char ranges. No segment but a token
    crosses a char position in ``cuts`` (the prompt's end, message edges): a segment is split
    there. With ``messages`` (char ranges of chat messages' contents) the result also has
    :data:`MESSAGES`: one segment per message and per stretch between (template text, target).
    With ``fields`` (char ranges of a filled template's parts) it has :data:`FIELDS`: one
    segment per part, and the rest (chat-template text, the target) cut at ``cuts``.
    """
    out: dict[str, tuple[Span, ...]] = {}
    for granularity in GRANULARITIES:
        if granularity == "tokens":
            out[granularity] = token_segments(text, token_spans)
        else:
            out[granularity] = split_at(segment(text, granularity), cuts)
    if messages is not None:
        edges = [c for pair in messages for c in pair]
        out[MESSAGES] = split_at((Span(0, len(text)),) if text else (), [*cuts, *edges])
    if fields is not None:
        edges = [c for pair in fields for c in pair]
        out[FIELDS] = split_at((Span(0, len(text)),) if text else (), [*cuts, *edges])
    return out


def split_at(spans: Sequence[Span], cuts: Sequence[int]) -> tuple[Span, ...]:
    """``spans`` with each one that strictly contains a position of ``cuts`` split there."""
    points = sorted(set(cuts))
    out: list[Span] = []
    for span in spans:
        start = span.start
        for cut in points[bisect.bisect_right(points, span.start) :]:
            if cut >= span.end:
                break
            out.append(Span(start, cut))
            start = cut
        out.append(Span(start, span.end))
    return tuple(out)


def record_cuts(result: ResultRecord) -> tuple[int, ...]:
    """Char positions no segment of ``result`` crosses: the prompt's end and every message's edges."""
    points = {result.prompt_span.end}
    for m in result.messages:
        points.update((int(m["start"]), int(m["end"])))
    return tuple(sorted(p for p in points if 0 < p < len(result.text)))


# --- tokens -> segments ---------------------------------------------------------------------


def assign_tokens(text: str, token_spans: Sequence[Span], segments: Sequence[Span]) -> list[int]:
    """The index into ``segments`` of the segment each token belongs to: ``[n_tokens]``.

    A token belongs to the segment holding its first non-whitespace character
    (``" eggs"`` goes with ``"eggs"``); a whitespace-only token to the segment holding its
    ``start``; an empty token to the segment of the token before it (the first token, if
    empty, such as BOS, to the segment holding its start).
    ``segments`` must partition ``text``; ``token_spans`` need not (they may stop early).
    Token spans in order give non-decreasing indices. O(n_tokens log n_segments).
    """
    _check_partition(text, segments, "Segments")
    _check_inside(text, token_spans, "Token spans")
    if token_spans and not segments:
        raise ValueError("The text is empty, so there are no segments to assign tokens to.")
    starts = [s.start for s in segments]
    owners: list[int] = []
    for span in token_spans:
        if span.start == span.end and owners:
            # An empty token continues the token before it (the later bytes of a character
            # split by byte fallback): keep it with that token's segment.
            owners.append(owners[-1])
            continue
        match = _NON_SPACE.search(text, span.start, span.end)
        anchor = match.start() if match else span.start
        owners.append(max(0, min(bisect.bisect_right(starts, anchor) - 1, len(segments) - 1)))
    return owners


def aggregate(
    scores: Sequence[float | None],
    text: str,
    token_spans: Sequence[Span],
    segments: Sequence[Span],
) -> list[float | None]:
    """Per segment, the sum of its tokens' scores: ``[n_tokens] -> [n_segments]``.

    Tokens are assigned as in :func:`assign_tokens`; ``None`` scores (unscored tokens) are
    skipped, and a segment none of whose tokens is scored gets ``None``. Totals are kept:
    the sum over segments equals the sum of the non-None token scores.
    """
    if len(scores) != len(token_spans):
        raise ValueError(f"Got {len(scores)} scores for {len(token_spans)} tokens; give one score (or None) per token.")
    if not segments:
        _check_partition(text, segments, "Segments")
        return []
    totals: list[float | None] = [None] * len(segments)
    for score, owner in zip(scores, assign_tokens(text, token_spans, segments)):
        if score is None:
            continue
        current = totals[owner]
        totals[owner] = float(score) if current is None else current + float(score)
    return totals


def aggregate_result(
    result: ResultRecord,
    granularity: str,
    *,
    method: str | None = None,
    prompt_only: bool = True,
    skip_special: bool = False,
) -> list[Segment]:
    """Segments of ``result.text`` at ``granularity`` with the scores of ``method``.

    Boundaries come from ``result.boundaries`` (computed from the text for a ``regex:``
    granularity the result does not carry). A method scored per segment (occlusion, in
    ``result.segment_scores``) returns its own values, and only at the granularity it was
    run at (ValueError otherwise). A token-level method's segment score is the sum of its
    tokens' scores (:func:`aggregate`); ``None`` where no token is scored.

    With ``prompt_only``, only segments starting inside ``result.prompt_span`` are kept, a
    segment crossing into the target is cut at the prompt's end, and only tokens starting
    inside the prompt count towards scores. With ``skip_special``, special tokens' scores (BOS's,
    which would otherwise dominate the scale) are left out of their segment's sum.
    ``Segment.text`` is the slice of ``result.text``.
    """
    granularity = resolve_granularity(granularity)
    name = method or result.method
    spans = result_boundaries(result, granularity)
    if name in result.segment_scores:
        values = _segment_level_scores(result, name, granularity, spans)
    else:
        token_spans = [Span(t.start, t.end) for t in result.tokens]
        scores = result.token_scores(name)
        if prompt_only:
            scores = [s if _in_span(t.start, result.prompt_span) else None for s, t in zip(scores, token_spans)]
        if skip_special:
            scores = [None if t.special else s for s, t in zip(scores, result.tokens)]
        values = aggregate(scores, result.text, token_spans, spans)
    segments = []
    for span, value in zip(spans, values):
        start, end = span.start, span.end
        if prompt_only:
            if not _in_span(start, result.prompt_span):
                continue
            end = min(end, result.prompt_span.end)
        template = is_template_segment(result, start, end)
        segments.append(Segment(start, end, result.text[start:end], value, template))
    return segments


def _in_span(position: int, span: Span) -> bool:
    return span.start <= position < span.end


def result_boundaries(result: ResultRecord, granularity: str) -> tuple[Span, ...]:
    """The segments of ``result.text`` at a resolved ``granularity``: the record's own, else computed from the text."""
    if granularity in result.boundaries:
        return tuple(result.boundaries[granularity])
    if granularity == "tokens":
        return token_segments(result.text, [Span(t.start, t.end) for t in result.tokens])
    if granularity == MESSAGES:
        raise InvalidArgument(
            "Granularity 'messages' needs a chat prompt; this result's prompt is plain text.", field="granularity"
        )
    if granularity == FIELDS:
        raise InvalidArgument(
            "Granularity 'fields' needs a prompt filled from a template; this result's prompt was not.",
            field="granularity",
        )
    return split_at(segment(result.text, granularity), record_cuts(result))


def is_template_segment(result: ResultRecord, start: int, end: int) -> bool:
    """Whether ``[start, end)`` of a chat result's prompt holds no character of any message's content."""
    if not result.messages or start >= result.prompt_span.end:
        return False
    return not any(start < int(m["end"]) and int(m["start"]) < end for m in result.messages)


def _segment_level_scores(
    result: ResultRecord, name: str, granularity: str, spans: Sequence[Span]
) -> list[float | None]:
    """The per-segment values of a segment-level method (occlusion), checked against ``granularity``."""
    scored = result.segment_scores[name]
    if scored.granularity != granularity:
        raise ValueError(
            f"Method {name!r} scored segments at granularity {scored.granularity!r}, not {granularity!r}: "
            f"its scores cannot be re-aggregated. Re-run {name} with granularity={granularity!r}, "
            f"or view it at {scored.granularity!r}."
        )
    if len(scored.values) != len(spans):
        raise ValueError(
            f"Method {name!r} has {len(scored.values)} segment scores but the result has {len(spans)} "
            f"{granularity!r} segments; the result is inconsistent."
        )
    return [None if v is None else float(v) for v in scored.values]
