"""promptlight in a notebook: the full prompt-debugging UI inline, next to your code. This docstring is its manual.

Install and start
-----------------

    pip install "promptlight[notebook]"        # anywidget (and ipywidgets); no internet needed afterwards

    from promptlight.notebook import make_notebook_widget
    w = make_notebook_widget(["sample_prompts"], ["gemma3-270m"])   # datasets first, then models
    w.render()                                   # the whole UI inline, in this cell's output

``make_notebook_widget(datasets_config, models_config)`` loads every model once, loads the
datasets, and starts the real promptlight web server (the one ``promptlight serve`` runs) in
a background thread on a free loopback port. The inline views and the browser tab talk to
that server, and the server uses the very model objects you get from ``w.models``, so there
is one set of weights in memory however many views you open (calls from your code and from
the views take turns on it).

What the configs accept
-----------------------

Each is a list of ``NAME:PATH`` strings (split on the first colon; a bare ``PATH`` names
itself), exactly like ``promptlight serve --datasets ... --models ...``:

- datasets: ``sample_prompts``, a local ``.jsonl`` / ``.csv`` / ``.txt`` file, or an ``http(s)``
  URL, e.g. ``["sample_prompts", "mine:~/prompts.jsonl"]``. May be empty (``[]``).
- models: a preset (``gemma3-270m``, ``tiny``), a local Hugging Face model folder, a ``.gguf``
  file, or a hub id where the hub is reachable, e.g. ``["gemma3-270m"]``.

A single string is taken as a one-item list, and a dict ``{name: spec_or_loaded_object}`` also
works (for a model you already loaded with :func:`promptlight.load_model`). Mistakes raise
at once with a message that names the entry: an unknown model, a missing file, two entries
with one name, or the two lists swapped.

Using it
--------

    w.render()                                     # inline UI
    w.render(data=[{"prompt": my_prompt}])         # add these datapoints and show the first
    w.render(data=[old, new])                      # two rows: the first in pane A, the second compared in B
    w.render(data=[{"prompt": p, "target": t}],    # any initial view of the UI (frontend/README.md):
             initial={"span": [40, 75], "method": "grad_l2", "granularity": "lines",
                      "source": "target", "run": True})
    w.render(open_in_new_tab=True)                 # the full web app in a browser tab, plus a link
    w.view(data=...)                               # the widget object itself (for ipywidgets layouts)
    w.datasets["sample_prompts"].examples          # the loaded rows (promptlight.Example records)
    w.models["gemma3-270m"]                        # the loaded LanguageModel, for promptlight.explain
    w.url                                          # the app's address, with this widget's token
    w.stop()                                       # stop the server and free the port

``data`` rows are dicts with ``prompt`` (required) and optional ``target``, ``source`` and any
other fields, or ``promptlight.Example`` records, or plain prompt strings. They become
datapoints of the dataset ``notebook`` (editable in the UI, like any datapoint). Rendering the
same data again reuses the datapoints already there instead of adding copies. When the first
row has no target, the view explains the model's output (press Generate, or pass
``initial={"run": True}``). ``initial``
takes the view keys of the UI bundle: ``example``, ``compare`` (datapoint ids), ``span``,
``compareSpan`` (``[start, end)`` in characters of the target), ``method``, ``granularity``,
``source`` (``"target"`` or ``"output"``), ``model``, ``dataset``, ``run``, ``generation``.

Datapoints and cached results live in a temporary SQLite file that :meth:`NotebookWidget.stop`
deletes (your notebook holds the prompts); pass ``db_path=`` to keep them. The widget is also
stopped when the kernel exits. :func:`inline_report` shows a ``SalienceResult`` as the same
self-contained HTML report the CLI writes, inline.

Where it works, and how the connection is kept safe
---------------------------------------------------

The UI is one ES module (``promptlight/server/static/app.js``) shipped in the package and
handed to anywidget, so nothing is loaded from a CDN. It runs in the notebook's page and
fetches from the promptlight server, which has another origin (the page is e.g.
``http://localhost:8888``, the server ``http://127.0.0.1:PORT``). The server therefore runs
with a random per-widget access token (``secrets.token_urlsafe(32)``): every request must
carry it, the widget sends it as ``Authorization: Bearer ...`` (given to the page through the
kernel's own authenticated channel), and only such requests are answered across origins
(``create_app(..., token_cors=True)``; see ``promptlight/server/guard.py``). No other web page
can call the server: it does not know the token, the cookie is never accepted cross-origin,
and there is no wildcard CORS for anonymous callers. The server listens on loopback only
unless you pass ``host=``.

- JupyterLab (what promptlight's browser test drives), Jupyter Notebook 7 and classic, VS Code
  with a local kernel: the browser, the kernel and the server are on one machine, and the view
  works as is. Only JupyterLab is covered by promptlight's tests; the others use the same
  anywidget mechanism.
- Remote kernel (JupyterHub, SSH, VS Code Remote): the browser cannot reach the kernel
  machine's loopback. Forward the port (``ssh -L PORT:127.0.0.1:PORT``) and pass
  ``port=PORT``, or serve it through a proxy and pass ``public_url=`` (e.g. with
  jupyter-server-proxy, ``public_url="https://hub.example/user/me/proxy/PORT"``).
- Colab: the page is on Google's servers, so the widget talks to the server through Colab's
  own port proxy (``google.colab.kernel.proxyPort``), found automatically. This is a best
  effort that promptlight's tests cannot cover; if the view stays empty, use
  ``render(open_in_new_tab=True)``.
- ``render(open_in_new_tab=True)`` calls :func:`webbrowser.open` only where a graphical
  browser can start (not on a headless Linux machine), and always shows a clickable link.
- The token is visible in ``w.url``, in the link that ``render(open_in_new_tab=True)`` shows and
  in saved widget state. It only opens this kernel's server and dies with it.
"""

from __future__ import annotations

import atexit
import contextlib
import html
import json
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["NotebookWidget", "inline_report", "make_notebook_widget"]

STATIC_DIR = Path(__file__).parent / "server" / "static"
#: The dataset name that datapoints passed to ``render(data=...)`` are added to (the UI's default too).
NOTEBOOK_DATASET = "notebook"
#: Keys of the UI's ``initial`` view (``InitialView`` in frontend/src/app.ts), except ``data``.
INITIAL_KEYS = frozenset(
    {"example", "compare", "span", "compareSpan", "method", "granularity", "source", "model", "dataset", "run",
     "generation"}  # fmt: skip
)
INSTALL_HINT = 'The notebook widget needs anywidget: pip install "promptlight[notebook]"'

#: Running widgets, stopped at exit (a widget stays referenced while its server runs).
_LIVE: set[NotebookWidget] = set()


# --- configs -----------------------------------------------------------------------------------


def _named(config: Any, *, what: str, arg: str) -> dict[str, Any]:
    """``["NAME:PATH", ...]`` (or one string, or ``{name: spec_or_object}``) -> ``{name: spec_or_object}``."""
    from promptlight.data.spec import parse_spec

    if isinstance(config, str):
        config = [config]
    if isinstance(config, Mapping):
        pairs = []
        for name, spec in config.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"{arg}: every key must be a non-empty name string, got {name!r}.")
            pairs.append((name, spec))
    elif isinstance(config, Iterable):
        pairs = []
        for i, entry in enumerate(config):
            if not isinstance(entry, str):
                raise TypeError(
                    f"{arg}[{i}] must be a NAME:PATH string, got {type(entry).__name__} {entry!r}. "
                    f"Example: make_notebook_widget(['sample_prompts'], ['gemma3-270m'])."
                )
            try:
                pairs.append(parse_spec(entry))
            except ValueError as exc:
                raise ValueError(f"{arg}[{i}]: {exc}") from None
    else:
        raise TypeError(
            f"{arg} must be a list of NAME:PATH strings, got {type(config).__name__} {config!r}. "
            f"Example: make_notebook_widget(['sample_prompts'], ['gemma3-270m'])."
        )
    named: dict[str, Any] = {}
    for name, spec in pairs:
        if name in named:
            raise ValueError(
                f"{arg}: two {what}s are named {name!r}. Give each its own NAME, e.g. '{name}2:{spec}'."
            )
        named[name] = spec
    return named


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


def _load_datasets(named: Mapping[str, Any]) -> dict[str, Any]:
    from promptlight.data import DatasetError, load_dataset

    loaded = {}
    for name, spec in named.items():
        if not isinstance(spec, str):
            if not hasattr(spec, "examples"):
                raise TypeError(f"datasets_config[{name!r}] must be a spec string or a Dataset, got {type(spec).__name__}.")
            loaded[name] = spec
            continue
        try:
            loaded[name] = load_dataset(f"{name}:{spec}")
        except DatasetError as exc:
            raise DatasetError(f"datasets_config entry '{name}:{spec}': {exc}", origin=exc.origin, line=exc.line) from exc
    return loaded


def _load_models(named: Mapping[str, Any]) -> dict[str, Any]:
    from promptlight.models import ModelLoadError, load_model

    loaded = {}
    for name, spec in named.items():
        if not isinstance(spec, str):
            if not callable(getattr(spec, "generate", None)):
                raise TypeError(
                    f"models_config[{name!r}] must be a spec string or a loaded model, got {type(spec).__name__}."
                )
            loaded[name] = spec
            continue
        try:
            loaded[name] = load_model(f"{name}:{spec}")
        except ModelLoadError as exc:
            raise ModelLoadError(f"models_config entry '{name}:{spec}': {exc}") from exc
    return loaded


# --- the server thread -------------------------------------------------------------------------


class _ServerThread:
    """uvicorn serving one app on an already bound socket, in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        import uvicorn

        self.sock = sock
        host, port = sock.getsockname()[:2]
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, server_header=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"promptlight-notebook-{port}", daemon=True)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self, timeout: float = 60.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                reason = f"{type(self.error).__name__}: {self.error}" if self.error else "see the log above"
                raise RuntimeError(f"The promptlight server did not start ({reason}).")
            time.sleep(0.02)

    def stop(self, timeout: float = 15.0) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
        with contextlib.suppress(OSError):
            self.sock.close()


def _bind(host: str, port: int | None) -> socket.socket:
    """A listening socket on ``host:port`` (port ``None`` or 0: a free one the OS picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError as exc:
        sock.close()
        if port:
            raise OSError(
                f"Cannot listen on {host}:{port} ({exc.strerror}). Another program (or another widget) "
                "may use that port: pass another port=, or port=None for a free one."
            ) from None
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _browser_base(host: str, port: int) -> str:
    """The address a browser on this machine uses to reach the server (loopback for a wildcard host)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "localhost": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _colab_proxy(port: int) -> str | None:
    """Colab's proxied https address for a kernel port, or ``None`` outside Colab."""
    if "google.colab" not in sys.modules:
        return None
    try:
        from google.colab.output import eval_js  # type: ignore[import-not-found]

        url = eval_js(f"google.colab.kernel.proxyPort({int(port)}, {{'cache': false}})")
    except Exception:  # noqa: BLE001 - not in a Colab front end after all: use the plain address
        return None
    return str(url).rstrip("/") if url else None


def _can_open_browser() -> bool:
    """False on Linux/BSD without a display (webbrowser would fall back to a console browser)."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


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
        db = Path(db_path) if db_path is not None else Path(self._tmpdir) / "promptlight.db"
        sock = _bind(host, port)
        try:
            self.port: int = sock.getsockname()[1]
            settings = Settings.from_env(host=host, port=self.port, token=self._token, db=str(db))
            app = create_app(models=self.models, datasets=self.datasets, db_path=db, settings=settings, token_cors=True)
            self._server: _ServerThread | None = _ServerThread(app, sock)
            self._server.start()
        except BaseException:
            sock.close()
            self._remove_tmpdir()
            raise
        self._local_base = _browser_base(host, self.port)
        self.api_base: str = (public_url or _colab_proxy(self.port) or self._local_base).rstrip("/")
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
            if _can_open_browser():
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
        keys = {"model": "model", "dataset": "ds", "example": "ex", "span": "span", "compare": "cmp",
                "compareSpan": "cspan", "method": "method", "granularity": "gran", "source": "src"}  # fmt: skip
        params = []
        for key, short in keys.items():
            value = view.get(key)
            if value:
                params.append((short, f"{value[0]}-{value[1]}" if key in ("span", "compareSpan") else str(value)))
        if view.get("run"):
            params.append(("run", "1"))
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
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own loopback server
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
) -> NotebookWidget:
    """Load the datasets and models, start the promptlight server in the background, return the widget.

    ``datasets_config``, ``models_config``: lists of ``NAME:PATH`` strings (datasets first), as
    for ``promptlight serve``. ``port``: default a free one. ``host``: default loopback only.
    ``db_path``: keep datapoints and cached results in this SQLite file (default: a temporary
    one). ``public_url``: the server's address as the browser sees it, when that is not
    ``http://127.0.0.1:PORT`` (a tunnel or proxy; found automatically in Colab).
    See the module docstring for the rest.
    """
    _view_class()  # fail now, before loading models, if anywidget is missing
    datasets = _named(datasets_config, what="dataset", arg="datasets_config")
    models = _named(models_config, what="model", arg="models_config")
    if not models:
        raise ValueError("models_config is empty: give at least one model, e.g. ['gemma3-270m'] or ['tiny'].")
    _check_order(datasets, models)
    loaded_datasets = _load_datasets(datasets)
    loaded_models = _load_models(models)
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
