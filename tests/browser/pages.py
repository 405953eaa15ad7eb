"""What the browser tests do with the promptlight UI, in one place (a page object).

Selectors follow the UI's own structure (``frontend/src/ui/*.ts``): ARIA roles and labels where
the UI has them (radio groups, buttons, form labels), its ``pl-`` classes otherwise.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, Response, expect

GRANULARITIES = ["tokens", "words", "sentences", "lines", "paragraphs"]
METHODS = {  # API name -> the label of its button
    "grad_l2": "Grad L2",
    "grad_dot_input": "Grad · input",
    "integrated_gradients": "Integrated gradients",
    "occlusion": "Occlusion",
    "kernel_shap": "KernelSHAP",
    "lime": "LIME",
    "context_cite": "ContextCite",
}

# Every heatmap piece of the prompt: [segment index, text, background, code-point offset in the
# explained text]. Special tokens (the BOS chip) are labels, not text, so they add no offset.
_HEAT_JS = """
(root) => {
  let offset = 0;
  const out = [];
  for (const el of root.children) {
    const text = el.textContent;
    if (el.classList.contains("pl-special")) continue;
    if (el.classList.contains("pl-seg")) out.push([Number(el.dataset.seg), text, el.style.background || "", offset]);
    offset += [...text].length;
  }
  return out;
}
"""


@dataclass(frozen=True)
class Piece:
    segment: int
    text: str
    background: str
    offset: int

    @property
    def hot(self) -> bool:
        """Coloured: not unscored (no background) and not the colour of zero (white / neutral grey)."""
        return self.background not in ("", "transparent", "rgb(255, 255, 255)", "rgb(247, 247, 247)")


class PromptlightPage:
    def __init__(self, page: Page):
        self.page = page
        self.salience_calls: list[str] = []  # the explain requests (not the faithfulness checks)
        self.check_calls: list[str] = []  # requests with "check": true (the UI checks fast results itself)
        self.generate_calls: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request) -> None:
        if request.method == "POST" and request.url.endswith("/api/salience"):
            body = request.post_data or ""
            checked = False
            try:
                checked = bool(json.loads(body).get("check"))
            except (ValueError, AttributeError):
                pass
            (self.check_calls if checked else self.salience_calls).append(body)
        if request.method == "POST" and request.url.endswith("/api/generate"):
            self.generate_calls.append(request.post_data or "")

    # ------------------------------------------------------------------ navigation

    def open(self, url: str) -> None:
        self.page.goto(url)
        expect(self.rows.first).to_be_visible()

    @property
    def rows(self) -> Locator:
        return self.page.locator(".pl-table tbody tr[data-id]")

    def row_ids(self) -> list[str]:
        return self.rows.evaluate_all("rows => rows.map(r => r.dataset.id)")

    def row_sources(self) -> list[str]:
        return self.page.locator(".pl-table tbody tr[data-id] .pl-cell-src").all_inner_texts()

    def row(self, source: str) -> Locator:
        return self.page.locator(".pl-table tbody tr[data-id]").filter(has=self.page.locator(".pl-cell-src", has_text=source)).first

    def select(self, source: str) -> None:
        self.row(source).click()
        expect(self.pane().locator(".pl-pane-title")).to_have_text(source)

    def view(self) -> dict[str, list[str]]:
        """The URL's hash, parsed."""
        return parse_qs(urlsplit(self.page.url).fragment)

    # ------------------------------------------------------------------ controls

    def radio(self, group: str, label: str) -> Locator:
        return self.page.get_by_role("radiogroup", name=group).get_by_role("radio", name=label, exact=True)

    def set_source(self, label: str) -> None:
        """``"Dataset target"`` or ``"Model output"``."""
        self.radio("What to explain", label).click()
        expect(self.radio("What to explain", label)).to_have_attribute("aria-checked", "true")

    def set_method(self, method: str) -> None:
        self.radio("Salience method", METHODS[method]).click()
        expect(self.radio("Salience method", METHODS[method])).to_have_attribute("aria-checked", "true")

    def set_granularity(self, granularity: str) -> None:
        if granularity.startswith("regex:"):
            self.radio("Granularity", "custom regex").click()
            box = self.page.get_by_label("Custom regex")
            box.fill(granularity.removeprefix("regex:"))
            box.press("Enter")
            box.blur()
            expect(self.radio("Granularity", "custom regex")).to_have_attribute("aria-checked", "true")
        else:
            self.radio("Granularity", granularity).click()
            expect(self.radio("Granularity", granularity)).to_have_attribute("aria-checked", "true")

    def set_generation(self, **values: str) -> None:
        """Fill the generation settings, by label: ``max_new_tokens="48", stop="\\\\n\\\\n"``."""
        labels = {"max_new_tokens": "Max new tokens", "temperature": "Temperature", "top_p": "Top-p", "top_k": "Top-k", "seed": "Seed", "stop": "Stop strings"}
        box = self.page.locator("details.pl-gen")
        if box.get_attribute("open") is None:
            box.locator("summary").click()
        for key, value in values.items():
            field = self.page.get_by_label(labels[key], exact=True)
            field.fill(value)
            field.press("Tab")  # the UI reads the settings on change

    def close_generation_settings(self) -> None:
        box = self.page.locator("details.pl-gen")
        if box.get_attribute("open") is not None:
            box.locator("summary").click()

    # ------------------------------------------------------------------ panes

    def pane(self, index: int = 0) -> Locator:
        return self.page.locator(".pl-panes > .pl-pane").nth(index)

    def button(self, name: str, pane: int = 0) -> Locator:
        return self.pane(pane).get_by_role("button", name=name, exact=True)

    def wait_idle(self, pane: int = 0, timeout: float = 30_000) -> None:
        expect(self.pane(pane).locator(".pl-busy")).to_be_hidden(timeout=timeout)

    @contextmanager
    def expect_call(self, route: str, timeout: float = 30_000):
        """Wrap an action that must send one ``POST /api/<route>``; waits for its answer (2xx)."""
        with self.page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/api/{route}"), timeout=timeout) as info:
            yield info
        response: Response = info.value
        assert response.ok, f"{route}: {response.status} {response.text()}"

    def output_units(self, pane: int = 0) -> Locator:
        return self.pane(pane).locator(".pl-target .pl-unit")

    def explained_text(self, pane: int = 0) -> str:
        return "".join(self.output_units(pane).all_text_contents())

    def selected_text(self, pane: int = 0) -> str:
        return "".join(self.pane(pane).locator(".pl-target .pl-unit-sel").all_text_contents()).strip()

    def drag_units(self, first: int, last: int, pane: int = 0) -> None:
        """Press on unit ``first``, drag to unit ``last``, release (the selector's pointer events)."""
        units = self.output_units(pane)
        a = units.nth(first).bounding_box()
        b = units.nth(last).bounding_box()
        assert a and b
        mouse = self.page.mouse
        mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
        mouse.down()
        mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
        mouse.up()

    def heatmap(self, pane: int = 0) -> Locator:
        return self.pane(pane).locator(".pl-heatmap")

    def heat(self, pane: int = 0) -> list[Piece]:
        return [Piece(*p) for p in self.heatmap(pane).evaluate(_HEAT_JS)]

    def segments(self, pane: int = 0) -> list[str]:
        """The prompt's segments as shown: the text of each distinct segment, in order."""
        texts: dict[int, str] = {}
        for p in self.heat(pane):
            texts[p.segment] = texts.get(p.segment, "") + p.text
        return list(texts.values())

    def top(self, pane: int = 0) -> list[tuple[str, str]]:
        """The ranked top segments as shown: (score, text preview)."""
        items = self.pane(pane).locator(".pl-top-item")
        return [(i.locator(".pl-top-score").inner_text(), i.locator(".pl-top-text").inner_text()) for i in items.all()]

    def top_segment(self, rank: int = 1, pane: int = 0) -> list[Piece]:
        """Click a ranked segment and return the heatmap pieces it highlights (text and offsets)."""
        self.pane(pane).locator(".pl-top-item").nth(rank - 1).click()
        flashed = self.heatmap(pane).locator(".pl-seg.pl-flash")
        expect(flashed.first).to_be_attached()
        segment = int(flashed.first.get_attribute("data-seg"))
        return [p for p in self.heat(pane) if p.segment == segment]

    def tooltip(self) -> Locator:
        return self.page.locator(".pl-tooltip")

    # ------------------------------------------------------------------ exports

    def download(self, button: str, pane: int = 0) -> tuple[str, str]:
        """Click an export button; return (suggested file name, content)."""
        with self.page.expect_download() as info:
            self.button(button, pane).click()
        dl = info.value
        return dl.suggested_filename, Path(dl.path()).read_text(encoding="utf-8")

    def download_json(self, pane: int = 0) -> dict:
        name, text = self.download("JSON", pane)
        assert name.endswith(".json"), name
        return json.loads(text)

    def expect_the_report_python_writes(self, *, method: str, granularity: str, pane: int = 0) -> str:
        """Download the pane's HTML report and record; assert ``result_to_html`` of that record is the same page.

        The page's title and subtitle name the UI's example, so they are read from the page;
        everything else (style sheet, facts, legend, heatmap spans, top table, footer) must be
        equal byte for byte. Returns the page.
        """
        from promptlight.report_html import result_to_html
        from promptlight.types import ResultRecord

        record = ResultRecord.from_dict(self.download_json(pane))
        _, page = self.download("HTML report", pane)
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        subtitle = re.search(r"</h1>\n<p class=\"meta\">(.*?)</p>\n", page, re.S)
        assert title, page[:400]
        python = result_to_html(
            record,
            method=method,
            granularity=granularity,
            title=html.unescape(title.group(1)),
            subtitle=html.unescape(subtitle.group(1)) if subtitle else None,
        )
        assert page == python, "\n".join(difflib.unified_diff(python.splitlines(), page.splitlines(), "python", "ui", lineterm=""))
        return page


# Every visible text of the app (data colours of the heatmap and disabled controls aside), its
# WCAG 2 contrast ratio against the background it is drawn on: [text, ratio, needed, selector].
_CONTRAST_JS = """
(root) => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1});
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) layers.push(c); if (c && c.a >= 1) break; }
    let out = {r: 255, g: 255, b: 255, a: 1}; for (const c of layers.reverse()) out = over(c, out); return out; };
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement; const text = node.textContent.trim();
    if (!el || !text || el.closest('.pl-heatmap .pl-seg, [disabled], [aria-disabled="true"], [hidden], option')) continue;
    const style = getComputedStyle(el); const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity < 1) continue;  // faded on purpose (disabled look); not body text
    const bg = background(el); const fg = over(parse(style.color) || {r: 0, g: 0, b: 0, a: 1}, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x); const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) out.push([text.slice(0, 40), Math.round(ratio * 100) / 100, needed, el.className || el.tagName]);
  }
  return out;
}
"""


def low_contrast_texts(page: Page) -> list[list]:
    """Texts of the app whose contrast is under WCAG AA (4.5:1, or 3:1 for large text)."""
    return page.locator(".pl-app").evaluate(_CONTRAST_JS)
