"""The example notebook, executed headless top to bottom (nbclient + ipykernel) on the real gemma3-270m.

Also checks the committed artifacts: the notebook carries no saved widget state (it would hold a
server token), and its HTML export reads without any script from the network.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "examples" / "prompt_debugging.ipynb"
EXPORT = REPO / "examples" / "prompt_debugging.html"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.integration


def cell_text(cell) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(str(output["data"].get("text/plain", "")))
    return "".join(parts)


def find_cell(nb, needle: str):
    """The first code cell whose source contains ``needle``."""
    return next(c for c in nb.cells if c.cell_type == "code" and needle in c.source)


@pytest.mark.slow
def test_the_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("anywidget")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:  # run it as a new user gets it
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # The kernel inherits this environment: no display, so render(open_in_new_tab=True) only shows its link.
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    errors = [o for c in code_cells for o in c.outputs if o["output_type"] == "error"]
    assert errors == []

    # Both widget cells display an anywidget view (a widget model the front end draws).
    widget_cells = [c for c in code_cells if "w.render(" in c.source and "open_in_new_tab" not in c.source]
    assert len(widget_cells) == 2
    for cell in widget_cells:
        views = [o["data"][WIDGET_VIEW] for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
        assert len(views) == 1 and views[0]["model_id"], cell.source
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert sum(1 for m in state.values() if m["model_name"] == "AnyModel") == 2

    # The story the prose tells: the model recommends the quiche, and the two hottest lines of
    # the recommendation's salience are the first example's analysis and its "try it".
    assert "Recommendation:" in cell_text(find_cell(nb, "output = generate(prompt)"))
    lines = cell_text(find_cell(nb, "show_top(result, \"lines\")")).split("Top lines")[1].strip().splitlines()[1:]
    assert all("[example 1]" in line for line in lines[:2]), lines
    assert "Recommendation: You have to try it." in "".join(lines[:2])
    assert "srcdoc=" in find_cell(nb, "inline_report(result").outputs[0]["data"]["text/html"]
    assert "Open the app:" in cell_text(find_cell(nb, "open_in_new_tab=True"))


def test_the_committed_notebook_has_outputs_but_no_widget_state_or_token():
    text = NOTEBOOK.read_text(encoding="utf-8")
    nb = json.loads(text)
    assert "widgets" not in nb["metadata"]  # saved state would carry a (dead) server token
    assert not re.search(r"token=[A-Za-z0-9_-]{16,}", text)  # examples/build.py redacts the link's token
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code_cells)
    assert not [o for c in code_cells for o in c["outputs"] if o["output_type"] == "error"]


def test_the_html_export_is_self_contained():
    page = EXPORT.read_text(encoding="utf-8")
    assert not re.findall(r"<script[^>]+src=", page)  # no scripts loaded from anywhere
    assert not re.findall(r"<link[^>]+href=[\"']?(https?:)?//", page)
    assert "Recommendation: You have to try it." in page  # the outputs are in it
    assert "srcdoc=" in page  # the salience report, inline
    assert WIDGET_VIEW not in page  # widget cells show their static note instead
    assert "What Gemma 3 270M did" in page
