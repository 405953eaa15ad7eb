"""The Runs view: two batch runs of one dataset under two prompt templates (A/B), served with ``--runs``."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from playwright.sync_api import expect

import promptlight
from promptlight.cli import main
from tests.browser.pages import low_contrast_texts

pytestmark = pytest.mark.browser

ROWS = [
    {"dislikes": "eggs", "dish": "quiche", "target": " Avoid it.", "source": "quiche"},
    {"dislikes": "fish", "dish": "rice", "target": " Enjoy it.", "source": "rice"},
    {"dislikes": "nuts", "dish": "pesto", "target": " Avoid it.", "source": "pesto"},
    {"dislikes": "milk", "dish": "soup", "target": " Enjoy it.", "source": "soup"},
]
TEMPLATES = {
    "v1": "Dislikes: {dislikes}.\nDish: {dish}.\nVerdict:",
    "v2": "The guest never eats {dislikes}. Tonight's dish is {dish}. Should they order it? Verdict:",
}


def _shown(v: float) -> str:
    """A number as the UI writes it (frontend/src/salience.ts formatScore, for 0.001 <= |v| < 100)."""
    sign = "−" if v < 0 else ""
    return sign + (f"{abs(v):.3f}" if abs(v) >= 1 else f"{abs(v):.3g}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    data = folder / "rows.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    for name, text in TEMPLATES.items():
        template = folder / f"{name}.txt"
        template.write_text(text, encoding="utf-8")
        with contextlib.redirect_stderr(io.StringIO()):
            code = main(["batch", "--model", "tiny", "--dataset", str(data), "--template", str(template),
                         "--method", "grad_l2", "--granularity", "fields", "--out", str(folder / "runs" / name)])  # fmt: skip
        assert code == 0
    return folder / "runs"


@pytest.fixture(scope="module")
def server(start_server, runs):
    server = start_server("runs-tiny", models=["tiny"], extra=["--runs", str(runs)])
    yield server
    server.stop()


def test_runs_view_table_chart_ab_and_saved_results(server, runs, ui):
    page = ui.page
    model_calls = []
    page.on("request", lambda r: model_calls.append(r.url) if r.method == "POST" else None)
    page.goto(server.url)
    toggle = page.get_by_role("button", name="Runs")
    expect(toggle).to_be_visible()
    toggle.click()
    view = page.locator(".pl-runs")
    expect(view).to_be_visible()
    expect(page.locator(".pl-layout")).to_be_hidden()

    a, segments = promptlight.load_run(runs / "v1")
    rows = view.locator(".pl-run-table tbody tr")
    expect(rows).to_have_count(len(ROWS))
    assert rows.locator("td:nth-child(2)").all_inner_texts() == list(a["source"])

    # Sorting by f, largest first (a second click would flip it).
    view.get_by_role("button", name="f (nats)").click()
    expect(view.locator("th[aria-sort=descending]")).to_have_count(1)
    wanted = list(a.sort_values("f", ascending=False, kind="stable")["source"])
    assert rows.locator("td:nth-child(2)").all_inner_texts() == wanted
    # Search.
    view.get_by_role("searchbox", name="Search rows").fill("pesto")
    expect(rows).to_have_count(1)
    view.get_by_role("searchbox", name="Search rows").fill("")
    expect(rows).to_have_count(len(ROWS))

    # The chart: one bar per template part, the fields named, means as the table of segments says.
    chart = view.locator(".pl-parts")
    expect(chart).to_contain_text("Salience per template part across rows (grad_l2)")
    parts = list(dict.fromkeys(segments.sort_values(["row", "start"])["part"]))
    expect(chart.locator(".pl-part-bar")).to_have_count(len(parts))
    labels = chart.locator(".pl-part-name").all_inner_texts()
    assert labels == parts and "dish" in labels and "dislikes" in labels
    mean_dish = segments[segments["part"] == "dish"]["score"].mean()
    expect(chart.locator("li").nth(parts.index("dish"))).to_contain_text(_shown(mean_dish))
    ui.shot("runs-table-and-chart")

    # A/B: the other template, rows matched by source, the largest change first.
    view.get_by_label("Compare with").select_option("v2")
    card = view.locator(".pl-run-compare")
    expect(card).to_contain_text(f"v2 vs v1 (grad_l2): {len(ROWS)} rows in common")
    b, _ = promptlight.load_run(runs / "v2")
    delta = {s: fb - fa for s, fa, fb in zip(a["source"], a["f"], b.set_index("source").loc[a["source"], "f"])}
    by_change = sorted(delta, key=lambda s: -abs(delta[s]))
    assert card.locator("tbody tr td:first-child").all_inner_texts() == by_change
    ui.shot("runs-ab")

    # A compared row opens both saved results, from the records: no model call.
    card.locator("tbody tr").first.click()
    saved = view.locator(".pl-run-saved")
    expect(saved).to_have_count(2)
    expect(saved.first).to_contain_text(by_change[0])
    expect(saved.first.locator(".pl-heatmap .pl-seg").first).to_be_visible()
    first_f = float(a.set_index("source").loc[by_change[0], "f"])
    expect(saved.first).to_contain_text(f"f = {_shown(first_f)}")
    ui.shot("runs-saved-results")
    assert low_contrast_texts(page) == []  # WCAG AA for every text of the Runs view
    assert not [u for u in model_calls if "/api/salience" in u or "/api/generate" in u]

    # Back to the examples.
    view.get_by_role("button", name="Back to examples").click()
    expect(page.locator(".pl-layout")).to_be_visible()
    assert not ui.errors
