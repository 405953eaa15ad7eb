"""The LM Salience workflow end to end on the ``tiny`` model: table, search, generate, select a
span, every method, every granularity (without a request for gradient methods), hover, URL
state, exports."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from promptlight.data import load_dataset
from tests.browser.pages import GRANULARITIES, METHODS, PromptlightPage

pytestmark = pytest.mark.browser

EXAMPLE = "fewshot-mistake"
# A random model's greedy output is one token repeated; sampling (seeded, so cached and
# reproducible) gives words to select.
SAMPLING = {"temperature": "2", "seed": "0", "max_new_tokens": "24"}


@pytest.fixture(scope="module")
def server(start_server):
    server = start_server("app-tiny", models=["tiny"])
    yield server
    server.stop()


def _matches(example, query: str) -> bool:
    """The table's search rule (frontend/src/ui/examples.ts): every word, case-insensitive, in
    the row's id, dataset, source, prompt or target."""
    hay = "\n".join(["sample_prompts", example.source, example.prompt, example.target or ""]).lower()
    return all(w in hay for w in query.lower().split())


def test_salience_workflow_on_tiny(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    dataset = load_dataset("sample_prompts")
    app.open(server.url)

    # The examples table lists the sample prompts, and search filters it.
    expect(app.rows).to_have_count(len(dataset))
    assert app.row_sources() == [e.source for e in dataset]
    expect(page.locator(".pl-examples .pl-card-head")).to_contain_text(f"{len(dataset)} of {len(dataset)}")
    search = page.get_by_placeholder("Search prompts, targets, sources…")
    for query in ["quiche", "garage spaces", "RISOTTO"]:
        search.fill(query)
        wanted = [e.source for e in dataset if _matches(e, query)]
        assert 0 < len(wanted) < len(dataset), query
        expect(app.rows).to_have_count(len(wanted))
        assert app.row_sources() == wanted
    search.fill("")
    expect(app.rows).to_have_count(len(dataset))
    # A source the column cuts ("fewshot-…") is whole in its tooltip, with the row's id.
    expect(app.row(EXAMPLE).locator(".pl-cell-src")).to_have_attribute("title", f"{EXAMPLE} · sample_prompts:10")
    ui.shot("table")

    # Select an example, generate with the UI's generation settings.
    app.select(EXAMPLE)
    app.set_source("Model output")
    app.set_generation(**SAMPLING)
    with app.expect_call("generate"):
        app.button("Generate").click()
    expect(app.pane().locator(".pl-block-head", has_text="Model output")).to_contain_text("24 tokens")
    assert not app.salience_calls, "Generate alone must not explain"

    # Drag across three words of the output: salience runs (Auto-run) on that span.
    units = app.output_units().all_text_contents()
    words = [i for i, u in enumerate(units) if u.strip()]
    assert len(words) >= 3, units
    first, last = words[0], words[2]
    start = sum(len(u) for u in units[:first])
    end = sum(len(u) for u in units[: last + 1])
    end -= len(units[last]) - len(units[last].rstrip())
    output = "".join(units)
    with app.expect_call("salience"):
        app.drag_units(first, last)
    app.wait_idle()
    assert app.selected_text() == output[start:end].strip()
    expect(app.pane().locator(".pl-selinfo .pl-quote")).to_be_visible()
    request = json.loads(app.salience_calls[-1])
    assert request["target"] == output and request["target_span"] == [start, end], request
    assert any(p.hot for p in app.heat()), "the prompt shows no heat"
    ui.shot("span-selected")

    # Every method: each shows heat and the right kind of legend. grad_dot_input comes with
    # grad_l2 (one pass), so it needs no request; the others need one each.
    for method in ["grad_l2", "grad_dot_input", "integrated_gradients", "occlusion"]:
        before = len(app.salience_calls)
        if method in ("integrated_gradients", "occlusion"):
            with app.expect_call("salience", timeout=60_000):
                app.set_method(method)
        else:
            app.set_method(method)
        app.wait_idle(timeout=60_000)
        assert len(app.salience_calls) - before == (1 if method in ("integrated_gradients", "occlusion") else 0), method
        summary = app.pane().locator(".pl-summary")
        expect(summary.locator("h3").first).to_contain_text(method)
        expect(summary.locator(".pl-legend")).to_contain_text("pushes up" if method != "grad_l2" else "(unsigned)")
        objective = summary.locator(".pl-formula")
        if method == "grad_l2":  # an unsigned method's scores have no sign to explain
            expect(objective).to_contain_text("grad_l2 is unsigned: a larger score means")
            expect(objective).not_to_contain_text("positive score")
        else:
            expect(objective).to_contain_text(
                "a positive score means that part of the prompt pushes the selected text up"
            )
        assert any(p.hot for p in app.heat()), method
        ui.shot(f"method-{method}")

    # Granularity: re-aggregated in the browser, no request for any gradient method.
    regex = r"regex:Recommendation: [^\n]*"
    for method in ["grad_l2", "grad_dot_input", "integrated_gradients"]:
        app.set_method(method)
        app.wait_idle()
        calls = len(app.salience_calls)
        counts = {}
        for granularity in [*GRANULARITIES, regex]:
            app.set_granularity(granularity)
            assert app.view()["gran"] == [granularity]
            counts[granularity] = len(app.segments())
            assert any(p.hot for p in app.heat()), (method, granularity)
        assert len(app.salience_calls) == calls, f"{method}: switching granularity sent a salience request"
        assert counts["tokens"] > counts["words"] > counts["lines"] > counts["paragraphs"] == 4, counts
    # The custom regex cut out the three worked examples' recommendations as segments.
    assert app.segments().count("Recommendation: You have to try it.") == 3
    ui.shot("custom-regex")
    # Occlusion scores per granularity: there a switch is one new request.
    app.set_method("occlusion")
    app.wait_idle()
    with app.expect_call("salience"):
        app.set_granularity("sentences")
    app.wait_idle()

    # Hover shows the raw score: the top-ranked line is 100% of max |score|.
    app.set_method("grad_l2")
    app.set_granularity("lines")
    app.wait_idle()
    score, _ = app.top()[0]
    top = app.top_segment(1)
    # Each top segment shows its whole text (not cut) and where it is: its line and char range.
    whole = "".join(p.text for p in top)
    first_item = app.pane().locator(".pl-top-item").first
    expect(first_item.locator(".pl-top-text")).to_have_text(whole.strip())
    seg_end = top[-1].offset + len(top[-1].text)
    expect(first_item.locator(".pl-top-where")).to_have_text(
        f"line {top[0].segment + 1} · chars {top[0].offset}–{seg_end}"
    )
    hot = app.heatmap().locator(f'.pl-seg[data-seg="{top[0].segment}"]').first
    hot.hover()
    expect(app.tooltip()).to_be_visible()
    expect(app.tooltip()).to_contain_text(f"score {score} (100% of max |score|)")
    expect(app.tooltip()).to_contain_text(top[0].text.split()[0])
    page.mouse.move(2, 2)
    other = next(p for p in app.heat() if p.segment != top[0].segment and p.text.strip())
    app.heatmap().locator(f'.pl-seg[data-seg="{other.segment}"]').first.hover()
    expect(app.tooltip()).to_contain_text(re.compile(r"score [−\d.e+]+ \(\d+% of max \|score\|\)"))
    ui.shot("hover")

    # The URL carries the view; loading it afresh reproduces it.
    view = app.view()
    assert view["ex"] == ["sample_prompts:10"] and view["span"] == [f"{start}-{end}"], view
    assert view["method"] == ["grad_l2"] and view["gran"] == ["lines"] and view["src"] == ["output"], view
    url = page.url
    shown = app.heat()
    selected = app.selected_text()
    page.goto("about:blank")
    with app.expect_call("salience"):
        page.goto(url)
    app.wait_idle()
    expect(app.pane().locator(".pl-pane-title")).to_have_text(EXAMPLE)
    expect(app.radio("Salience method", METHODS["grad_l2"])).to_have_attribute("aria-checked", "true")
    expect(app.radio("Granularity", "lines")).to_have_attribute("aria-checked", "true")
    expect(app.radio("What to explain", "Model output")).to_have_attribute("aria-checked", "true")
    assert app.selected_text() == selected
    assert app.heat() == shown
    assert app.view() == view
    ui.shot("reloaded")

    # Export JSON: the result record, as served.
    record = app.download_json()
    assert record["schema_version"] == 2
    assert record["method"] == "grad_l2" and "grad_l2" in record["methods"] and "cached" not in record
    prompt = dataset.by_source(EXAMPLE).prompt
    assert record["text"] == prompt + output
    assert record["selected_span"] == [len(prompt) + start, len(prompt) + end]
    # One ranking on every surface: the UI's top list is Python's top_segments of the record it shows
    # (the CLI's list is held to the same function in tests/unit/test_ranking.py).
    from promptlight.result import SalienceResult

    python_top = SalienceResult.from_dict(record).top_segments("lines", k=10)
    shown_top = app.pane().locator(".pl-top-item")
    expect(shown_top).to_have_count(len(python_top))
    assert shown_top.locator(".pl-top-text").all_inner_texts() == [s.text.strip() or "(whitespace)" for s in python_top]
    assert [float(v.replace("−", "-")) for v in shown_top.locator(".pl-top-score").all_inner_texts()] == pytest.approx(
        [s.score for s in python_top], rel=2e-3, abs=1e-3
    )
    # Export HTML: a page with the heatmap and no script at all, the very page the CLI writes.
    name, html = app.download("HTML report")
    assert name.endswith(".html")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script" not in html.lower()
    assert 'class="seg" style="background:' in html
    app.expect_the_report_python_writes(method="grad_l2", granularity="lines")
    assert ui.errors == []


def test_a_whitespace_only_selection_is_refused_with_a_note(server, ui):
    """Clicking the leading space of a target selects nothing to explain: the view says so and sends nothing."""
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("math-cot-1")  # its dataset target starts with a space, a unit of its own
    app.wait_idle()
    units = app.output_units()
    assert units.first.text_content() == " "
    before = len(app.salience_calls)
    units.first.click()
    note = app.pane().locator(".pl-notice-text")
    expect(note).to_have_text("Only whitespace was selected, so the selection is unchanged: select some text.")
    expect(app.pane().locator(".pl-selinfo")).to_contain_text("Explaining the whole text")
    ui.page.wait_for_timeout(600)  # past the click-settle delay: still no request
    assert len(app.salience_calls) == before
    # A real word clears the note and explains that word.
    with app.expect_call("salience"):
        units.nth(1).click()
    expect(note).to_be_hidden()
    assert app.selected_text() == "The"


def test_generation_fields_refuse_values_the_server_would(server, ui):
    """A temperature of -1 or more new tokens than the server's max_new_tokens (512) is named, not silently changed."""
    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("math-cot-1")
    app.set_generation(temperature="0.7", max_new_tokens="40")
    error = ui.page.locator(".pl-gen-error")
    expect(error).to_be_hidden()
    app.set_generation(temperature="-1")
    expect(error).to_have_text("Temperature -1 is not valid: give a number from 0 to 5. The setting is unchanged.")
    app.set_generation(max_new_tokens="4096")
    expect(ui.page.get_by_label("Max new tokens", exact=True)).to_have_attribute("max", "512")
    expect(error).to_contain_text("Max new tokens 4096 is not valid: give a number from 1 to 512.")
    app.set_generation(temperature="0.7", max_new_tokens="40")
    expect(error).to_be_hidden()
    # What a Generate sends is the last valid settings.
    with ui.page.expect_request(lambda r: r.url.endswith("/api/generate")) as info:
        app.button("Generate").click()
    body = json.loads(info.value.post_data or "{}")
    assert body["temperature"] == 0.7 and body["max_new_tokens"] == 40


def test_a_few_shot_row_generates_with_its_own_stop_string_unless_one_is_set(server, ui):
    app = PromptlightPage(ui.page)
    app.open(server.url)

    def generated_with() -> list[str]:
        with ui.page.expect_request(lambda r: r.url.endswith("/api/generate")) as info:
            app.button("Generate").click()
        app.wait_idle()
        return json.loads(info.value.post_data or "{}")["stop"]

    app.select("fewshot-mistake")
    app.set_generation(max_new_tokens="8")
    stop_field = ui.page.get_by_label("Stop strings", exact=True)
    expect(stop_field).to_have_value("")
    expect(stop_field).to_have_attribute("placeholder", "this example's: \\n\\n")
    assert generated_with() == ["\n\n"]  # the row's blank line: no invented fifth example
    app.set_generation(stop="###")
    assert generated_with() == ["###"]  # the user's own stop strings win
    app.set_generation(stop="")
    app.select("ideas-1")  # a list prompt: no stop string of its own
    expect(stop_field).to_have_attribute("placeholder", "e.g. \\n\\n, ###")
    assert generated_with() == []
    assert ui.errors == []


def test_a_link_without_run_shows_the_result_the_server_already_has_and_computes_nothing(server, ui):
    from urllib.parse import urlencode

    app = PromptlightPage(ui.page)
    app.open(server.url)
    app.select("math-cot-3")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    f = re.search(r"· f = (\S+) nats", app.pane().locator(".pl-objective").inner_text()).group(1)
    view = app.view()
    assert view["run"] == ["1"], view

    def opened(fragment: dict[str, str]) -> PromptlightPage:
        page = ui.page.context.new_page()
        cached_asks: list[str] = []
        page.on("request", lambda r: cached_asks.append(r.url) if "cached_only=true" in r.url else None)
        other = PromptlightPage(page)
        other.cached_asks = cached_asks  # type: ignore[attr-defined]
        page.goto(f"{server.url}#{urlencode(fragment)}")
        expect(other.rows.first).to_be_visible()
        return other

    link = {k: v[0] for k, v in view.items() if k != "run"}
    shared = opened(link)
    objective = shared.pane().locator(".pl-objective")
    expect(objective).to_contain_text(f"· f = {f} nats")  # the same result, restored
    expect(shared.pane().locator(".pl-summary-head")).to_contain_text("cached")
    assert shared.salience_calls == [] and shared.check_calls == [] and shared.generate_calls == []
    assert any("/api/salience?cached_only=true" in u for u in shared.cached_asks)  # type: ignore[attr-defined]

    # A view nobody computed shows no result, and still computes nothing.
    fresh = opened({**link, "method": "occlusion", "granularity": "lines"})
    expect(fresh.pane().locator(".pl-pane-title")).to_have_text("math-cot-3")
    expect(fresh.pane().get_by_text("Select the part of the text to explain and press Explain")).to_be_visible()
    assert fresh.salience_calls == [] and fresh.check_calls == []
    assert ui.errors == []


def test_a_narrow_window_hides_the_examples_column_and_stacks_the_top_segments(server, ui):
    page = ui.page
    page.set_viewport_size({"width": 1400, "height": 800})
    app = PromptlightPage(page)
    app.open(server.url)
    app.select("math-cot-2")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    left = page.locator(".pl-left")
    expect(left).to_be_visible()

    page.set_viewport_size({"width": 1100, "height": 800})  # the heatmap keeps its room
    expect(left).to_be_hidden()
    assert app.heatmap().bounding_box()["width"] > 500
    page.set_viewport_size({"width": 1400, "height": 800})  # room again: it comes back by itself
    expect(left).to_be_visible()

    page.set_viewport_size({"width": 800, "height": 800})  # compact: the top segments go under the heatmap
    expect(page.locator(".pl-app")).to_have_class(re.compile(r"\bpl-compact\b"))
    heat, top = app.heatmap().bounding_box(), app.pane().locator(".pl-top-wrap").bounding_box()
    assert top["y"] >= heat["y"] + heat["height"] - 1, (heat, top)
    # The user can still open the examples; a click on the header's Examples button shows them.
    page.get_by_role("button", name="Examples", exact=True).click()
    expect(left).to_be_visible()
    app.select("math-cot-3")
    expect(app.pane().locator(".pl-pane-title")).to_have_text("math-cot-3")
    assert ui.errors == []
