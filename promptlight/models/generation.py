"""Autoregressive decoding with a KV cache: greedy, or sampling with temperature/top-k/top-p.

The text of a generation is the decoded token ids, exactly what follows the prompt.
Each token's char span is where its characters appear in that text: a token that only
starts a multi-byte character (byte fallback) gets an empty span and the token that
completes the character gets the character.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from promptlight.progress import report
from promptlight.types import Generation, Span

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from promptlight.models.base import LanguageModel


def validate_generation_options(
    *, max_new_tokens: int, temperature: float, top_p: float, top_k: int, stop: Sequence[str]
) -> None:
    """Raise ``ValueError`` naming the first bad option and its valid range."""
    if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be a positive integer, got {max_new_tokens!r}.")
    if not (temperature >= 0.0):
        raise ValueError(f"temperature must be >= 0 (0 means greedy), got {temperature!r}.")
    if not (0.0 < top_p <= 1.0):
        raise ValueError(f"top_p must be in (0, 1], got {top_p!r}.")
    if not isinstance(top_k, int) or top_k < 0:
        raise ValueError(f"top_k must be an integer >= 0 (0 means no limit), got {top_k!r}.")
    if isinstance(stop, str) or any(not isinstance(s, str) or not s for s in stop):
        raise ValueError(f"stop must be a list of non-empty strings, got {stop!r}.")


def pick_next_token(
    logits: torch.Tensor, *, temperature: float, top_p: float, top_k: int, generator: torch.Generator | None
) -> int:
    """``[vocab] -> token id``: argmax when ``temperature == 0``, else a filtered sample.

    Sampling draws from ``softmax((logits - max(logits)) / temperature)``, computed in float64.
    Subtracting the maximum first changes nothing mathematically (softmax is shift-invariant)
    but keeps every scaled value <= 0: however small a positive ``temperature`` is (``3e-195``),
    the best token scales to exactly 0 and the others to finite negatives or ``-inf``, never
    ``+inf`` or ``nan``, so ``torch.multinomial`` always gets a valid distribution. float64
    keeps temperatures down to ~5e-324 non-zero (float32 would round 3e-195 to 0 and give
    0 / 0). We do not switch tiny temperatures to greedy instead: the scaled distribution is
    already the exact limit (all its mass on the argmax, shared equally between tied maxima),
    so no arbitrary threshold is needed and sampling still consumes the seeded generator.
    """
    import torch

    if temperature == 0.0:
        return int(torch.argmax(logits))
    logits = logits.detach().cpu()  # sampling runs on the CPU: the same seed gives the same text on any device
    shifted = logits.double() - logits.max().double()  # [vocab], <= 0, the best token at 0
    scaled = shifted / temperature  # [vocab], in [-inf, 0]
    if top_k > 0 and top_k < scaled.numel():
        kth = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(scaled, descending=True)  # [vocab], [vocab]
        cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)  # [vocab]
        # Drop a token when the tokens before it already reach top_p (the first always stays).
        drop_sorted = (cumulative - torch.softmax(sorted_logits, dim=-1)) >= top_p  # [vocab]
        drop = torch.zeros_like(drop_sorted).scatter(0, order, drop_sorted)
        scaled = scaled.masked_fill(drop, float("-inf"))
    probs = torch.softmax(scaled, dim=-1)  # [vocab]
    return int(torch.multinomial(probs, 1, generator=generator))


def token_char_spans(decode, ids: Sequence[int], text: str) -> tuple[Span, ...]:
    """Char spans of ``ids`` in ``text == decode(ids)``, from the decoded prefixes.

    ``L_k`` = length of the common prefix of ``decode(ids[:k])`` and ``text`` (kept
    non-decreasing); token ``k`` covers ``[L_k, L_{k+1})`` and the last token runs to the end.
    """
    spans: list[Span] = []
    covered = 0
    for k in range(1, len(ids) + 1):
        prefix = decode(ids[:k]) if k < len(ids) else text
        n = 0
        limit = min(len(prefix), len(text))
        while n < limit and prefix[n] == text[n]:
            n += 1
        end = max(covered, n)
        spans.append(Span(covered, end))
        covered = end
    return tuple(spans)


def generate(
    lm: LanguageModel,
    prompt: str,
    *,
    max_new_tokens: int = 64,
    temperature: float = 0.0,
    top_p: float = 1.0,
    top_k: int = 0,
    seed: int | None = None,
    stop: Sequence[str] = (),
) -> Generation:
    """Generate up to ``max_new_tokens`` after ``prompt``; stop at EOS or at a stop string.

    A stop string is cut from the text together with everything after it; tokens that start
    at or after the cut are dropped and the token crossing it is clipped to the cut.
    """
    import torch

    validate_generation_options(
        max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, top_k=top_k, stop=stop
    )
    stop = tuple(stop)
    generator = None
    if temperature > 0.0:
        generator = torch.Generator().manual_seed(int(seed) if seed is not None else int(torch.seed() % 2**63))

    prompt_ids = list(lm.tokenize(prompt).ids)
    if not prompt_ids:
        raise ValueError("The prompt is empty and the model has no BOS token to start from.")
    new_ids: list[int] = []
    text = ""
    finish_reason = "length"
    cut: int | None = None
    with lm.lock, torch.inference_mode():
        logits, state = lm.decode_step(torch.tensor([prompt_ids], device=lm.device), None)  # [vocab]
        for _ in range(max_new_tokens):
            next_id = pick_next_token(logits, temperature=temperature, top_p=top_p, top_k=top_k, generator=generator)
            if next_id in lm.eos_ids:
                finish_reason = "eos"
                break
            new_ids.append(next_id)
            report(len(new_ids), max_new_tokens, "tokens")
            if stop:
                text = lm.decode(new_ids)
                hits = [text.find(s) for s in stop if s in text]
                if hits:
                    cut = min(hits)
                    finish_reason = "stop"
                    break
            if len(new_ids) == max_new_tokens:
                break
            logits, state = lm.decode_step(torch.tensor([[next_id]], device=lm.device), state)  # [vocab]
    text = lm.decode(new_ids)
    spans = token_char_spans(lm.decode, new_ids, text)
    if cut is not None:
        keep = [i for i, s in enumerate(spans) if s.start < cut]
        new_ids = [new_ids[i] for i in keep]
        spans = tuple(Span(spans[i].start, min(spans[i].end, cut)) for i in keep)
        text = text[:cut]
    return Generation(
        prompt=prompt,
        text=text,
        token_ids=tuple(new_ids),
        token_spans=spans,
        finish_reason=finish_reason,
        model=lm.name,
    )
