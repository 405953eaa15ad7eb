"""The product's story in the browser, on the real gemma3-270m (README, "The workflow").

Open ``fewshot-mistake``, generate greedily (stop at a blank line), select the
``Recommendation:`` line of the output, switch to lines: the heat lands on the first worked
example, whose analysis says "you don't like it" and whose recommendation says "try it". Then
compare with ``fewshot-constitution``, whose pane follows the selection to its own
Recommendation line.

``PROMPTLIGHT_UPDATE_SCREENSHOT=1`` also copies the walkthrough screenshot to
``docs/screenshot.png`` (the README's picture); otherwise it stays in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from promptlight.data import load_dataset
from tests.browser.pages import PromptlightPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
MODEL_CALL_MS = 300_000  # a gemma call is ~5-20 s on 2 busy cores; fail late rather than flake


@pytest.fixture(scope="module")
def server(start_server):
    # The first run converts the model into PROMPTLIGHT_CACHE (about a minute); later loads ~5 s.
    server = start_server("gemma", models=["gemma3-270m"], load_timeout=900)
    yield server
    server.stop()


def test_menu_walkthrough_in_the_browser(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    prompt = load_dataset("sample_prompts").by_source("fewshot-mistake").prompt
    first_example_end = prompt.index("\n\n")
    app.open(server.url)

    # 1. Run the model on fewshot-mistake: greedy, stop at a blank line.
    app.select("fewshot-mistake")
    app.set_source("Model output")
    app.set_generation(max_new_tokens="48", stop="\\n\\n")
    expect(page.get_by_label("Temperature", exact=True)).to_have_value("0")  # greedy
    with app.expect_call("generate", timeout=MODEL_CALL_MS):
        app.button("Generate").click()
    expect(app.pane().locator(".pl-block-head", has_text="Model output")).to_contain_text("finished by stop")
    output = app.explained_text()
    assert "Recommendation:" in output, output

    # 2. Select the recommendation line (double-click selects a line); salience runs on it.
    with app.expect_call("salience", timeout=MODEL_CALL_MS):
        app.output_units().filter(has_text="Recommendation:").first.dblclick()
    app.wait_idle(timeout=MODEL_CALL_MS)
    selected = app.selected_text()
    assert selected.startswith("Recommendation:") and "\n" not in selected, selected
    start = output.index("Recommendation:")
    assert app.view()["span"] == [f"{start}-{start + len(selected)}"]

    # 3. Lines: re-aggregated in the browser, no new request.
    calls = len(app.salience_calls)
    app.set_granularity("lines")
    assert len(app.salience_calls) == calls
    lines = app.heat()
    hot = [p for p in lines if p.hot and p.offset < len(prompt)]
    assert hot, "no line of the prompt shows heat"
    assert all("\n" not in p.text.rstrip("\n") for p in lines), "not line segments"
    # The heat lands on the first worked example: the two top-ranked lines of the whole prompt
    # are its analysis ("... which you don't like.") and its contradicting recommendation
    # ("You have to try it."), as tests/integration/test_gemma.py finds with the Python API.
    top = [app.top_segment(rank) for rank in (1, 2)]
    for rank, pieces in enumerate(top, 1):
        assert pieces[0].offset < first_example_end, (rank, pieces, app.top())
    labels = {"".join(p.text for p in pieces).split(":")[0] for pieces in top}
    assert labels == {"Analysis", "Recommendation"}, app.top()
    # The hottest line is the darkest: full colour on the sequential (grad_l2) scale.
    assert top[0][0].background == "rgb(84, 39, 143)", top[0]

    # The README's picture: the mistake with line heat, hovering the hottest line.
    app.close_generation_settings()
    page.locator(".pl-top-item").first.blur()
    app.pane().scroll_into_view_if_needed()
    page.locator(".pl-right").evaluate("el => el.scrollTo(0, 0)")
    app.heatmap().evaluate("el => el.scrollTo(0, 0)")
    app.heatmap().locator(".pl-flash").evaluate_all("els => els.forEach((el) => el.classList.remove('pl-flash'))")
    hottest = app.heatmap().locator(f'.pl-seg[data-seg="{top[0][0].segment}"]').first
    box = hottest.bounding_box()
    assert box
    hottest.hover(position={"x": box["width"] - 4, "y": box["height"] / 2})  # the tooltip opens to the right
    expect(app.tooltip()).to_contain_text("100% of max |score|")
    shot = ui.shot("walkthrough-mistake-lines")
    if os.environ.get("PROMPTLIGHT_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, REPO / "docs" / "screenshot.png")
    page.mouse.move(2, 2)

    # 4. Compare with fewshot-constitution: it is generated and explained in its own pane, on
    # the span that corresponds to A's selection: its own Recommendation line (Gemma writes
    # the same line there, so the exact text is found; another one would match by its label).
    with app.expect_call("salience", timeout=2 * MODEL_CALL_MS):
        page.locator(".pl-compare-select").select_option("sample_prompts:12")
    expect(page.locator(".pl-panes > .pl-pane")).to_have_count(2)
    app.wait_idle(1, timeout=MODEL_CALL_MS)
    expect(app.pane(0).locator(".pl-pane-title")).to_contain_text("fewshot-mistake")
    expect(app.pane(1).locator(".pl-pane-title")).to_contain_text("fewshot-constitution")
    for side in (0, 1):
        assert app.explained_text(side).strip(), f"pane {side} has no output"
        assert any(p.hot for p in app.heat(side)), f"pane {side} shows no heat"
        expect(app.pane(side).locator(".pl-top-item").first).to_be_visible()
    output_b = app.explained_text(1)
    selected_b = app.selected_text(1)
    assert selected_b.startswith("Recommendation:") and "\n" not in selected_b, (selected_b, output_b)
    rule = "same text" if selected in output_b else "same label 'Recommendation:'"
    expect(app.pane(1).locator(".pl-follow")).to_have_text(f"Follows A{rule}")
    start_b = output_b.index(selected_b)
    request = json.loads(app.salience_calls[-1])
    assert request["target"] == output_b and request["target_span"] == [start_b, start_b + len(selected_b)], request
    expect(app.pane(1).locator(".pl-objective .pl-quote")).to_have_text(selected_b)
    # The link keeps B following A: no span of its own.
    assert app.view()["cmp"] == ["sample_prompts:12"] and "cspan" not in app.view(), app.view()
    ui.shot("walkthrough-compare")
    assert ui.errors == []


def test_a_long_call_shows_its_progress_and_cancel_stops_it_on_the_server(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select("math-cot-1")  # a row with a dataset target: no generation first
    app.wait_idle()
    app.set_method("integrated_gradients")
    options = page.get_by_role("group", name="Method options")
    for label, value in (("steps", "200"), ("batch size", "1")):  # one path point per pass: progress at once
        field = options.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")
    app.button("Explain").click()
    progress = app.pane().locator(".pl-busy .pl-progress")
    expect(progress).to_contain_text("step", timeout=MODEL_CALL_MS)
    expect(progress).to_contain_text("/200")
    expect(progress).to_contain_text("s left")
    ui.shot("progress")
    app.pane().locator(".pl-busy").get_by_role("button", name="Cancel").click()
    expect(app.pane().locator(".pl-error")).to_contain_text("Cancelled", timeout=15_000)
    expect(app.pane().locator(".pl-busy")).to_be_hidden()
    # The server stopped computing: the model is idle again and answers the next call.
    deadline = time.monotonic() + 15
    while httpx.get(f"{server.url}api/health", timeout=10).json()["models"]["gemma3-270m"]["busy"]:
        assert time.monotonic() < deadline, "the model is still busy after the cancel"
        time.sleep(0.2)
    app.set_method("grad_l2")
    with app.expect_call("salience", timeout=MODEL_CALL_MS):
        app.button("Explain").click()
    app.wait_idle(timeout=MODEL_CALL_MS)
    expect(app.pane().locator(".pl-error")).to_be_hidden()
    assert ui.errors == []
