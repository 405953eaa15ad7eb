"""``create_app``: the FastAPI app, wired from plain ``name -> spec`` dicts.

    app = create_app(models={"gemma3-270m": "gemma3-270m"},
                     datasets={"sample_prompts": "sample_prompts"},
                     db_path="promptlight.db", settings=Settings())

Reading order: the guard middleware (guard.py), the route table (routes.py), the error
envelope (errors.py), model workers (workers.py), datasets and datapoints (catalog.py).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from promptlight.server.catalog import Catalog, check_dataset_names
from promptlight.server.errors import install_error_handlers
from promptlight.server.guard import Guard
from promptlight.server.routes import AppState, router
from promptlight.server.settings import Settings, is_loopback
from promptlight.server.workers import ModelWorker
from promptlight.store import Store

STATIC_DIR = Path(__file__).parent / "static"

MISSING_UI = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>promptlight</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:4rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>promptlight is running</h1>
<p>The API answers, but the web UI bundle is missing from this install
(<code>promptlight/server/static/index.html</code>).</p>
<ul>
<li>Try the API in the browser: <a href="/docs">/docs</a> (OpenAPI), <a href="/api/health">/api/health</a>,
<a href="/api/examples">/api/examples</a>.</li>
<li>From a source checkout, build the UI: <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload.</li>
<li>Or install a released promptlight, which ships the built UI.</li>
</ul></body></html>
"""


def create_app(
    *,
    models: Mapping[str, Any],
    datasets: Mapping[str, Any],
    db_path: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    model_loader: Callable[[str], Any] | None = None,
    token_cors: bool = False,
    runs: str | os.PathLike[str] | None = None,
    model_dirs: Sequence[str | os.PathLike[str]] = (),
) -> FastAPI:
    """The promptlight web app.

    ``models``: name -> spec (anything :func:`promptlight.load_model` accepts as PATH) or an
    already loaded ``LanguageModel``; each loads lazily in its own worker thread at startup.
    ``datasets``: name -> spec (``sample_prompts``, a file, a URL) or a loaded ``Dataset``;
    loaded now, so a bad path fails here with a ``DatasetError``. ``db_path``: the SQLite
    file (default: the ``db`` setting, else the user data dir). ``settings``: limits and
    access (default: defaults + ``PROMPTLIGHT_*`` environment variables).
    ``model_loader(spec) -> model`` replaces :func:`promptlight.load_model` (tests use it).
    ``token_cors``: also answer cross-origin requests that carry the token in an
    ``Authorization: Bearer`` header, from any origin (the notebook widget, whose page origin is
    not known in advance; see guard.py). Needs ``settings.token``. ``runs``: a folder of batch
    run folders (``promptlight batch --out``) shown read-only under ``/api/runs``.
    ``model_dirs``: folders whose model folders and ``.gguf`` files a client may load
    (``GET /api/model-files``, ``POST /api/models``); nothing outside them.

    Raises ``ValueError`` for a wiring mistake (no models, a reserved dataset name, a
    non-loopback host without a token) and ``StoreError`` for an unusable database file.
    """
    settings = settings if settings is not None else Settings.from_env()
    if not models:
        raise ValueError("create_app needs at least one model, e.g. models={'gemma3-270m': 'gemma3-270m'}.")
    if not is_loopback(settings.host) and not settings.token:
        raise ValueError(
            f"Serving on {settings.host!r} (not loopback) needs an access token: set PROMPTLIGHT_TOKEN "
            "(or --token). Anyone who can reach the port could otherwise run your models and edit your data."
        )
    if token_cors and not settings.token:
        raise ValueError("token_cors=True needs an access token (settings.token): the token is what lets a page in.")
    check_dataset_names(list(datasets))
    from promptlight.server.model_files import check_model_dirs

    dirs = check_model_dirs(model_dirs)
    runs_catalog = None
    if runs is not None:
        from promptlight.runs.views import RunsCatalog

        runs_catalog = RunsCatalog(runs)  # RunFolderError (a ValueError) for a path that is not a folder
    from promptlight.config import load_datasets

    loaded = load_datasets(datasets)
    if db_path is None and settings.db:
        db_path = settings.db
    # A lock another program holds is waited for 5 s, then answered 503 + Retry-After.
    store = Store(db_path, busy_timeout=5.0)

    workers = {
        name: ModelWorker(
            name, _spec_text(spec), queue_size=settings.queue_size, loader=_loader_for(spec, model_loader, settings)
        )
        for name, spec in models.items()
    }

    def new_worker(name: str, spec: str) -> ModelWorker:
        worker = ModelWorker(
            name, spec, queue_size=settings.queue_size, loader=_loader_for(spec, model_loader, settings)
        )
        worker.start()
        return worker

    state = AppState(
        settings=settings,
        store=store,
        catalog=Catalog(loaded, store, specs=_dataset_specs(datasets)),
        workers=workers,
        model_dirs=dirs,
        new_worker=new_worker,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for worker in workers.values():
            worker.start()
        try:
            yield
        finally:
            for worker in state.workers.values():  # with any loaded on request since
                worker.stop()
            store.close()

    from promptlight import __version__

    local_docs = _swagger_ui_folder()
    app = FastAPI(
        docs_url=None if local_docs else "/docs",
        title="promptlight",
        version=__version__,
        summary="Interactive prompt debugger: which parts of the prompt drove the model's output?",
        description='The HTTP API of `promptlight serve`. Every error is `{"error": {"code", "message", "field"}}`.',
        lifespan=lifespan,
    )
    app.state.promptlight = state
    app.state.promptlight_runs = runs_catalog
    install_error_handlers(app)
    app.include_router(router)
    from promptlight.server.runs_routes import router as runs_router

    app.include_router(runs_router)
    _add_ui_routes(app)
    if local_docs:
        _add_offline_docs(app, local_docs)
    app.add_middleware(
        Guard,
        token=settings.token,
        port=settings.port,
        max_body_bytes=settings.max_body_bytes,
        allow_origins=settings.origins,
        token_cors=token_cors,
    )
    return app


def _dataset_specs(datasets: Mapping[str, Any]) -> dict[str, str]:
    return {name: spec for name, spec in datasets.items() if isinstance(spec, str)}


def _spec_text(spec: Any) -> str:
    return spec if isinstance(spec, str) else str(getattr(spec, "spec", "") or type(spec).__name__)


def _loader_for(spec: Any, model_loader: Callable[[str], Any] | None, settings: Settings) -> Callable[[str], Any]:
    """A loader for the worker: the given object itself, or ``model_loader``/``load_model`` on ``NAME:PATH``.

    ``load_model`` runs on the ``device`` and in the ``dtype`` of the settings.
    """
    if not isinstance(spec, str):
        return lambda _name_and_spec: spec
    if model_loader is not None:
        return model_loader

    def load(name_and_spec: str) -> Any:
        from promptlight.models import load_model

        return load_model(name_and_spec, device=settings.device, dtype=settings.dtype)

    return load


def _swagger_ui_folder() -> Path | None:
    """Swagger UI's files from the optional package ``swagger-ui-bundle``, so ``/docs`` works offline."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    folder = Path(swagger_ui_bundle.swagger_ui_path)
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _add_offline_docs(app: FastAPI, folder: Path) -> None:
    """``/docs`` from local files; without ``swagger-ui-bundle`` FastAPI's page loads them from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/docs-assets", StaticFiles(directory=folder), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="promptlight API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def _add_ui_routes(app: FastAPI) -> None:
    """``/`` serves the built UI (or a helpful page); other files of the bundle come from the router's fallback.

    The bundle is served by the router's *default* handler rather than a mount at ``/``: a
    mount would match every path and turn a wrong method on an API route into 404 instead of 405.
    """

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)  # HEAD: uptime checks, link previews
    def index() -> Any:
        page = STATIC_DIR / "index.html"
        if page.is_file():
            return FileResponse(page, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(MISSING_UI)

    folder = STATIC_DIR
    files = StaticFiles(directory=folder, check_dir=False)

    async def bundle_or_404(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and not path.startswith("/api")
            and folder.is_dir()
        ):
            await files(scope, receive, send)  # 404 (as HTTPException) when the file is not there
            return
        raise StarletteHTTPException(404)

    app.router.default = bundle_or_404
