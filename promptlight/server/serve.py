"""``promptlight serve``: command-line flags and the launcher. Stdlib only at import time.

The flags come from the settings table (:mod:`promptlight.server.settings`) plus the two
wiring lists ``--models`` and ``--datasets``; :func:`run_serve` builds the app and runs uvicorn.
"""

from __future__ import annotations

import argparse
import logging
import re
import socket
import sys

from promptlight.server.settings import Settings, add_setting_arguments, is_loopback

DEFAULT_MODELS = ("gemma3-270m",)
DEFAULT_DATASETS = ("sample_prompts",)
EXIT_USAGE = 2


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--models``, ``--datasets`` and one flag per setting to ``parser``."""
    parser.add_argument(
        "--models",
        nargs="+",
        metavar="NAME:PATH",
        default=None,
        help="models to serve: a preset (gemma3-270m, tiny), a Hugging Face model folder, a .gguf file or a hub id; "
        f"NAME: names it (default: {' '.join(DEFAULT_MODELS)})",
    )
    parser.add_argument(
        "--datasets",
        nargs="+",
        metavar="NAME:PATH",
        default=None,
        help="datasets to show: sample_prompts, a .jsonl/.csv/.txt file or an http(s) URL; "
        f"NAME: names it (default: {' '.join(DEFAULT_DATASETS)})",
    )
    parser.add_argument(
        "--model-dirs",
        metavar="DIR",
        nargs="+",
        default=[],
        help="folders of model folders and .gguf files the web app may load on request (never other paths)",
    )
    parser.add_argument(
        "--runs",
        metavar="DIR",
        default=None,
        help="show the batch runs in DIR (folders written by promptlight batch --out) in the web app's Runs view",
    )
    add_setting_arguments(parser)


#: Shortest access token accepted when the server listens beyond loopback.
MIN_REMOTE_TOKEN_CHARS = 16


class RedactToken(logging.Filter):
    """Hide ``token=...`` in log lines (uvicorn's access log prints the URL of ``/?token=...``), and
    the token itself wherever else it appears (e.g. pasted into the URL path)."""

    _TOKEN = re.compile(r"(?i)(token=)[^&\s\"]*")

    def __init__(self, token: str = "") -> None:
        super().__init__()
        self._secret = token

    def _clean(self, text: str) -> str:
        text = self._TOKEN.sub(r"\1***", text)
        return text.replace(self._secret, "***") if self._secret else text

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._clean(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = self._clean(record.msg)
        return True


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _fail(message: str) -> int:
    print(f"promptlight: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_serve(args: argparse.Namespace) -> int:
    from promptlight.config import named_specs

    """Build the app from parsed flags, print its URL and serve until Ctrl-C. Returns the exit status."""
    try:
        settings = Settings.from_args(args)
        models = named_specs(args.models or DEFAULT_MODELS, what="model", arg="--models")
        datasets = named_specs(args.datasets or DEFAULT_DATASETS, what="dataset", arg="--datasets")
        from promptlight.models.placement import resolve_device, resolve_dtype

        resolve_dtype(settings.dtype, resolve_device(settings.device, field="--device"), field="--dtype")
    except ValueError as exc:
        return _fail(str(exc))
    if not is_loopback(settings.host) and not settings.token:
        return _fail(
            f"--host {settings.host} makes the server reachable from other machines, so it needs an access token. "
            "Set one in the environment, e.g.\n"
            "  export PROMPTLIGHT_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')\n"
            "then share the link http://HOST:PORT/?token=... only with people who may use your models and data."
        )
    if not is_loopback(settings.host) and len(settings.token) < MIN_REMOTE_TOKEN_CHARS:
        return _fail(
            f"The access token is {len(settings.token)} characters long; off loopback (--host {settings.host}) it "
            f"must have at least {MIN_REMOTE_TOKEN_CHARS}, or anyone on the network could guess it. "
            "Make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if "null" in settings.origins:
        print(
            "promptlight: warning: --allow-origins includes 'null', the origin of sandboxed frames and local files: "
            "any such page could then send state-changing requests to this server.",
            file=sys.stderr,
            flush=True,
        )
    if settings.port and not _port_free(settings.host, settings.port):
        return _fail(
            f"Port {settings.port} on {settings.host} is in use. Pick another with --port (or PROMPTLIGHT_PORT)."
        )

    from promptlight.data import DatasetError
    from promptlight.server.app import create_app
    from promptlight.store import StoreError

    try:
        app = create_app(
            models=models,
            datasets=datasets,
            settings=settings,
            runs=getattr(args, "runs", None),
            model_dirs=getattr(args, "model_dirs", None) or (),
        )
    except (DatasetError, StoreError, ValueError, TypeError) as exc:
        return _fail(str(exc))

    import uvicorn

    from promptlight.server.timeouts import uvicorn_options

    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="info", server_header=False, **uvicorn_options(settings)
    )
    for name in ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logging.getLogger(name).addFilter(RedactToken(settings.token))
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{shown_host}:{settings.port}/"
    print(f"promptlight: serving {', '.join(models)} with {', '.join(datasets)} at {url}", flush=True)
    if settings.token:
        print("promptlight: access token required: open the URL once with ?token=YOUR_TOKEN", flush=True)
    print("promptlight: models load in the background (see /api/health); press Ctrl-C to stop.", flush=True)
    uvicorn.Server(config).run()
    return 0
