"""Hostile input: a datapoint full of HTML and script is shown as text everywhere in the
UI (table, editor, pane, heatmap, tooltip, report) and nothing in it ever runs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PromptlightPage

pytestmark = pytest.mark.browser

ATTACK = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
PROMPT = f"{ATTACK}\nRate this dish, in <b>bold</b> text: <svg onload=\"window.__pwned=1\"></svg>\nAnswer:"
SOURCE = '<img src=x onerror="window.__pwned=2">'

# Before any page script: record every element of a kind that can run code or fetch, however it
# was created (parser, innerHTML, createElement), and whether anything touched window.__pwned.
WATCH = """
window.__created = [];
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeType !== 1) continue;
    for (const el of [n, ...n.querySelectorAll("*")]) {
      if (/^(img|script|svg|iframe|object|embed|b|link|style)$/i.test(el.localName)) window.__created.push(el.outerHTML);
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


@pytest.fixture(scope="module")
def server(start_server):
    server = start_server("hostile-tiny", models=["tiny"])
    yield server
    server.stop()


def test_html_and_script_in_a_prompt_render_as_text(server, ui):
    page = ui.page
    page.add_init_script(WATCH)
    app = PromptlightPage(page)
    app.open(server.url)
    editor = page.get_by_role("region", name="Datapoint editor")

    editor.get_by_role("button", name="New", exact=True).click()
    editor.get_by_label("Source").fill(SOURCE)
    editor.get_by_label("Prompt").fill(PROMPT)
    editor.get_by_role("button", name="Add", exact=True).click()
    expect(app.pane().locator(".pl-pane-title")).to_have_text(SOURCE)

    # Generate and explain it (the model output: it has no target).
    app.set_source("Model output")
    with app.expect_call("salience"):
        app.button("Explain").click()
    app.wait_idle()
    assert any(p.hot for p in app.heat())
    app.set_granularity("lines")
    ui.shot("hostile-explained")

    # The literal text is visible: in the heatmap (exactly the prompt), the pane, the table, the editor.
    shown_prompt = "".join(p.text for p in app.heat())
    assert shown_prompt == PROMPT
    expect(app.heatmap()).to_contain_text(ATTACK)
    expect(app.heatmap()).to_contain_text("<b>bold</b>")
    expect(app.heatmap().get_by_text("<b>bold</b>", exact=False)).to_be_visible()
    expect(app.row(SOURCE).locator(".pl-cell-prompt")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(editor.get_by_label("Prompt")).to_have_value(PROMPT)
    # ... and in the hover tooltip, and the ranked segments.
    first_line = next(p for p in app.heat() if p.text.startswith("<img"))
    app.heatmap().locator(f'.pl-seg[data-seg="{first_line.segment}"]').first.hover()
    expect(app.tooltip()).to_contain_text("<img src=x")
    expect(app.pane().locator(".pl-top")).to_contain_text("<script>window.__pwned=1</script>")
    ui.shot("hostile-hover")

    # Nothing ran, and no element was made from the user's text.
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#promptlight").locator("img, script, svg, iframe, object, embed").count() == 0
    bold = page.locator("#promptlight b").all_text_contents()  # only the app's own labels
    labels = ("Faithfulness (", "Agreement with other methods (")
    assert bold[0] == "Objective: " and all(t.startswith(labels) and t.endswith("): ") for t in bold[1:]), bold
    created = page.evaluate("window.__created")
    from_user = [html for html in created if "pwned" in html or ">bold<" in html]
    assert from_user == [], from_user
    assert not [html for html in created if html.startswith(("<img", "<svg", "<iframe", "<object", "<embed"))], created

    # The HTML report escapes it too: no script at all, the attack as text.
    _, html = app.download("HTML report")
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<svg" not in html.lower()
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&lt;script&gt;" in html
    assert app.expect_the_report_python_writes(method="grad_l2", granularity="lines") == html
    assert ui.errors == []
