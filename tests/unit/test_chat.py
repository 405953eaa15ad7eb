"""Chat prompts: messages rendered with the model's own template, located char by char, template
tokens marked, the ``messages`` granularity, and segments that never cross a message edge or
the prompt/target boundary."""

from __future__ import annotations

import pytest

from promptlight import explain
from promptlight.chat import check_messages, locate, render
from promptlight.errors import InvalidArgument
from tests.reruns import assert_occlusion_equals_reruns

CHAT = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "Taste-likes: cheese, tomatoes. Taste-dislikes: eggs.\nSuggest a dish."},
]
REPLY = "Try a tomato and cheese quiche."


@pytest.fixture(scope="module")
def chat_lm():
    from promptlight.models import load_model

    return load_model("tiny-chat")


@pytest.fixture
def fresh_chat_lm():
    from promptlight.models import load_model

    return load_model("tiny-chat", reuse=False)


@pytest.mark.parametrize(
    ("messages", "field", "needle"),
    [
        ("hello", "messages", "must be a list"),
        ([], "messages", "is empty"),
        ([{"role": "robot", "content": "hi"}], "messages[0].role", "valid roles: system, user, assistant"),
        ([{"role": "user", "content": "   "}], "messages[0].content", "non-whitespace"),
        ([{"role": "user"}], "messages[0].content", "non-whitespace"),
        ([{"role": "user", "content": "hi", "name": "x"}], "messages[0]", "unknown keys"),
        ([{"role": "system", "content": "be nice"}], "messages", "no user message"),
        ([{"role": "assistant", "content": "hi"}, {"role": "user", "content": "yo"}], "messages", "starts with"),
        (["hi"], "messages[0]", "must be an object"),
    ],
)
def test_bad_messages_name_the_field(messages, field, needle):
    with pytest.raises(InvalidArgument) as info:
        check_messages(messages)
    assert info.value.field == field and needle in str(info.value)


def test_rendering_locates_every_message_and_adds_no_second_bos(chat_lm):
    chat = render(chat_lm, CHAT)
    assert chat.reply is None
    for message, (start, end) in zip(CHAT, chat.ranges):
        assert chat.text[start:end] == message["content"].strip()
    # The system message is folded into the first user turn, as Gemma's template does.
    assert chat.text.count("<start_of_turn>user") == 1 and chat.text.endswith("<start_of_turn>model\n")
    assert not chat.text.startswith("<bos>")
    ids = chat_lm.tokenize(chat.text).ids
    assert ids.count(chat_lm.bos_id) == 1
    marker = chat_lm.tokenizer.convert_tokens_to_ids("<start_of_turn>")
    assert ids.count(marker) == 2  # turn markers are single tokens, not spelled out


def test_a_trailing_assistant_message_is_the_target(chat_lm):
    result = explain(chat_lm, [*CHAT, {"role": "assistant", "content": REPLY}], method="grad_l2")
    assert result.target == REPLY
    assert result.prompt == render(chat_lm, CHAT).text
    assert [m["role"] for m in result.messages] == ["system", "user"]
    with pytest.raises(InvalidArgument) as info:
        explain(chat_lm, [*CHAT, {"role": "assistant", "content": REPLY}], target=" other")
    assert info.value.field == "target"


def test_template_tokens_are_marked_and_muted(chat_lm):
    result = explain(chat_lm, CHAT, target=REPLY, method="grad_l2", granularity="words")
    ranges = [(m["start"], m["end"]) for m in result.messages]
    prompt_end = result.prompt_span.end
    for token in result.tokens:
        inside = any(token.start < b and a < token.end for a, b in ranges)
        expected = token.end > token.start and token.start < prompt_end and not inside
        assert token.template == expected, token
    assert any(t.template for t in result.tokens) and all(t.scores["grad_l2"] is not None for t in result.tokens[:5])
    words = result.aggregate("words")
    template_words = [s for s in words if s.template]
    assert {s.text for s in template_words} >= {"<start_of_turn>user\n", "<end_of_turn>\n", "<start_of_turn>model\n"}
    top = result.top_segments("words", k=100)
    assert top and not any(s.template for s in top)
    everything = result.top_segments("words", k=100, include_template=True)
    assert len(everything) == len(top) + len([s for s in template_words if s.score is not None])
    # The heatmap's scale is set by message text alone.
    from promptlight.report import display_segments, normalised

    shown = display_segments(result, "words", None)
    peak = max(abs(s.score) for s in shown if s.score is not None and not s.template)
    values = normalised(shown)
    assert max(abs(v) for v, s in zip(values, shown) if v is not None and not s.template) == pytest.approx(1.0)
    assert peak > 0


def test_no_segment_crosses_a_message_edge_or_the_prompt_end(chat_lm):
    result = explain(chat_lm, CHAT, target=REPLY, method="grad_l2")
    edges = {result.prompt_span.end} | {e for m in result.messages for e in (m["start"], m["end"])}
    for granularity, spans in result.boundaries.items():
        if granularity == "tokens":
            continue
        for span in spans:
            assert not any(span.start < e < span.end for e in edges), (granularity, span)
    # Plain prompts too: a line the target continues is split at the prompt's end.
    plain = explain(chat_lm, "Dish: quiche.\nAnalysis:", target=" It has eggs.\n", method="grad_l2")
    lines = [plain.text[s.start : s.end] for s in plain.boundaries["lines"]]
    assert lines == ["Dish: quiche.\n", "Analysis:", " It has eggs.\n"]
    assert plain.aggregate("lines")[-1].text == "Analysis:"


def test_messages_granularity_is_one_segment_per_message(chat_lm):
    result = explain(chat_lm, CHAT, target=REPLY, method="grad_l2", granularity="messages")
    segments = result.aggregate("messages")
    contents = [s.text for s in segments if not s.template]
    assert contents == [m["content"].strip() for m in CHAT]
    assert all(s.template for s in segments if s.text not in contents)
    total = sum(s for s in result.token_scores("grad_l2") if s is not None)
    assert sum(s.score or 0.0 for s in segments) == pytest.approx(total, rel=1e-6)
    with pytest.raises(InvalidArgument) as info:
        explain(chat_lm, "A plain prompt.", target=" Yes.", granularity="messages")
    assert info.value.field == "granularity"


def test_occluding_a_message_equals_an_explicit_rerun_without_it(chat_lm):
    result = explain(chat_lm, CHAT, target=REPLY, method="occlusion", granularity="messages")
    checked = assert_occlusion_equals_reruns(chat_lm, result, "messages")
    assert checked >= 4


def test_a_generation_marker_template_renders_and_locates(fresh_chat_lm):
    fresh_chat_lm.tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>\n"
        "{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] }}{% endgeneration %}"
        "{% else %}{{ m['content'] }}{% endif %}\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    messages = [*CHAT, {"role": "assistant", "content": "A quiche."}, {"role": "user", "content": "Why that?"}]
    result = explain(fresh_chat_lm, messages, target="It has cheese.", method="grad_l2", granularity="messages")
    assert [result.text[m["start"] : m["end"]] for m in result.messages] == [m["content"] for m in messages]
    assert result.prompt.startswith("<|system|>\n") and result.prompt.endswith("<|assistant|>\n")
    assert sum(not s.template for s in result.aggregate("messages")) == len(messages)


def test_models_and_templates_that_cannot_read_a_chat_are_refused(tiny, fresh_chat_lm):
    with pytest.raises(InvalidArgument) as info:
        explain(tiny, CHAT, target=REPLY)
    assert info.value.field == "messages" and "no chat template" in str(info.value)
    fresh_chat_lm.tokenizer.chat_template = "{% for m in messages %}{{ m['content'] | upper }}{% endfor %}"
    with pytest.raises(InvalidArgument) as info:
        render(fresh_chat_lm, CHAT)
    assert info.value.field == "messages[0]" and "changed the text" in str(info.value)
    fresh_chat_lm.tokenizer.chat_template = "{{ raise_exception('Only user messages, please') }}"
    with pytest.raises(InvalidArgument) as info:
        render(fresh_chat_lm, CHAT)
    assert "Only user messages, please" in str(info.value)


def test_locate_searches_in_order():
    from promptlight.chat import Message

    text = "<u>hi</u><a>hi</a>"
    assert locate(text, [Message("user", "hi"), Message("assistant", " hi ")]) == ((3, 5), (12, 14))


def test_a_chat_result_survives_json(chat_lm):
    from promptlight.types import ResultRecord

    result = explain(chat_lm, CHAT, target=REPLY, method="grad_l2", granularity="messages")
    again = ResultRecord.from_json(result.to_json())
    assert again.messages == result.messages
    assert [t.template for t in again.tokens] == [t.template for t in result.tokens]


def test_integrated_gradients_keeps_chat_template_tokens_fixed(chat_lm):
    from promptlight.pipeline import explain

    messages = [{"role": "user", "content": "Taste-likes: tomatoes, cheese. Suggest a dish."}, {"role": "assistant", "content": REPLY}]
    result = explain(chat_lm, messages, method="integrated_gradients", steps=8)
    first, _ = result.target_token_span
    fixed = [t for t in result.tokens[:first] if t.special or t.template]
    assert len(fixed) >= 3  # BOS and the turn markers
    assert result.methods["integrated_gradients"]["fixed_tokens"] == len(fixed)
    assert all(t.scores["integrated_gradients"] == 0.0 for t in fixed)
    assert any(t.scores["integrated_gradients"] != 0.0 for t in result.tokens[:first] if not (t.special or t.template))
