"""Long model calls and model choice in the browser: the last click wins (a cached answer
replaces a call still running, which stops on the server), a pane that is computing says so
instead of asking for a run, a model switch during a call says what happened to it, and a
model under ``--model-dirs`` loads from the picker.

Integrated gradients with 1000 path points, one per forward pass, takes about 10 s on the
tiny model here: long enough to act while it runs.
"""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.pages import PromptlightPage

pytestmark = pytest.mark.browser

SLOW_IG = (("steps", "1000"), ("batch size", "1"))


@pytest.fixture(scope="module")
def server(start_server, tmp_path_factory):
    from promptlight.models.tiny import build_tiny

    shelf = tmp_path_factory.mktemp("models") / "shelf"
    build_tiny(shelf / "tiny-b")  # a model folder the app may load on request
    extra = ["--max-ig-steps", "1000", "--model-dirs", str(shelf)]
    server = start_server("long-calls", models=["tiny", "second:tiny"], extra=extra)
    yield server
    server.stop()


def _busy_models(server) -> list[str]:
    health = httpx.get(f"{server.url}api/health", timeout=10).json()
    return [name for name, m in health["models"].items() if m["busy"]]


def _wait_until_idle(server, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while busy := _busy_models(server):
        assert time.monotonic() < deadline, f"still computing {within:g} s after the call was replaced: {busy}"
        time.sleep(0.1)


def _run_if_asked(app: PromptlightPage) -> None:
    """Auto-run starts the call, or (once it knows the call is long) asks first: say yes."""
    confirm, busy = app.pane().locator(".pl-confirm"), app.pane().locator(".pl-busy")
    deadline = time.monotonic() + 15
    while not (confirm.is_visible() or busy.is_visible()):
        assert time.monotonic() < deadline, "neither a call nor a confirm after the change"
        time.sleep(0.05)
    if confirm.is_visible():
        confirm.get_by_role("button", name="Run it").click()
    expect(busy.locator(".pl-progress")).to_contain_text("/1000", timeout=15_000)


def _start_slow_ig(app: PromptlightPage) -> None:
    """Choose integrated gradients with slow options; the last option change starts the long call."""
    app.set_method("integrated_gradients")
    app.wait_idle()
    options = app.page.get_by_role("group", name="Method options")
    for label, value in SLOW_IG:
        field = options.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")
    _run_if_asked(app)


def test_a_cached_method_clicked_during_a_long_call_wins_and_the_call_stops(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("math-cot-1")  # has a dataset target: no generation first
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    expect(app.pane().locator(".pl-summary-head")).to_contain_text("grad_l2")
    _start_slow_ig(app)
    calls = len(app.salience_calls)
    app.set_method("grad_l2")  # cached from the first explain
    expect(app.pane().locator(".pl-busy")).to_be_hidden(timeout=3_000)
    expect(app.pane().locator(".pl-summary-head")).to_contain_text("grad_l2")
    assert len(app.salience_calls) == calls, "the cached grad_l2 result needs no request"
    _wait_until_idle(server)  # the replaced call was stopped on the server, not left to finish
    # Its answer never lands: the pane keeps grad_l2, with nothing to run.
    time.sleep(1.0)
    expect(app.pane().locator(".pl-summary-head")).to_contain_text("grad_l2")
    expect(app.pane().locator(".pl-notice")).to_have_count(0)
    expect(app.pane().locator(".pl-error")).to_be_hidden()

    # Back to the slow method (its options kept, its result never made): while it runs, the
    # shown grad_l2 result has no integrated_gradients scores, and the pane says it is
    # computing them instead of asking for a run.
    app.set_method("integrated_gradients")
    _run_if_asked(app)
    expect(app.pane().locator(".pl-notice-pending")).to_contain_text("Computing integrated_gradients at words")
    expect(app.pane().locator(".pl-notice", has_text="has no")).to_have_count(0)
    ui.shot("computing")
    # The shown result has grad_l2 scores, so clicking Grad L2 must still replace the running
    # call: otherwise its answer lands and the pane ends on "no grad_l2 scores".
    app.set_method("grad_l2")
    expect(app.pane().locator(".pl-busy")).to_be_hidden(timeout=3_000)
    _wait_until_idle(server)
    time.sleep(1.0)
    expect(app.pane().locator(".pl-summary-head")).to_contain_text("grad_l2")
    expect(app.pane().locator(".pl-notice")).to_have_count(0)
    assert len(app.salience_calls) == calls + 1, "only the integrated gradients call was sent"
    assert ui.errors == []


def test_switching_model_during_a_call_stops_it_and_says_so(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("math-cot-2")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    _start_slow_ig(app)
    ui.page.get_by_role("combobox", name="Model", exact=True).select_option("second")
    note = app.pane().locator(".pl-note")
    expect(note).to_contain_text("The model changed to second while this pane was computing salience")
    expect(note).to_contain_text("stopped on the server")
    expect(app.pane().locator(".pl-busy")).to_be_hidden()
    _wait_until_idle(server)
    expect(app.pane().locator(".pl-notice")).to_contain_text(
        "The model changed to second, so this result is for the old settings"
    )
    ui.shot("model-switched")
    # Explain again runs on the new model, and the note goes.
    with app.expect_call("salience", timeout=60_000) as call:
        app.button("Explain").click()
    assert call.value.request.post_data_json["model"] == "second"
    app.wait_idle(timeout=60_000)
    expect(note).to_be_hidden()
    assert ui.errors == []


def test_generate_on_a_row_without_a_target_shows_the_output_to_explain(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("ideas-1")  # no dataset target
    expect(app.button("Explain")).to_be_disabled()
    with app.expect_call("generate", timeout=60_000):
        app.button("Generate").click()
    app.wait_idle(timeout=60_000)
    expect(app.radio("What to explain", "Model output")).to_have_attribute("aria-checked", "true")
    expect(app.button("Explain")).to_be_enabled()
    assert app.explained_text() != ""
    assert ui.errors == []


def test_a_model_under_model_dirs_loads_from_the_picker_and_answers(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)
    picker = ui.page.get_by_role("combobox", name="Model", exact=True)
    expect(picker.locator("optgroup")).to_have_attribute("label", "Load from shelf")
    expect(picker.locator("optgroup option")).to_have_text(["shelf/tiny-b (folder)"])
    with ui.page.expect_response(lambda r: r.url.endswith("/api/models") and r.request.method == "POST") as added:
        picker.select_option("file:shelf/tiny-b")
    assert added.value.status == 201 and added.value.json()["name"] == "tiny-b"
    expect(ui.page.locator(".pl-model-state")).to_have_text("● ready", timeout=60_000)
    expect(picker).to_have_value("tiny-b")
    expect(picker.locator("optgroup")).to_have_count(0)  # loaded: listed among the models now
    app.select("math-cot-4")
    with app.expect_call("salience") as call:
        app.button("Explain").click()
    assert call.value.request.post_data_json["model"] == "tiny-b"
    app.wait_idle()
    expect(app.pane().locator(".pl-summary-head")).to_contain_text("grad_l2")
    assert ui.errors == []


def test_an_auto_run_expected_to_be_long_waits_for_the_user_and_says_why(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("headline-2")
    app.set_method("integrated_gradients")
    options = ui.page.get_by_role("group", name="Method options")
    for label, value in SLOW_IG:  # no result yet: nothing auto-runs
        field = options.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Tab")
    with app.expect_call("salience", timeout=120_000):
        app.button("Explain").click()  # an explicit click never asks: it runs (about 10 s), and is timed
    app.wait_idle(timeout=120_000)
    calls = len(app.salience_calls)
    app.drag_units(0, 2)  # a new selection: Auto-run would start the same long call
    confirm = app.pane().locator(".pl-confirm")
    expect(confirm).to_contain_text("integrated_gradients at words would take about")
    expect(confirm).to_contain_text("(1000 path steps;")
    expect(confirm).to_contain_text("when integrated_gradients last ran on this model), so Auto-run waits for you.")
    assert len(app.salience_calls) == calls, "nothing was sent"
    expect(app.pane().locator(".pl-busy")).to_be_hidden()
    ui.shot("waits")
    # A fast method needs no confirm, and the note goes with the change.
    app.set_method("grad_l2")
    expect(confirm).to_be_hidden()
    app.wait_idle()
    app.set_method("integrated_gradients")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Run it").click()
    expect(app.pane().locator(".pl-busy .pl-progress")).to_contain_text("/1000", timeout=15_000)
    app.pane().locator(".pl-busy").get_by_role("button", name="Cancel").click()
    _wait_until_idle(server)
    assert ui.errors == []
