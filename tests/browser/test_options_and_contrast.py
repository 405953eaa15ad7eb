"""Method options and contrastive explanations in the UI.

Options: the controls come from the method's option table (``/api/methods``), the request
carries what the user set, the result reflects it, and a link restores it. Contrast: a foil
typed in "Versus", or one of the model's alternatives at a selected token, gives a
contrastive result whose objective sentence (the server's own) names both sides."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.pages import METHODS, PromptlightPage

pytestmark = pytest.mark.browser

EXAMPLE = "math-cot-1"  # a row with a dataset target: explaining it needs no generation


@pytest.fixture(scope="module")
def server(start_server):
    server = start_server("options-tiny", models=["tiny"])
    yield server
    server.stop()


def test_integrated_gradients_steps_and_baseline_are_set_from_the_ui(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    app.wait_idle()
    options = page.get_by_role("group", name="Method options")
    expect(options).to_be_hidden()  # grad_l2 has no options: nothing to show

    app.set_method("integrated_gradients")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    assert json.loads(app.salience_calls[-1])["options"] == {}, "untouched options are not sent"
    # The controls are drawn from the option table: a field per option, with its default.
    expect(options).to_be_visible()
    steps = options.get_by_label("steps", exact=True)
    baseline = options.get_by_label("baseline", exact=True)
    expect(steps).to_have_attribute("placeholder", "32")
    expect(baseline).to_have_value("zero")
    assert options.locator("option").all_inner_texts() == ["zero", "pad", "mean", "gauss_legendre", "riemann_middle", "geometric"]

    with app.expect_call("salience"):
        steps.fill("5")
        steps.press("Tab")
    app.wait_idle()
    assert json.loads(app.salience_calls[-1])["options"] == {"steps": 5}
    with app.expect_call("salience"):
        baseline.select_option("pad")
    app.wait_idle()
    request = json.loads(app.salience_calls[-1])
    assert request["method"] == "integrated_gradients" and request["options"] == {"steps": 5, "baseline": "pad"}
    # The result is the one asked for: its metadata names the steps and baseline used.
    summary = app.pane().locator(".pl-objective")
    expect(summary).to_contain_text("5 steps")
    expect(summary).to_contain_text("baseline: pad")
    assert "o.steps=5" in page.url and "o.baseline=pad" in page.url
    ui.shot("ig-options")
    # The HTML report lists the same notes, in the page the CLI writes for this record.
    report = app.expect_the_report_python_writes(method="integrated_gradients", granularity="words")
    assert "5 steps" in report and "baseline: pad" in report and "relative gap" in report

    # A value the server refuses is named, with its limit, not silently dropped.
    with page.expect_response(lambda r: r.url.endswith("/api/salience")) as info:
        steps.fill("100000")
        steps.press("Tab")
        # Auto-run, knowing 5 steps' time, holds back 100000 and says how long they would take.
        confirm = app.pane().locator(".pl-confirm")
        expect(confirm).to_contain_text("(100000 path steps;")
        confirm.get_by_role("button", name="Run it").click()
    assert info.value.status == 422
    expect(app.pane().locator(".pl-error")).to_contain_text("max_ig_steps")

    # The link restores the options, and the first run uses them.
    link = page.url.replace("o.steps=100000", "o.steps=6")
    calls_before = len(app.salience_calls)
    page.goto("about:blank")
    page.goto(link.replace("#", "#run=1&", 1) if "run=1" not in link else link)
    app.wait_idle()
    expect(options.get_by_label("steps", exact=True)).to_have_value("6")
    expect(options.get_by_label("baseline", exact=True)).to_have_value("pad")
    assert len(app.salience_calls) > calls_before
    assert json.loads(app.salience_calls[-1])["options"] == {"steps": 6, "baseline": "pad"}


def test_a_foil_typed_in_versus_gives_a_contrastive_result(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    app.set_method("occlusion")
    app.set_granularity("lines")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    plain = app.pane().locator(".pl-objective").inner_text()
    assert "versus" not in plain and "log p(foil)" not in plain

    versus = page.get_by_label("Versus (foil)")
    with app.expect_call("salience"):
        versus.fill(" The answer is 64.")
        versus.press("Tab")
    app.wait_idle()
    request = json.loads(app.salience_calls[-1])
    assert request["foil"] == " The answer is 64." and request["method"] == "occlusion"
    summary = app.pane().locator(".pl-objective")
    expect(summary).to_contain_text("versus the")  # the server's own sentence, shown as it comes
    expect(summary).to_contain_text("log p(foil)")
    assert "vs=+The+answer+is+64." in page.url or "vs=%20The%20answer%20is%2064." in page.url
    ui.shot("contrastive")
    report = app.expect_the_report_python_writes(method="occlusion", granularity="lines")
    assert "<dt>versus (foil)</dt><dd> The answer is 64.</dd>" in report

    # Clearing the foil goes back to the plain objective (a cached result, no new call needed).
    versus.fill("")
    versus.press("Tab")
    app.wait_idle()
    expect(summary).not_to_contain_text("versus the")


def test_choosing_an_alternative_explains_why_this_token_rather_than_that(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    strip = app.pane().locator("details.pl-alternatives")
    expect(strip).to_be_visible()
    strip.locator("summary").click()
    rows = strip.locator(".pl-alt-row")
    assert rows.count() >= 3
    row = rows.nth(1)
    actual = row.locator(".pl-alt-actual").inner_text()
    choice = row.locator("button.pl-alt").first
    wanted = choice.get_attribute("title")
    with app.expect_call("salience"):
        choice.click()
    app.wait_idle()
    request = json.loads(app.salience_calls[-1])
    result = page.evaluate("window.promptlight.result()")
    # The selection is that one token, the foil the chosen alternative.
    start, end = request["target_span"]
    assert request["target"][start:end] == json.loads(f'"{actual}"')
    assert request["foil"] and f"rather than “{request['foil']}”" in wanted
    assert result["foil"] == request["foil"] and result["objective_spec"]["kind"] == "contrastive"
    expect(app.pane().locator(".pl-objective")).to_contain_text("versus the")
    expect(page.get_by_label("Versus (foil)")).to_have_value(request["foil"])
    ui.shot("alternative-contrast")


def test_a_fast_result_is_checked_for_faithfulness_in_the_cli_s_words(server, ui):
    """KernelSHAP from the UI with its options; the UI checks the fast result by itself and shows
    the check in the same sentence as the CLI and the HTML report (promptlight.report.check_summary)."""
    from promptlight.report import check_summary

    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    app.wait_idle()
    app.set_method("kernel_shap")
    options = page.get_by_role("group", name="Method options")
    checked = lambda r: r.url.endswith("/api/salience") and '"check":true' in (r.request.post_data or "").replace(" ", "")  # noqa: E731
    with page.expect_response(checked, timeout=60_000) as answer:
        with app.expect_call("salience"):
            app.button("Explain").click()
    app.wait_idle()
    record = answer.value.json()
    request = json.loads(app.check_calls[-1])
    assert request["method"] == "kernel_shap" and request["granularity"] == "words"
    assert record["faithfulness"]["granularity"] == "words"
    strip = app.pane().locator(".pl-check-strip")
    expect(strip).to_contain_text("Faithfulness (words): ")
    expect(strip).to_contain_text(check_summary(record["faithfulness"]))
    expect(app.pane().locator(".pl-objective")).to_contain_text("forward passes")
    expect(options.get_by_label("samples", exact=True)).to_have_attribute("placeholder", "64")
    ui.shot("faithfulness-check")
    report = app.expect_the_report_python_writes(method="kernel_shap", granularity="words")
    assert f"<dt>faithfulness (words)</dt><dd>{check_summary(record['faithfulness'])}</dd>" in report

    # A gradient method shown at another granularity offers the check there.
    app.set_method("grad_l2")
    app.wait_idle()
    app.set_granularity("lines")
    with page.expect_response(checked, timeout=60_000) as again:
        app.pane().get_by_role("button", name="Check at lines").click()
    app.wait_idle()
    assert again.value.json()["faithfulness"]["granularity"] == "lines"
    expect(strip).to_contain_text("Faithfulness (lines): Removing the top line")


def test_methods_held_for_one_selection_show_their_rank_agreement(server, ui):
    """Occlusion after grad_l2 on the same selection: the pane shows each held method's Spearman
    agreement with the shown one, equal to the correlation of the two records' segment scores."""
    from promptlight.report import display_segments
    from promptlight.salience.context_cite import spearman
    from promptlight.types import ResultRecord

    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    app.set_granularity("words")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    strip = app.pane().locator(".pl-agreement")
    gradients = ResultRecord.from_dict(app.download_json())

    def scores(record: ResultRecord, method: str) -> dict[tuple[int, int], float]:
        return {(s.start, s.end): s.score for s in display_segments(record, "words", method) if s.score is not None and not s.template}

    def expect_agreement(shown: dict[tuple[int, int], float], held: list[str]) -> None:
        items = [item.strip(" ·") for item in strip.locator(".pl-agreement-item").all_inner_texts()]
        assert [item.split()[0] for item in items] == held
        for item, method in zip(items, held):
            theirs = scores(gradients, method)
            common = [k for k in shown if k in theirs]
            rho = spearman([shown[k] for k in common], [theirs[k] for k in common])
            assert item == f"{method} {rho:.2f}", (item, rho)
        expect(strip).to_contain_text(f"Agreement with other methods (Spearman over {len(shown)} words)")

    # One backward pass gives both gradient methods: grad_dot_input is held already.
    assert {"grad_l2", "grad_dot_input"} <= set(gradients.methods)
    expect(strip).to_contain_text("grad_dot_input")
    expect_agreement(scores(gradients, "grad_l2"), ["grad_dot_input"])

    app.set_method("occlusion")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    occlusion = ResultRecord.from_dict(app.download_json())
    expect(strip).to_contain_text("grad_l2")
    expect_agreement(scores(occlusion, "occlusion"), ["grad_l2", "grad_dot_input"])

    # At another granularity the token-level methods are re-aggregated here and compared again.
    app.set_method("grad_l2")
    app.set_granularity("lines")
    expect(strip).to_contain_text(" lines): grad_dot_input")
    ui.shot("agreement")


def test_a_new_selection_after_an_occlusion_run_is_answered_from_its_record(server, ui):
    """Occlusion over the whole target, then a drag over three output units: the pane is answered
    from the run's record (the request says answer_from, no model call is queued for it), the
    record equals Python's reselect of the first run, and the page says so; grad_l2 needs a call."""
    from promptlight.reselect import reselect
    from promptlight.result import SalienceResult

    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    app.select(EXAMPLE)
    app.set_granularity("words")
    app.set_method("occlusion")
    titles = {m: app.radio("Salience method", METHODS[m]).get_attribute("title") or "" for m in ("occlusion", "grad_l2")}
    assert "answered from its run, with no model call" in titles["occlusion"], titles
    assert "Each new selection needs a model call" in titles["grad_l2"], titles
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    whole = SalienceResult.from_dict({k: v for k, v in app.download_json().items() if k != "cached"})
    assert whole.method == "occlusion" and "occlusion" in whole.variants

    units = app.output_units().all_text_contents()
    words = [i for i, u in enumerate(units) if u.strip()]
    first, last = words[1], words[3]
    start = sum(len(u) for u in units[:first])
    end = sum(len(u) for u in units[: last + 1])
    end -= len(units[last]) - len(units[last].rstrip())
    calls = len(app.salience_calls)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/api/salience")) as info:
        app.drag_units(first, last)
    app.wait_idle()
    response = info.value
    assert response.ok and "x-promptlight-call" not in response.headers, response.headers  # no model call queued
    assert len(app.salience_calls) == calls + 1
    request = json.loads(app.salience_calls[-1])
    assert request["answer_from"] == [0, len(whole.target)] and request["target_span"] == [start, end], request
    expect(app.pane()).to_contain_text("answered from the run over the whole target, no model call")
    shown = SalienceResult.from_dict({k: v for k, v in app.download_json().items() if k != "cached"})
    assert shown.to_dict() == reselect(whole, target_span=(start, end)).to_dict()
    app.expect_the_report_python_writes(method="occlusion", granularity="words")
    ui.shot("answered-from-record")
