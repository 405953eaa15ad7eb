"""A chat walkthrough on ``tiny-chat`` (a model with a Gemma-style chat template): the
"Chat template" toggle sends a prompt as one user message, template text is drawn muted and
kept off the scale and the top list, the ``messages`` granularity gives one segment per
message, and a chat row of a dataset is edited message by message."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.pages import PromptlightPage, low_contrast_texts

pytestmark = pytest.mark.browser

CHAT_ROW = {
    "source": "chat-dinner",
    "messages": [
        {"role": "system", "content": "Answer with one dish."},
        {"role": "user", "content": "Taste-likes: cheese, tomatoes.\nTaste-dislikes: eggs.\nSuggest a dish."},
    ],
    "target": "Try a tomato and cheese toastie.",
}


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    data = tmp_path_factory.mktemp("chat-data") / "chats.jsonl"
    data.write_text(json.dumps(CHAT_ROW) + "\n", encoding="utf-8")
    server = start_server("chat-tiny", models=["tiny-chat"], datasets=("sample_prompts", f"chats:{data}"))
    yield server
    server.stop()


def test_the_chat_toggle_renders_the_prompt_with_the_template(server, ui):
    page = ui.page
    # The server's Content-Security-Policy must never have to block anything the UI does.
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    app = PromptlightPage(page)
    app.open(server.url)
    app.select("math-cot-1")
    app.wait_idle()
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    assert "messages" not in json.loads(app.salience_calls[-1])
    expect(page.locator(".pl-template")).to_have_count(0)
    expect(app.radio("Granularity", "messages")).to_have_count(0)

    toggle = page.get_by_label("Chat template")
    with app.expect_call("salience"):
        toggle.check()
    app.wait_idle()
    request = json.loads(app.salience_calls[-1])
    prompt = httpx.get(f"{server.url}api/datapoints/sample_prompts:0", timeout=10).json()
    assert "prompt" not in request
    assert request["messages"][0]["role"] == "user" and len(request["messages"]) == 1
    muted = page.locator(".pl-heatmap .pl-template")
    expect(muted.first).to_be_visible()
    assert "<start_of_turn>user" in "".join(muted.all_text_contents())
    # Template text is never on the scale: muted pieces have no heat colour.
    assert all(not p.hot for p in app.heat() if "<start_of_turn>" in p.text or "<end_of_turn>" in p.text)
    assert all("<start_of_turn>" not in text and "<end_of_turn>" not in text for _score, text in app.top())
    assert prompt["id"].startswith("sample_prompts:")
    # Template text is muted in the HTML report too: the page the CLI writes for this record.
    report = app.expect_the_report_python_writes(method="grad_l2", granularity="words")
    assert '<span class="seg template" title="score' in report

    app.set_granularity("messages")
    segments = app.segments()
    contents = [s for s in segments if "<start_of_turn>" not in s and "<end_of_turn>" not in s]
    assert len(contents) == 1 and contents[0].strip() in request["messages"][0]["content"]
    assert len(app.top()) == 1
    ui.shot("chat-toggle")
    # Every text of the app, muted template text included, is readable (WCAG AA contrast).
    assert low_contrast_texts(page) == []

    # Off again: the plain prompt's result (cached in the page: no new call), and the messages
    # granularity goes away.
    calls = len(app.salience_calls)
    toggle.uncheck()
    app.wait_idle()
    expect(app.radio("Granularity", "messages")).to_have_count(0)
    expect(app.radio("Granularity", "words")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".pl-heatmap .pl-template")).to_have_count(0)
    assert len(app.salience_calls) == calls
    assert page.evaluate("window.__cspViolations") == []


def test_a_chat_row_is_explained_and_edited_message_by_message(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select("chat-dinner")
    app.wait_idle()
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    request = json.loads(app.salience_calls[-1])
    assert request["messages"] == CHAT_ROW["messages"]
    expect(page.get_by_label("Chat template")).to_be_hidden()  # the row is a chat already

    app.set_granularity("messages")
    contents = [s for s in app.segments() if "<start_of_turn>" not in s and "<end_of_turn>" not in s and s.strip()]
    assert contents == [m["content"] for m in CHAT_ROW["messages"]]
    ui.shot("chat-messages")
    assert low_contrast_texts(page) == []

    # The editor shows the messages; editing one and saving keeps a chat (a user copy of the row).
    editor = page.get_by_role("region", name="Datapoint editor")
    texts = editor.get_by_label("Message text")
    expect(texts).to_have_count(2)
    expect(editor.get_by_label("Prompt", exact=True)).to_be_hidden()
    texts.nth(1).fill("Taste-likes: mushrooms.\nSuggest a dish.")
    expect(editor.locator(".pl-card-head")).to_contain_text("unsaved changes")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.locator(".pl-card-head")).not_to_contain_text("unsaved changes")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    assert json.loads(app.salience_calls[-1])["messages"][1]["content"] == "Taste-likes: mushrooms.\nSuggest a dish."
    saved = [r for r in httpx.get(f"{server.url}api/examples", params={"limit": 100}, timeout=10).json() if r["origin"] == "user"]
    assert len(saved) == 1
    assert saved[0]["fields"]["messages"][1]["content"] == "Taste-likes: mushrooms.\nSuggest a dish."
    assert saved[0]["prompt"].startswith("system: Answer with one dish.\n\nuser: Taste-likes: mushrooms.")

    # A plain prompt becomes a chat with "Edit as chat", then grows a message.
    editor.get_by_role("button", name="New", exact=True).click()
    editor.get_by_label("Prompt", exact=True).fill("Suggest a soup.")
    editor.get_by_role("button", name="Edit as chat", exact=True).click()
    editor.get_by_role("button", name="Add message", exact=True).click()
    expect(texts).to_have_count(2)
    texts.nth(1).fill("A leek and potato soup.")
    editor.get_by_role("button", name="Add", exact=True).click()
    expect(app.pane().locator(".pl-target")).to_have_text("A leek and potato soup.")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    # The last assistant message is the reply to explain.
    request = json.loads(app.salience_calls[-1])
    assert request["messages"] == [{"role": "user", "content": "Suggest a soup."}]
    assert request["target"] == "A leek and potato soup."
    expect(app.pane().locator(".pl-target")).to_have_text("A leek and potato soup.")
