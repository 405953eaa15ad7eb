"""Chat prompts: a list of messages rendered with the model's own chat template.

    messages -> check -> render (the model's template, generation prompt added)
             -> locate each message's content in the rendered text -> ChatPrompt

The rendered text is the prompt the model sees; every char offset of a chat result indexes
it. Characters outside every message's content come from the template (role markers, turn
delimiters, a system message folded into the first user turn keeps its own range): their
tokens are scored like any other but marked ``template`` and kept off the display scale.

A trailing ``assistant`` message is the target: the prompt is everything before it, rendered
with the generation prompt, and the reply is explained as written.

Pure Python apart from the model's ``render_chat``; no torch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from promptlight.errors import InvalidArgument

ROLES = ("system", "user", "assistant")
#: Most messages one chat prompt may have.
MAX_MESSAGES = 256


@dataclasses.dataclass(frozen=True)
class Message:
    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclasses.dataclass(frozen=True)
class ChatPrompt:
    """A rendered chat prompt.

    ``text`` is what the model reads (BOS left to the tokenizer when it adds one itself).
    ``ranges[k] = (start, end)`` is the char range of message ``k``'s content in ``text``.
    ``reply`` is the trailing assistant message's content (the target), or ``None``.
    """

    text: str
    messages: tuple[Message, ...]
    ranges: tuple[tuple[int, int], ...]
    reply: str | None = None

    def message_spans(self) -> tuple[dict[str, Any], ...]:
        """``[{"role", "start", "end"}]``, the form a result record carries."""
        return tuple({"role": m.role, "start": a, "end": b} for m, (a, b) in zip(self.messages, self.ranges))


def check_messages(messages: object, *, field: str = "messages") -> tuple[Message, ...]:
    """Validate ``[{"role": ..., "content": ...}, ...]``; InvalidArgument naming the bad entry otherwise."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise InvalidArgument(
            f"{field} must be a list of {{'role', 'content'}} objects, got {type(messages).__name__}.", field=field
        )
    if not messages:
        raise InvalidArgument(f"{field} is empty; give at least one user message.", field=field)
    if len(messages) > MAX_MESSAGES:
        raise InvalidArgument(f"{field} has {len(messages)} messages; the limit is {MAX_MESSAGES}.", field=field)
    out = []
    for k, raw in enumerate(messages):
        where = f"{field}[{k}]"
        if isinstance(raw, Message):
            raw = raw.to_dict()
        if not isinstance(raw, Mapping):
            raise InvalidArgument(
                f"{where} must be an object with 'role' and 'content', got {type(raw).__name__}.", field=where
            )
        extra = sorted(set(raw) - {"role", "content"})
        if extra:
            raise InvalidArgument(f"{where} has unknown keys {extra}; a message has 'role' and 'content'.", field=where)
        role, content = raw.get("role"), raw.get("content")
        if role not in ROLES:
            raise InvalidArgument(f"{where}.role is {role!r}; valid roles: {', '.join(ROLES)}.", field=f"{where}.role")
        if not isinstance(content, str) or not content.strip():
            raise InvalidArgument(
                f"{where}.content is {content!r}; each message needs some non-whitespace text.",
                field=f"{where}.content",
            )
        out.append(Message(role, content))
    if not any(m.role == "user" for m in out):
        raise InvalidArgument(f"{field} has no user message; a chat prompt needs at least one.", field=field)
    if out[0].role == "assistant":
        raise InvalidArgument(
            f"{field}[0] is an assistant message; a chat starts with a system or user message.", field=field
        )
    return tuple(out)


def preview(messages: Sequence[Message]) -> str:
    """A plain-text view of a chat (``"user: ..."`` per message), for lists and search; never sent to a model."""
    return "\n\n".join(f"{m.role}: {m.content}" for m in messages)


def messages_of(fields: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """The ``messages`` a dataset row or datapoint carries in its extra fields, or ``None``."""
    value = fields.get("messages")
    return list(value) if isinstance(value, (list, tuple)) and value else None


def model_text(lm: Any, prompt: object) -> tuple[str, str | None]:
    """``(text the model reads, reply)`` for a plain prompt (``reply`` None) or a chat (rendered; its trailing reply)."""
    if isinstance(prompt, str):
        return prompt, None
    chat = render(lm, prompt)
    return chat.text, chat.reply


def render(lm: Any, messages: object, *, field: str = "messages") -> ChatPrompt:
    """Render ``messages`` with ``lm``'s chat template and locate each message's content.

    A trailing assistant message becomes ``reply``; the rest is rendered with the generation
    prompt. InvalidArgument (``field``) when the messages are malformed, when the model has no
    chat template, or when the template rewrites a message so that its text cannot be found.
    """
    checked = check_messages(messages, field=field)
    reply = None
    if checked[-1].role == "assistant":
        reply, checked = checked[-1].content, checked[:-1]
    render_chat = getattr(lm, "render_chat", None)
    if render_chat is None or not getattr(lm, "has_chat_template", False):
        raise InvalidArgument(
            f"Model {getattr(lm, 'name', '?')!r} has no chat template, so it cannot read {field}. "
            "Give a plain prompt, or load a model whose tokenizer has a chat_template.",
            field=field,
        )
    try:
        text = render_chat([m.to_dict() for m in checked])
    except InvalidArgument:
        raise
    except ValueError as exc:  # a template refusing input (role order, ...): the user's to fix
        raise InvalidArgument(f"The chat template of {lm.name!r} refused these messages: {exc}", field=field) from None
    return ChatPrompt(text=text, messages=checked, ranges=locate(text, checked, field=field), reply=reply)


def locate(text: str, messages: Sequence[Message], *, field: str = "messages") -> tuple[tuple[int, int], ...]:
    """Char range of each message's content in ``text``, searched in order (templates trim whitespace)."""
    ranges = []
    cursor = 0
    for k, message in enumerate(messages):
        needle = message.content.strip()
        start = text.find(needle, cursor)
        if start < 0:
            raise InvalidArgument(
                f"The chat template changed the text of {field}[{k}] ({message.role}), so its characters "
                "cannot be found in the rendered prompt; promptlight needs templates that copy message text.",
                field=f"{field}[{k}]",
            )
        cursor = start + len(needle)
        ranges.append((start, cursor))
    return tuple(ranges)


def template_mask(
    token_starts_ends: Sequence[tuple[int, int]], ranges: Sequence[tuple[int, int]], prompt_end: int
) -> list[bool]:
    """Per token: True if it lies in the prompt and shares no character with any message's content.

    ``token_starts_ends[i] = (start, end)``; empty tokens (BOS) are never template tokens.
    """
    out = []
    for start, end in token_starts_ends:
        if end <= start or start >= prompt_end:
            out.append(False)
            continue
        out.append(not any(start < b and a < end for a, b in ranges))
    return out


__all__ = [
    "ROLES",
    "ChatPrompt",
    "Message",
    "check_messages",
    "locate",
    "messages_of",
    "model_text",
    "preview",
    "render",
    "template_mask",
]
