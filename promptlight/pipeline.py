"""``explain(...)``: the one place that wires model, salience method, objective and segments together.

    dataset -> model (generate) -> salience method -> segments -> result record

Semantics (``docs/result-schema.md``): the sequence is prompt + target tokenized together
(BOS included); the objective is the sum of log-probabilities of the target tokens that
overlap the selected span; every token before the first of them is scored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from promptlight.errors import InvalidArgument
from promptlight.result import SalienceResult
from promptlight.types import GRANULARITIES, SegmentScores, Span, TokenScores

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.base import LanguageModel
    from promptlight.salience.objective import Objective

#: Generation settings ``explain`` uses when it must generate the target itself.
DEFAULT_GENERATION = {"max_new_tokens": 64}

#: Builds the objective from the model, the tokens of T (``[k]`` on ``lm.device``) and the selected text.
ObjectiveFactory = Callable[["LanguageModel", "torch.Tensor", str], "Objective"]


def explain(
    model: Any,
    prompt: str | Sequence[Mapping[str, str]],
    *,
    target: str | None = None,
    target_span: tuple[int, int] | None = None,
    method: str = "grad_l2",
    granularity: str = "words",
    generation: Mapping[str, Any] | None = None,
    foil: str | None = None,
    objective: ObjectiveFactory | None = None,
    options: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    check: bool = False,
    fields: Sequence[Mapping[str, Any]] | None = None,
    **more_options: Any,
) -> SalienceResult:
    """Explain which parts of ``prompt`` drive the selected part of ``target``.

    ``model``: a :class:`~promptlight.models.LanguageModel` or a spec string for
    :func:`~promptlight.load_model`. ``prompt`` is text, or a chat: a list of
    ``{"role": "system"|"user"|"assistant", "content": ...}`` rendered with the model's chat
    template (generation prompt added; a trailing assistant message is the target; see
    :mod:`promptlight.chat`). ``target=None`` generates the target first (greedy,
    ``generation`` settings). ``target_span=(start, end)`` is a char range inside the
    target (default: all of it). ``granularity`` is the segment level occlusion leaves out
    and the default level of ``result.aggregate()``; gradient methods score tokens and the
    result carries the boundaries of every granularity. ``options`` (or keyword arguments,
    e.g. ``steps=64``) go to the method, parsed by its option table; ``settings`` supplies
    the caps some options have (the server and the CLI pass theirs). ``foil`` asks why the
    selection A rather than ``foil`` B: the objective becomes ``log p(A | prompt, target[:s]) -
    log p(B | prompt, target[:s])`` (:class:`~promptlight.salience.objective.Contrastive`).
    ``objective`` builds any other objective (default
    :class:`~promptlight.salience.objective.TargetLogprob`). ``check=True`` adds the faithfulness
    check at ``granularity`` (``result.faithfulness``: removing the top-1 and top-3 segments
    against seeded random ones; :mod:`promptlight.salience.faithfulness`), 17 more suffix passes.
    ``fields`` (``[{"name", "start", "end"}]``, char ranges into the prompt text, or for a
    chat into its last user message's content) names where a template's fields and sections
    are (:meth:`promptlight.data.template.PromptTemplate.fill` gives them); the result then
    has the ``fields`` granularity.

    Returns a :class:`~promptlight.result.SalienceResult`; positive scores push the selection up.
    Bad input raises :class:`~promptlight.errors.InvalidArgument` naming its ``field``.
    """
    from promptlight.chat import check_messages, render, template_mask
    from promptlight.salience import get_method
    from promptlight.segments import FIELDS, MESSAGES, all_boundaries, resolve_granularity, segment, split_at

    info = get_method(method)
    granularity = resolve_granularity(granularity)
    parsed = info.parse_options({**dict(options or {}), **more_options}, settings)
    is_chat = not isinstance(prompt, str)
    if is_chat:
        check_messages(prompt)
    elif granularity == MESSAGES:
        raise InvalidArgument(
            "Granularity 'messages' needs a chat prompt: give the prompt as a list of messages.", field="granularity"
        )
    if granularity == FIELDS and not fields:
        raise InvalidArgument(
            "Granularity 'fields' needs a prompt filled from a template: give its fields (a dataset's template).",
            field="granularity",
        )
    if foil is not None and (not isinstance(foil, str) or not foil.strip()):  # before any model call
        raise InvalidArgument(
            f"The foil {foil!r} is empty; give the alternative text to compare the selection with.", field="foil"
        )
    lm = _as_model(model)
    chat = render(lm, prompt) if is_chat else None
    if chat is not None:
        if chat.reply is not None and target is not None:
            raise InvalidArgument(
                "The messages end with an assistant reply and a target was given too; give the reply one way.",
                field="target",
            )
        target = chat.reply if chat.reply is not None else target
        prompt = chat.text
    assert isinstance(prompt, str)
    if target is None:
        target = lm.generate(prompt, **{**DEFAULT_GENERATION, **dict(generation or {})}).text
    if not target:
        raise InvalidArgument(
            "The target is empty: there is nothing to explain. Give a target or let the model generate one.",
            field="target",
        )
    selected = selected_char_span(prompt, target, target_span)

    text = prompt + target
    tok = lm.tokenize(text)
    first, last = target_token_range(tok.spans, tok.special, selected)
    if first == 0:
        raise InvalidArgument(
            "The selected target starts at the very first token, so nothing precedes it to explain. "
            "Give a non-empty prompt (or use a model with a BOS token).",
            field="prompt",
        )
    ranges = chat.ranges if chat is not None else None
    parts = _field_parts(fields, prompt, chat)
    cuts = [len(prompt), *(c for pair in ranges or () for c in pair)]
    boundaries = all_boundaries(
        text, tok.spans, cuts=cuts, messages=ranges, fields=[(p["start"], p["end"]) for p in parts] if parts else None
    )
    segments = boundaries[granularity] if granularity in boundaries else split_at(segment(text, granularity), cuts)
    template = template_mask([(s.start, s.end) for s in tok.spans], ranges or (), len(prompt)) if ranges else None

    import torch

    from promptlight.salience.base import SalienceInputs
    from promptlight.salience.objective import Contrastive, TargetLogprob

    ids = torch.tensor(tok.ids[:last], dtype=torch.long, device=lm.device)  # [last]
    selected_text = text[selected.start : selected.end]
    if foil is not None:
        if objective is not None:
            raise InvalidArgument(
                "Give a foil or an objective, not both: a foil is the contrastive objective.", field="foil"
            )
        foil_ids = torch.tensor(_foil_ids(lm, text, tok, first, selected, foil), dtype=torch.long, device=lm.device)
        goal: Objective = Contrastive(ids[first:last], foil_ids, selected_text=selected_text, foil=foil)
    else:
        # The rest of the target is recorded by perturbation methods, so a later selection needs no model call.
        following = torch.tensor(tok.ids[last:], dtype=torch.long, device=lm.device)  # [len - last]
        build = objective or (
            lambda _lm, target_ids, chosen: TargetLogprob(target_ids, selected_text=chosen, following=following)
        )
        goal = build(lm, ids[first:last], selected_text)
    inputs = SalienceInputs(
        lm=lm,
        text=text,
        ids=ids,
        token_spans=tok.spans[:last],
        special=tok.special[:last],
        target_positions=torch.arange(first, last, device=lm.device),
        granularity=granularity,
        segments=segments,
        objective=goal,
        template=tuple(bool(x) for x in template[:last]) if template else (),
    )
    from promptlight.salience.budget import fit_to_memory

    level = "tokens" if info.level == "tokens" else granularity
    # A method that records its variants scores the rest of the target too.
    from promptlight.salience.variants import records

    seq = len(tok.ids) if info.refit is not None and records(goal) else last
    run_options, memory_notes = fit_to_memory(lm, info, parsed, seq=seq, level=level, settings=settings)
    import contextlib

    recompute = lm.checkpointed() if memory_notes.get("checkpointed") else contextlib.nullcontext()
    with lm.lock, lm.frozen():
        with recompute:
            output = info.run(inputs, **run_options)
        prefix_embeds = lm.embed(ids[None, :first]).detach()  # [1, first, d], the unchanged input
        sides = goal.term_values(lm, prefix_embeds) if foil is not None else None
        # A method that does not report the unchanged input's logits costs one more pass here.
        if getattr(goal, "observed", None) is None:
            with torch.no_grad():
                goal.value_from_embeds(lm, prefix_embeds, observe=True)
        alternatives = _alternatives(lm, goal, tok, first, text)

    tokens = []
    for i, (span, special) in enumerate(zip(tok.spans, tok.special)):
        scores = {name: (vals[i] if i < first else None) for name, vals in output.token_scores.items()}
        tokens.append(
            TokenScores(
                text=text[span.start : span.end],
                start=span.start,
                end=span.end,
                scores=scores,
                special=special,
                template=bool(template and template[i]),
            )
        )

    from promptlight.salience import registered_methods

    registry = registered_methods()
    methods_meta: dict[str, dict[str, Any]] = {}
    for name in [*output.token_scores, *output.segment_scores]:
        meta = {"signed": registry[name].signed, "level": "tokens" if name in output.token_scores else granularity}
        meta.update(output.info.get(name, {}))
        if name == method:
            meta.update(memory_notes)
        methods_meta[name] = meta

    result = SalienceResult(
        model=lm.name,
        text=text,
        prompt_span=Span(0, len(prompt)),
        target_span=Span(len(prompt), len(text)),
        selected_span=selected,
        objective=goal.describe(),
        objective_value=output.objective_value,
        method=method,
        tokens=tuple(tokens),
        target_token_span=(first, last),
        boundaries={**boundaries, **({granularity: segments} if granularity not in boundaries else {})},
        methods=methods_meta,
        segment_scores={name: SegmentScores(granularity, tuple(v)) for name, v in output.segment_scores.items()},
        options={"granularity": granularity, **{k: v for k, v in run_options.items() if v is not None}},
        device=str(lm.device),
        dtype=str(lm.dtype).removeprefix("torch."),
        objective_spec=goal.to_dict(),
        foil=foil,
        f_target=sides[0] if sides else None,
        f_foil=sides[1] if sides else None,
        alternatives=alternatives,
        messages=chat.message_spans() if chat is not None else (),
        fields=parts,
        variants={name: v.to_dict() for name, v in output.variants.items()},
    )
    if not check:
        return result
    return dataclasses.replace(result, faithfulness=_check(result, inputs, segments, signed=info.signed))


def _check(result: SalienceResult, inputs: Any, segments: Sequence[Span], *, signed: bool) -> dict[str, Any] | None:
    """The faithfulness check on the segments every surface ranks (BOS's own score and template segments out)."""
    from promptlight.report import display_segments
    from promptlight.salience.faithfulness import check_faithfulness

    index = {(s.start, s.end): k for k, s in enumerate(segments)}
    scores = [
        (index[(s.start, s.end)], float(s.score))
        for s in display_segments(result, inputs.granularity, result.method)
        if s.score is not None and not s.template and (s.start, s.end) in index
    ]
    lm = inputs.lm
    with lm.lock, lm.frozen():
        return check_faithfulness(inputs, scores, signed=signed)


def _field_parts(fields: Sequence[Mapping[str, Any]] | None, prompt: str, chat: Any) -> tuple[dict[str, Any], ...]:
    """``fields`` as char ranges into the explained text, checked to lie inside what they index."""
    if not fields:
        return ()
    base, limit = 0, len(prompt)
    if chat is not None:
        users = [k for k, m in enumerate(chat.messages) if m.role == "user"]
        if not users:
            raise InvalidArgument("fields index a user message, and this chat has none.", field="fields")
        message = chat.messages[users[-1]]
        lead = len(message.content) - len(message.content.lstrip())
        base, limit = chat.ranges[users[-1]][0] - lead, len(message.content)
    out = []
    for k, part in enumerate(fields):
        try:
            name, start, end = str(part["name"]), int(part["start"]), int(part["end"])
        except (KeyError, TypeError, ValueError):
            raise InvalidArgument(
                f"fields[{k}] is {part!r}; each field is {{'name', 'start', 'end'}} with integer char offsets.",
                field="fields",
            ) from None
        if not 0 <= start < end <= limit:
            raise InvalidArgument(
                f"fields[{k}] ({name!r}) spans [{start}, {end}), outside the prompt text (valid: 0 <= start < end <= {limit}).",
                field="fields",
            )
        out.append({"name": name, "start": base + start, "end": base + end})
    return tuple(out)


def _alternatives(lm: Any, goal: Any, tok: Any, first: int, text: str) -> tuple[dict[str, Any], ...]:
    """Per selected target token: its log-probability and the model's top next tokens at that position."""
    import math

    observed = goal.observed
    rows = []
    for j in range(observed.top_ids.shape[0]):
        i = first + j
        span = tok.spans[i]
        top = [
            {"id": int(t), "text": lm.decode([int(t)]), "prob": math.exp(float(lp))}
            for t, lp in zip(observed.top_ids[j], observed.top_logprobs[j])
        ]
        rows.append(
            {
                "token_index": i,
                "id": int(tok.ids[i]),
                "text": text[span.start : span.end],
                "start": span.start,
                "end": span.end,
                "prob": math.exp(float(observed.actual_logprobs[j])),
                "top": top,
            }
        )
    return tuple(rows)


def _foil_ids(lm: Any, text: str, tok: Any, first: int, selected: Span, foil: str) -> list[int]:
    """The foil's tokens after the scored prefix ``tok.ids[:first]``.

    The foil sequence is ``prompt + target[:s] + foil`` (``s``: where the selection starts),
    tokenized the way the model sees it. When its first ``first`` tokens are the scored
    prefix (the usual case), the foil's tokens are the rest; when the tokenizer merges
    across the boundary, the characters from the first selected token's start to ``s``,
    plus the foil, are tokenized on their own after the prefix.
    """
    whole = lm.tokenize(text[: selected.start] + foil)
    if tuple(whole.ids[:first]) == tuple(tok.ids[:first]) and len(whole.ids) > first:
        return list(whole.ids[first:])
    ids = list(lm.tokenize(text[tok.spans[first].start : selected.start] + foil, add_bos=False).ids)
    if not ids:
        raise InvalidArgument(f"The foil {foil!r} has no tokens.", field="foil")
    return ids


def _as_model(model):
    if isinstance(model, str):
        from promptlight.models import load_model

        return load_model(model)
    if not hasattr(model, "tokenize") or not hasattr(model, "logits_at"):
        raise InvalidArgument(
            f"model must be a LanguageModel or a model spec string, got {type(model).__name__}.", field="model"
        )
    return model


def selected_char_span(prompt: str, target: str, target_span: tuple[int, int] | None) -> Span:
    """The selection as an absolute char span of ``prompt + target``."""
    if target_span is None:
        start, end = 0, len(target)
    else:
        try:
            start, end = (int(x) for x in target_span)
        except (TypeError, ValueError):
            raise InvalidArgument(
                f"target_span must be a pair (start, end) of ints, got {target_span!r}.", field="target_span"
            ) from None
        if not (0 <= start < end <= len(target)):
            raise InvalidArgument(
                f"target_span {list(target_span)} is not a non-empty range inside the target "
                f"(valid: 0 <= start < end <= {len(target)}, chars of the target).",
                field="target_span",
            )
    if not target[start:end].strip():
        raise InvalidArgument(
            f"target_span {target_span!r} selects only whitespace; select some text of the target.", field="target_span"
        )
    return Span(len(prompt) + start, len(prompt) + end)


def target_token_range(spans, special, selected: Span) -> tuple[int, int]:
    """Token indices ``[first, last)`` of T: from the first to the last token overlapping ``selected``."""
    hits = [i for i, (s, sp) in enumerate(zip(spans, special)) if not sp and s.overlaps(selected)]
    if not hits:
        raise InvalidArgument(
            f"No token overlaps the selected characters [{selected.start}, {selected.end}).", field="target_span"
        )
    first, last = hits[0], hits[-1] + 1
    # Byte-fallback pieces of the last selected character have empty spans right after it.
    while (
        last < len(spans) and not special[last] and len(spans[last]) == 0 and spans[last].start == spans[last - 1].end
    ):
        last += 1
    return first, last


__all__ = ["explain", "GRANULARITIES"]
