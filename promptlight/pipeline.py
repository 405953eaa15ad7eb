"""``explain(...)``: the one place that wires model, salience method and segments together.

    dataset -> model (generate) -> salience method -> segments -> result record

Semantics (``../shared/DESIGN.md``): the sequence is prompt + target tokenized together
(BOS included); the objective is the sum of log-probabilities of the target tokens that
overlap the selected span; every token before the first of them is scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promptlight.types import GRANULARITIES, SalienceResult, Span, TokenScores

#: Generation settings ``explain`` uses when it must generate the target itself.
DEFAULT_GENERATION = {"max_new_tokens": 64}


def explain(
    model,
    prompt: str,
    *,
    target: str | None = None,
    target_span: tuple[int, int] | None = None,
    method: str = "grad_l2",
    granularity: str = "words",
    generation: Mapping[str, Any] | None = None,
    **options: Any,
) -> SalienceResult:
    """Explain which parts of ``prompt`` drive the selected part of ``target``.

    ``model``: a :class:`~promptlight.models.LanguageModel` or a spec string for
    :func:`~promptlight.load_model`. ``target=None`` generates the target first (greedy,
    ``generation`` settings). ``target_span=(start, end)`` is a char range inside the
    target (default: all of it). ``granularity`` is the segment level occlusion leaves out
    and the default level of ``result.aggregate()``; gradient methods score tokens and the
    result carries the boundaries of every granularity. ``options`` go to the method
    (e.g. ``steps=64`` for integrated gradients).

    Returns a :class:`SalienceResult`; positive scores push the selection up.
    """
    from promptlight.salience import get_method
    from promptlight.segments import all_boundaries, resolve_granularity, segment

    info = get_method(method)
    granularity = resolve_granularity(granularity)
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}.")
    lm = _as_model(model)
    if target is None:
        target = lm.generate(prompt, **{**DEFAULT_GENERATION, **dict(generation or {})}).text
    if not target:
        raise ValueError("The target is empty: there is nothing to explain. Give a target or let the model generate one.")
    selected = _selected_span(prompt, target, target_span)

    text = prompt + target
    tok = lm.tokenize(text)
    first, last = _target_token_range(tok.spans, tok.special, selected)
    if first == 0:
        raise ValueError(
            "The selected target starts at the very first token, so nothing precedes it to explain. "
            "Give a non-empty prompt (or use a model with a BOS token)."
        )
    boundaries = all_boundaries(text, tok.spans)
    segments = boundaries[granularity] if granularity in boundaries else segment(text, granularity)

    import torch

    from promptlight.salience.base import SalienceInputs
    from promptlight.salience.objective import describe_objective

    inputs = SalienceInputs(
        lm=lm,
        text=text,
        ids=torch.tensor(tok.ids[:last], dtype=torch.long),
        token_spans=tok.spans[:last],
        special=tok.special[:last],
        target_positions=torch.arange(first, last),
        granularity=granularity,
        segments=segments,
    )
    with lm.lock, lm.frozen():
        output = info.run(inputs, **options)

    tokens = []
    for i, (span, special) in enumerate(zip(tok.spans, tok.special)):
        scores = {name: (vals[i] if i < first else None) for name, vals in output.token_scores.items()}
        tokens.append(TokenScores(text=text[span.start : span.end], start=span.start, end=span.end, scores=scores, special=special))

    from promptlight.salience import registered_methods

    registry = registered_methods()
    methods_meta: dict[str, dict[str, Any]] = {}
    for name in [*output.token_scores, *output.segment_scores]:
        meta = {"signed": registry[name].signed, "level": "tokens" if name in output.token_scores else granularity}
        meta.update(output.info.get(name, {}))
        methods_meta[name] = meta

    from promptlight.types import SegmentScores

    return SalienceResult(
        model=lm.name,
        text=text,
        prompt_span=Span(0, len(prompt)),
        target_span=Span(len(prompt), len(text)),
        selected_span=selected,
        objective=describe_objective(last - first, text[selected.start : selected.end]),
        objective_value=output.objective_value,
        method=method,
        tokens=tuple(tokens),
        target_token_span=(first, last),
        boundaries={**boundaries, **({granularity: segments} if granularity not in boundaries else {})},
        methods=methods_meta,
        segment_scores={name: SegmentScores(granularity, tuple(v)) for name, v in output.segment_scores.items()},
        options={"granularity": granularity, **options},
    )


def _as_model(model):
    if isinstance(model, str):
        from promptlight.models import load_model

        return load_model(model)
    if not hasattr(model, "tokenize") or not hasattr(model, "logits_at"):
        raise TypeError(f"model must be a LanguageModel or a model spec string, got {type(model).__name__}.")
    return model


def _selected_span(prompt: str, target: str, target_span: tuple[int, int] | None) -> Span:
    """The selection as an absolute char span of ``prompt + target``."""
    if target_span is None:
        start, end = 0, len(target)
    else:
        try:
            start, end = (int(x) for x in target_span)
        except (TypeError, ValueError):
            raise ValueError(f"target_span must be a pair (start, end) of ints, got {target_span!r}.") from None
        if not (0 <= start < end <= len(target)):
            raise ValueError(
                f"target_span {target_span!r} is not a non-empty range inside the target "
                f"(valid: 0 <= start < end <= {len(target)})."
            )
    if not target[start:end].strip():
        raise ValueError(f"target_span {target_span!r} selects only whitespace; select some text of the target.")
    return Span(len(prompt) + start, len(prompt) + end)


def _target_token_range(spans, special, selected: Span) -> tuple[int, int]:
    """Token indices ``[first, last)`` of T: from the first to the last token overlapping ``selected``."""
    hits = [i for i, (s, sp) in enumerate(zip(spans, special)) if not sp and s.overlaps(selected)]
    if not hits:
        raise ValueError(f"No token overlaps the selected characters [{selected.start}, {selected.end}).")
    first, last = hits[0], hits[-1] + 1
    # Byte-fallback pieces of the last selected character have empty spans right after it.
    while last < len(spans) and not special[last] and len(spans[last]) == 0 and spans[last].start == spans[last - 1].end:
        last += 1
    return first, last


__all__ = ["explain", "GRANULARITIES"]
