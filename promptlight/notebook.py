"""promptlight in a notebook: the full prompt-debugging UI inline, next to your code.

    from promptlight.notebook import make_notebook_widget
    w = make_notebook_widget(["sample_prompts"], ["gemma3-270m"])   # datasets first, then models
    w.render()                                   # the whole UI inline, in this cell's output

The manual (configs, views, where it works, how the connection is kept safe) is
``docs/notebook.md``. This module is the widget; the server it talks to runs in a thread of
its own (:mod:`promptlight.notebook_server`).
"""

from __future__ import annotations

import atexit
import contextlib
import html
import json
import os
import secrets
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from promptlight.notebook_server import ServerThread, bind, browser_base, can_open_browser, colab_proxy

__all__ = ["NotebookWidget", "inline_report", "make_notebook_widget"]

STATIC_DIR = Path(__file__).parent / "server" / "static"
#: The dataset name that datapoints passed to ``render(data=...)`` are added to (the UI's default too).
NOTEBOOK_DATASET = "notebook"


#: Keys of the UI's ``initial`` view (``InitialView`` in frontend/src/app.ts), except ``data``.
def _view_keys() -> dict[str, Any]:
    """The UI's view keys (``view-keys.json``, shipped with the bundle): the one list the app and this widget read."""
    return json.loads((Path(__file__).parent / "server" / "static" / "view-keys.json").read_text(encoding="utf-8"))


VIEW_KEYS = _view_keys()
INITIAL_KEYS = frozenset(VIEW_KEYS["keys"])
INSTALL_HINT = 'The notebook widget needs anywidget: pip install "promptlight[notebook]"'

#: Running widgets, stopped at exit (a widget stays referenced while its server runs).
_LIVE: set[NotebookWidget] = set()


# --- configs -----------------------------------------------------------------------------------


def _check_order(datasets: Mapping[str, Any], models: Mapping[str, Any]) -> None:
    """Catch ``make_notebook_widget(models, datasets)``: the two lists swapped."""
    from promptlight.data import list_datasets
    from promptlight.models import list_models

    presets, builtin = set(list_models()), set(list_datasets())
    swapped = [s for s in datasets.values() if isinstance(s, str) and s in presets] + [
        s for s in models.values() if isinstance(s, str) and s in builtin
    ]
    if swapped:
        raise ValueError(
            f"{swapped[0]!r} is in the wrong list: datasets come first, then models, as in "
            "make_notebook_widget(['sample_prompts'], ['gemma3-270m'])."
        )


# --- the widget --------------------------------------------------------------------------------

_VIEW_CLASS: Any = None


def _view_class() -> Any:
    """The anywidget class (built on first use, so ``import promptlight.notebook`` needs no anywidget)."""
    global _VIEW_CLASS
    if _VIEW_CLASS is not None:
        return _VIEW_CLASS
    try:
        import anywidget
        import traitlets
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    bundle = STATIC_DIR / "app.js"
    if not bundle.is_file():
        raise FileNotFoundError(
            f"The UI bundle {bundle} is missing from this install. From a source checkout: "
            "cd frontend && npm ci && npm run build."
        )

    class PromptlightView(anywidget.AnyWidget):
        """One inline view of the promptlight UI (the bundle's ``render({model, el})``)."""

        _esm = bundle.read_text(encoding="utf-8")
        _css = (STATIC_DIR / "app.css").read_text(encoding="utf-8")
        api_base = traitlets.Unicode("").tag(sync=True)
        token = traitlets.Unicode("").tag(sync=True)
        initial = traitlets.Dict().tag(sync=True)

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            bundle = super()._repr_mimebundle_(**kwargs)
            data = bundle[0] if isinstance(bundle, tuple) else bundle
            if isinstance(data, dict):
                # Shown where no widget manager runs (a static export, GitHub): say what was here.
                data["text/plain"] = "promptlight view (interactive: it draws while the notebook's kernel runs)"
                data["text/html"] = (
                    '<div style="border:1px dashed #aaa;border-radius:6px;padding:.6rem .8rem;color:#555;'
                    'font:14px/1.4 system-ui,sans-serif">promptlight view: the interactive UI draws here while '
                    "the notebook runs.</div>"
                )
            return bundle

    _VIEW_CLASS = PromptlightView
    return PromptlightView


class NotebookWidget:
    """A running promptlight server plus the means to show it in a notebook. Make one with :func:`make_notebook_widget`."""

    def __init__(
        self,
        *,
        datasets: Mapping[str, Any],
        models: Mapping[str, Any],
        host: str,
        port: int | None,
        db_path: str | os.PathLike[str] | None,
        public_url: str | None,
    ) -> None:
        from promptlight.server import Settings, create_app

        self.datasets: dict[str, Any] = dict(datasets)
        self.models: dict[str, Any] = dict(models)
        self._token = secrets.token_urlsafe(32)
        self._tmpdir = None if db_path is not None else tempfile.mkdtemp(prefix="promptlight-notebook-")
        db = Path(db_path) if db_path is not None else Path(str(self._tmpdir)) / "promptlight.db"
        sock = bind(host, port)
        try:
            self.port: int = sock.getsockname()[1]
            settings = Settings.from_env(host=host, port=self.port, token=self._token, db=str(db))
            app = create_app(models=self.models, datasets=self.datasets, db_path=db, settings=settings, token_cors=True)
            self._server: ServerThread | None = ServerThread(app, sock)
            self._server.start()
        except BaseException:
            sock.close()
            self._remove_tmpdir()
            raise
        self._local_base = browser_base(host, self.port)
        self.api_base: str = (public_url or colab_proxy(self.port) or self._local_base).rstrip("/")
        _LIVE.add(self)

    # --- state ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """The web app's address, with this widget's token (opening it once stores a cookie)."""
        return f"{self.api_base}/?token={self._token}"

    def __repr__(self) -> str:
        state = f"running at {self.api_base}/" if self.running else "stopped"
        return f"<promptlight NotebookWidget models={list(self.models)} datasets={list(self.datasets)} {state}>"

    def __enter__(self) -> NotebookWidget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- showing it ---------------------------------------------------------------------------

    def render(
        self,
        data: Sequence[Any] | None = None,
        open_in_new_tab: bool = False,
        *,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        """Show the UI: inline (default), or in a browser tab with ``open_in_new_tab=True``.

        ``data``: rows to add as datapoints (re-rendering the same rows reuses them); the first
        is selected and the second, if any, compared. ``initial``: the UI's initial view
        (see the module docstring). Returns nothing; :meth:`view` returns the widget instead.
        """
        from IPython.display import display

        if open_in_new_tab:
            url = self._tab_url(data, initial)
            opened = False
            if can_open_browser():
                import webbrowser

                with contextlib.suppress(Exception):
                    opened = webbrowser.open(url, new=2)
            note = "Opened in a new tab; if nothing opened, use the link." if opened else "Open the app:"
            display(
                {
                    "text/plain": f"{note} {url}",
                    "text/html": f'{html.escape(note)} <a href="{html.escape(url, quote=True)}" target="_blank" '
                    f'rel="noopener">{html.escape(url)}</a>',
                },
                raw=True,
            )
            return
        display(self.view(data, initial=initial))

    def view(self, data: Sequence[Any] | None = None, *, initial: Mapping[str, Any] | None = None) -> Any:
        """The inline UI as an anywidget object (display it, or put it in an ipywidgets layout)."""
        cls = _view_class()
        return cls(api_base=self.api_base, token=self._token, initial=self._initial(data, initial))

    def add_datapoints(self, data: Sequence[Any]) -> list[str]:
        """Add rows to the ``notebook`` dataset, reusing identical datapoints already there; their ids, in order."""
        rows = [_as_row(row, i) for i, row in enumerate(_as_list(data))]
        existing = []
        if NOTEBOOK_DATASET in {d["name"] for d in self._call("GET", "/api/datasets")}:
            existing = self._call("GET", f"/api/examples?dataset={NOTEBOOK_DATASET}&limit=10000")
        known = {_row_key(d): d["id"] for d in existing if d.get("origin") == "user"}
        ids = []
        for row in rows:
            key = _row_key(row)
            if key not in known:
                known[key] = self._call("POST", "/api/datapoints", {"dataset": NOTEBOOK_DATASET, **row})["id"]
            ids.append(known[key])
        return ids

    def _initial(self, data: Sequence[Any] | None, initial: Mapping[str, Any] | None) -> dict[str, Any]:
        self._check_running()
        view = dict(initial or {})
        unknown = sorted(set(view) - INITIAL_KEYS)
        if unknown:
            hint = " Pass rows as render(data=[...])." if "data" in unknown else ""
            raise ValueError(
                f"Unknown key(s) in initial: {', '.join(unknown)}. Valid: {', '.join(sorted(INITIAL_KEYS))}.{hint}"
            )
        if data:
            rows = [_as_row(row, i) for i, row in enumerate(_as_list(data))]
            ids = self.add_datapoints(rows)
            view.setdefault("example", ids[0])
            if len(ids) > 1:
                view.setdefault("compare", ids[1])
            if not rows[0]["target"]:
                view.setdefault("source", "output")  # nothing to explain but what the model writes
        return view

    def _tab_url(self, data: Sequence[Any] | None, initial: Mapping[str, Any] | None) -> str:
        """The app's URL; the view goes into the ``#`` part, which the app reads (frontend/src/urlstate.ts)."""
        view = self._initial(data, initial)
        params: list[tuple[str, str]] = []
        for key, spec in VIEW_KEYS["keys"].items():
            value, url, kind = view.get(key), spec["url"], spec["kind"]
            if value in (None, "", False, {}, []):
                continue
            if kind == "span":
                params.append((url, f"{value[0]}-{value[1]}"))
            elif kind == "flag":
                params.append((url, "1"))
            elif kind == "options":
                params.extend((f"{url}{name}", _url_value(v)) for name, v in value.items())
            elif kind == "generation":
                for name, short in VIEW_KEYS["generation"].items():
                    if name in value:
                        items = value[name] if name == "stop" else [value[name]]
                        params.extend((short, _url_value(v)) for v in items)
            else:
                params.append((url, _url_value(value)))
        return self.url + (f"#{urllib.parse.urlencode(params)}" if params else "")

    # --- the API, from the kernel -------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self._local_base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            with contextlib.suppress(ValueError, KeyError, TypeError):
                detail = json.loads(detail)["error"]["message"]
            raise RuntimeError(f"The promptlight server refused {method} {path}: {detail}") from None
        return json.loads(text) if text else None

    # --- stopping -----------------------------------------------------------------------------

    def _check_running(self) -> None:
        if not self.running:
            raise RuntimeError(
                "This widget was stopped. Make a new one: w = make_notebook_widget(datasets_config, models_config)."
            )

    def stop(self) -> None:
        """Stop the server, free its port and delete the temporary database. Safe to call twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        self._remove_tmpdir()
        _LIVE.discard(self)

    def _remove_tmpdir(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None


def _url_value(value: Any) -> str:
    """A view value as the UI writes it in a link (``true``/``false`` for booleans)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _as_list(data: Any) -> list[Any]:
    if isinstance(data, (str, Mapping)) or not isinstance(data, Iterable):
        raise TypeError(f"data must be a list of rows, e.g. data=[{{'prompt': '...'}}], got {type(data).__name__}.")
    rows = list(data)
    if not rows:
        raise ValueError("data is empty: give at least one row, e.g. data=[{'prompt': '...'}].")
    return rows


def _as_row(row: Any, i: int) -> dict[str, Any]:
    """A row (dict, Example or prompt string) as the body of ``POST /api/datapoints`` (without the dataset)."""
    if isinstance(row, str):
        row = {"prompt": row}
    elif hasattr(row, "to_dict") and hasattr(row, "prompt"):
        row = row.to_dict()
    if not isinstance(row, Mapping):
        raise TypeError(f"data[{i}] must be a dict with a 'prompt', an Example or a string, got {type(row).__name__}.")
    fields = dict(row)
    prompt = fields.pop("prompt", None)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"data[{i}] needs a non-empty 'prompt' string; it has keys {sorted(row)}.")
    target, source = fields.pop("target", "") or "", fields.pop("source", "") or ""
    extra = fields.pop("fields", None)
    if isinstance(extra, Mapping):
        fields = {**extra, **fields}
    return {"prompt": prompt, "target": str(target), "source": str(source), "fields": fields}


def _row_key(row: Mapping[str, Any]) -> tuple[str, str, str, str]:
    fields = {k: v for k, v in (row.get("fields") or {}).items() if k != "duplicate_of"}
    extra = json.dumps(fields, sort_keys=True, default=str)
    return (row["prompt"], row.get("target") or "", row.get("source") or "", extra)


def make_notebook_widget(
    datasets_config: Any,
    models_config: Any,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    db_path: str | os.PathLike[str] | None = None,
    public_url: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
) -> NotebookWidget:
    """Load the datasets and models, start the promptlight server in the background, return the widget.

    ``datasets_config``, ``models_config``: lists of ``NAME:PATH`` strings (datasets first), as
    for ``promptlight serve``. ``port``: default a free one. ``host``: default loopback only.
    ``db_path``: keep datapoints and cached results in this SQLite file (default: a temporary
    one). ``public_url``: the server's address as the browser sees it, when that is not
    ``http://127.0.0.1:PORT`` (a tunnel or proxy; found automatically in Colab). ``device``
    and ``dtype``: where and in which precision the models run (as ``promptlight.load_model``).
    See ``docs/notebook.md`` for the rest.
    """
    _view_class()  # fail now, before loading models, if anywidget is missing
    from promptlight.config import load_datasets, load_models, named_specs

    datasets = named_specs(datasets_config, what="dataset", arg="datasets_config")
    models = named_specs(models_config, what="model", arg="models_config")
    if not models:
        raise ValueError("models_config is empty: give at least one model, e.g. ['gemma3-270m'] or ['tiny'].")
    _check_order(datasets, models)
    loaded_datasets = load_datasets(datasets, arg="datasets_config")
    loaded_models = load_models(models, device=device, dtype=dtype, arg="models_config")
    return NotebookWidget(
        datasets=loaded_datasets, models=loaded_models, host=host, port=port, db_path=db_path, public_url=public_url
    )


def inline_report(
    result: Any, *, granularity: str = "words", method: str | None = None, title: str | None = None, height: int = 560
) -> Any:
    """``result.to_html(...)`` shown inline: the self-contained report in a frame, so its styles stay inside it."""
    from IPython.display import HTML

    page = result.to_html(granularity=granularity, method=method, title=title)
    return HTML(
        f'<div class="promptlight-report"><iframe srcdoc="{html.escape(page, quote=True)}" title="promptlight report" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd;border-radius:6px;background:#fff"></iframe></div>'
    )


@atexit.register
def _stop_all() -> None:
    for widget in list(_LIVE):
        with contextlib.suppress(Exception):
            widget.stop()
