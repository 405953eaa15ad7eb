"""Re-run the example notebook and write its static HTML export.

    .venv/bin/python examples/build.py                 # run prompt_debugging.ipynb in place, then export it
    .venv/bin/python examples/build.py --export-only   # only rewrite prompt_debugging.html from the saved outputs

Needs the ``notebook`` and ``test`` extras (anywidget, nbclient, ipykernel, nbconvert). The run
takes a minute or two on a laptop CPU (Gemma 3 270M).

The export (``prompt_debugging.html``) is for people without Python: one file, its styles
inline, and no script from a CDN (nbconvert's require.js, MathJax, Mermaid and widget loaders
are left out; nothing in this notebook needs them). The interactive widget cells show a short
note instead, since the widget needs the running kernel; the salience reports are there in
full. Saved widget state and the server's token in the "Open the app" link are left out of
both files (that server is gone by then anyway).
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "prompt_debugging.ipynb"
EXPORT = HERE / "prompt_debugging.html"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TOKEN = re.compile(r"([?&]token=)[A-Za-z0-9_-]{16,}")

# nbconvert's "lab" template without the blocks that load scripts from CDNs.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def execute(path: Path = NOTEBOOK, *, timeout: int = 900) -> object:
    """Run every cell of the notebook at ``path`` (in its folder) and return it, outputs included."""
    import nbformat
    from nbclient import NotebookClient

    # No browser window from render(open_in_new_tab=True) while building: the link is enough.
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        os.environ.pop(name, None)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def clean(nb) -> object:
    """Drop what should not be committed: widget state and tokens of the (by then stopped) server, timings."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str):
                    output["data"][mime] = TOKEN.sub(r"\1TOKEN", value)
    return nb


def export_html(nb) -> str:
    """The notebook as one self-contained HTML page with no CDN scripts."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    static = copy.deepcopy(nb)
    for cell in static.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)  # the text/html stand-in shows instead
    exporter = HTMLExporter(extra_loaders=[DictLoader({"static.html.j2": TEMPLATE})], template_file="static.html.j2")
    body, _ = exporter.from_notebook_node(static)
    remote = re.findall(r"<script[^>]+src=[\"']?(?:https?:)?//", body) + re.findall(r"<link[^>]+href=[\"']?https?://", body)
    if remote:
        raise RuntimeError(f"The export would load scripts or styles from the network: {remote[:3]}")
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-only", action="store_true", help="do not run the notebook, only export it")
    args = parser.parse_args(argv)
    import nbformat

    if args.export_only:
        nb = nbformat.read(NOTEBOOK, as_version=4)
    else:
        nb = clean(execute())
        nbformat.write(nb, NOTEBOOK)
        print(f"ran and saved {NOTEBOOK.relative_to(HERE.parent)}", file=sys.stderr)
    EXPORT.write_text(export_html(nb), encoding="utf-8")
    print(f"wrote {EXPORT.relative_to(HERE.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
