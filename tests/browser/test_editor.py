"""The datapoint editor on the ``tiny`` model: create, edit, duplicate, "add and compare", and
the datapoints (and the link to the compare view) survive a server restart on the same db."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.pages import PromptlightPage

pytestmark = pytest.mark.browser

PROMPT = "Taste-likes: seafood\nSuggestion: Grilled salmon\nAnalysis:"
TARGET = " The dish contains fish."
EDITED_TARGET = " The dish contains fish. Recommendation: Try it."
QUICHE = "Taste-dislikes: eggs\nSuggestion: Cheese and leek quiche\nAnalysis:"


def _user_datapoints(server) -> list[dict]:
    rows = httpx.get(f"{server.url}api/examples", params={"limit": 1000}, timeout=10).json()
    return [r for r in rows if r["origin"] == "user"]


@pytest.fixture
def server(start_server):
    server = start_server("editor-tiny", models=["tiny"])
    yield server
    server.stop()


def test_create_edit_duplicate_compare_and_restart(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    editor = page.get_by_role("region", name="Datapoint editor")
    field = lambda label: editor.get_by_label(re.compile(f"^{label}"))  # noqa: E731
    status = editor.locator(".pl-card-head")

    # Create.
    editor.get_by_role("button", name="New", exact=True).click()
    expect(status).to_contain_text("new datapoint")
    field("Source").fill("salmon-note")
    field("Dataset").fill("mine")
    field("Prompt").fill(PROMPT)
    field("Target").fill(TARGET)
    editor.get_by_role("button", name="Add", exact=True).click()
    expect(app.pane().locator(".pl-pane-title")).to_have_text("salmon-note")
    row = app.row("salmon-note")
    expect(row).to_have_attribute("data-id", "u:1")
    expect(row.locator(".pl-badge")).to_have_text("user")
    expect(status).to_contain_text("u:1")
    ui.shot("created")

    # Edit: unsaved changes are flagged; saving updates the row, the pane and the server.
    field("Target").fill(EDITED_TARGET)
    expect(status).to_contain_text("unsaved changes")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(status).not_to_contain_text("unsaved changes")
    expect(app.row("salmon-note").locator(".pl-cell-target")).to_contain_text("Recommendation")
    expect(app.pane().locator(".pl-target")).to_have_text(EDITED_TARGET)
    saved = httpx.get(f"{server.url}api/datapoints/u:1", timeout=10).json()
    assert (saved["prompt"], saved["target"], saved["dataset"]) == (PROMPT, EDITED_TARGET, "mine")

    # Duplicate: a new datapoint with the same text, selected.
    editor.get_by_role("button", name="Duplicate", exact=True).click()
    expect(app.pane().locator(".pl-pane-title")).to_have_text("salmon-note (copy)")
    expect(app.row("salmon-note (copy)")).to_have_attribute("data-id", "u:2")
    copy = httpx.get(f"{server.url}api/datapoints/u:2", timeout=10).json()
    assert (copy["prompt"], copy["target"]) == (PROMPT, EDITED_TARGET)
    assert copy["fields"].get("duplicate_of") == "u:1"

    # Add and compare: the edited text goes to a new datapoint, shown next to the selected one.
    field("Source").fill("quiche-note")
    field("Prompt").fill(QUICHE)
    editor.get_by_role("button", name="Add and compare", exact=True).click()
    expect(page.locator(".pl-panes > .pl-pane")).to_have_count(2)
    expect(app.pane(0).locator(".pl-pane-title")).to_contain_text("salmon-note (copy)")
    expect(app.pane(1).locator(".pl-pane-title")).to_contain_text("quiche-note")
    for side in (0, 1):
        with app.expect_call("salience"):
            app.button("Explain", side).click()
        app.wait_idle(side)
        assert any(p.hot for p in app.heat(side)), side
    assert app.view()["ex"] == ["u:2"] and app.view()["cmp"] == ["u:3"]
    ui.shot("add-and-compare")
    _check_the_compare_view(page, app)

    # Restart the server on the same database: everything is still there.
    before = _user_datapoints(server)
    assert [d["source"] for d in before] == ["salmon-note", "salmon-note (copy)", "quiche-note"]
    server.restart()
    assert _user_datapoints(server) == before
    page.reload()
    expect(page.locator(".pl-panes > .pl-pane")).to_have_count(2)
    expect(app.pane(0).locator(".pl-pane-title")).to_contain_text("salmon-note (copy)")
    expect(app.pane(1).locator(".pl-pane-title")).to_contain_text("quiche-note")
    for source in ["salmon-note", "salmon-note (copy)", "quiche-note"]:
        expect(app.row(source).locator(".pl-badge")).to_have_text("user")
    page.get_by_role("button", name="Close compare").click()
    app.select("salmon-note")
    expect(field("Target")).to_have_value(EDITED_TARGET)
    expect(field("Prompt")).to_have_value(PROMPT)
    ui.shot("after-restart")
    # An edited copy added under a name already taken gets a name of its own.
    field("Prompt").fill(QUICHE + " Briefly.")
    editor.get_by_role("button", name="Add and compare", exact=True).click()
    expect(app.pane(1).locator(".pl-pane-title .pl-ellipsis")).to_have_text("salmon-note (edit 2)")
    assert ui.errors == []


def _check_the_compare_view(page, app) -> None:
    """The header says how f moved; one colour scale by default (a toggle for two); B's changed lines marked; one report."""
    a, b = app.download_json(0), app.download_json(1)
    head = page.locator(".pl-compare-head")
    delta = b["objective_value"] - a["objective_value"]
    words = lambda v: ("−" if v < 0 else "") + (f"{abs(v):.1f}" if abs(v) >= 100 else f"{abs(v):.3f}")  # noqa: E731
    sign = "+" if delta > 0 else ""
    expect(head).to_contain_text(
        f"B vs A: f {words(b['objective_value'])} vs {words(a['objective_value'])} (Δ {sign}{words(delta)} nats)"
    )
    target = lambda r: r["text"][r["target_span"][0] : r["target_span"][1]]  # noqa: E731
    expect(head).to_contain_text("output unchanged" if target(a) == target(b) else "output changed")
    highs = lambda: [app.pane(i).locator(".pl-legend").inner_text().split("BOS")[0] for i in (0, 1)]  # noqa: E731
    shared = highs()
    assert shared[0] == shared[1], shared  # one scale: the same legend on both sides
    head.get_by_label("Shared colour scale").uncheck()
    expect(head).to_contain_text("Separate colour scales")
    assert highs()[0] != highs()[1]
    head.get_by_label("Shared colour scale").check()
    # B's prompt lines that A does not have are marked; A's are not.
    marked = "".join(app.pane(1).locator(".pl-heatmap .pl-changed").all_text_contents())
    assert "Taste-dislikes: eggs" in marked and "Cheese and leek quiche" in marked and "Analysis:" not in marked
    expect(app.pane(0).locator(".pl-changed")).to_have_count(0)
    expect(head).to_contain_text("2 prompt lines changed in B")
    with page.expect_download() as info:
        head.get_by_role("button", name="Compare report").click()
    report = Path(info.value.path()).read_text(encoding="utf-8")
    assert "B vs A: f" in report and "salmon-note (copy)" in report and "quiche-note" in report
    assert report.count('class="heatmap"') == 2 and "<script" not in report


def test_a_banner_goes_once_the_action_it_reported_succeeds(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    editor = page.get_by_role("region", name="Datapoint editor")
    editor.get_by_role("button", name="New", exact=True).click()
    editor.get_by_role("button", name="Add", exact=True).click()
    banner = page.locator(".pl-banner")
    expect(banner).to_contain_text("Write a prompt first")
    editor.get_by_label(re.compile("^Source")).fill("banner-check")
    editor.get_by_label(re.compile("^Prompt")).fill("A prompt, written after the first try.")
    editor.get_by_role("button", name="Add", exact=True).click()
    expect(app.pane().locator(".pl-pane-title")).to_have_text("banner-check")
    expect(banner).to_be_hidden()  # fixed, so no longer said; no Dismiss needed
    assert ui.errors == []


def test_a_dataset_file_added_from_the_ui_becomes_rows_to_explain(server, ui):
    page = ui.page
    app = PromptlightPage(page)
    app.open(server.url)
    before = len(app.row_ids())
    file_input = page.get_by_label("Dataset file to add")
    note = page.locator(".pl-examples-note")
    banner = page.locator(".pl-banner")

    rows = '{"prompt": "Dish: leek soup.\\nVerdict:", "target": " Try it.", "source": "soup"}\n{"prompt": "Dish: egg tart.\\nVerdict:"}\n'
    file_input.set_input_files({"name": "menu.jsonl", "mimeType": "application/jsonl", "buffer": rows.encode()})
    expect(note).to_have_text("Added 2 rows from menu.jsonl as the dataset “menu”.")
    expect(page.get_by_label("Dataset", exact=True).first).to_have_value("menu")
    assert app.row_sources() == ["soup", "menu#2"]
    expect(app.pane().locator(".pl-pane-title")).to_have_text("soup")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    expect(app.pane().locator(".pl-objective")).to_contain_text("Try it.")
    ui.shot("file-added")

    # A bad file: the loaders' message, naming the place; nothing is added.
    file_input.set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": b"target\n Try it.\n"})
    expect(banner).to_contain_text("Could not add bad.csv:")
    expect(banner).to_contain_text("prompt")
    page.get_by_label("Dataset", exact=True).first.select_option("")
    assert len(app.row_ids()) == before + 2
    file_input.set_input_files({"name": "latin1.txt", "mimeType": "text/plain", "buffer": "Caf\xe9 menu".encode("latin-1")})
    expect(banner).to_have_text(re.compile("^latin1.txt is not UTF-8 text"))

    # Dropped on the table, the same; the success takes the upload's banner away.
    drop = page.evaluate_handle(
        "() => { const dt = new DataTransfer(); dt.items.add(new File(['First idea\\n---\\nSecond idea\\n'], 'ideas.txt', {type: 'text/plain'})); return dt; }"
    )
    page.locator("section.pl-examples").dispatch_event("drop", {"dataTransfer": drop})
    expect(note).to_have_text("Added 2 rows from ideas.txt as the dataset “ideas”.")
    expect(banner).to_be_hidden()
    assert app.row_sources() == ["ideas#1", "ideas#2"]
    assert ui.errors == []
