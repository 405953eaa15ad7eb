"""``promptlight serve``: the web app. This docstring is its manual.

Launch
------

    promptlight serve                                  # gemma3-270m + sample_prompts on http://127.0.0.1:5432/
    promptlight serve --models tiny --port 8000        # the instant random test model
    promptlight serve --models gemma:gemma3-270m mine:/models/my-hf-folder \\
                      --datasets sample_prompts work:~/prompts.jsonl --db ~/promptlight.db

It prints the URL; open it in a browser. Models load in the background (the first run of
``gemma3-270m`` converts it once, about a minute; ``/api/health`` shows ``loading`` ->
``loaded`` or ``error`` per model). Stop with Ctrl-C. The API is documented at ``/docs``
(OpenAPI) and in ``docs/api.md``.

What ``--models`` and ``--datasets`` accept
-------------------------------------------

Each is one or more ``NAME:PATH`` strings, split on the first colon; a bare ``PATH``
names itself. Defaults: ``--models gemma3-270m`` and ``--datasets sample_prompts``.

- model ``PATH``: a preset (``gemma3-270m``, ``tiny``), a local Hugging Face model folder
  (with ``config.json``), a ``.gguf`` file, or a hub id such as ``google/gemma-3-270m``
  (only where the hub is reachable or the model is in the local Hugging Face cache).
- dataset ``PATH``: ``sample_prompts``, a local ``.jsonl`` / ``.csv`` / ``.txt`` file, or an
  ``http(s)`` URL. Rows need ``prompt``; ``target``, ``source`` and extra columns are optional.
  Dataset names may not contain a colon, and ``u`` is reserved (your datapoints are ``u:N``).

Settings
--------

Every setting is a flag, an environment variable ``PROMPTLIGHT_<NAME>`` and a row of
``GET /api/settings``; ``promptlight serve --help`` lists them with their defaults, and
``docs/api.md`` has the table. The main ones:

- ``--host`` (default ``127.0.0.1``) and ``--port`` (default ``5432``).
- ``--db PATH``: the SQLite file holding your datapoints and the results cache
  (default ``promptlight.db`` in the user data directory, e.g. ``~/.local/share/promptlight/``).
  Datapoints you add or edit survive restarts; cached results make a repeated request instant.
- Limits: ``--max-prompt-tokens`` (4096), ``--max-new-tokens`` (512), ``--max-ig-steps`` (256),
  ``--max-batch-tokens`` (8192: batch_size x tokens a salience request may ask for),
  ``--max-body-bytes`` (1 MiB), ``--queue-size`` (8 waiting calls per model),
  ``--model-timeout`` (300 s; a call past it answers 504 and is stopped), ``--cache-size``
  (10000 cached results).

``/docs`` works offline when the optional package ``swagger-ui-bundle`` is installed.

Sharing the server safely
-------------------------

By default the server listens on loopback only and needs no token. To let other machines
in, bind another address *and* set an access token (the server refuses to start without one):

    export PROMPTLIGHT_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')
    promptlight serve --host 0.0.0.0

Then share ``http://HOST:5432/?token=...``: opening it once stores a cookie and drops the
token from the address bar; scripts send ``Authorization: Bearer TOKEN``. The token is
compared in constant time, never logged, and ``/api/settings`` shows only whether it is set.
Pages from other sites cannot drive the API: there are no CORS headers, and requests that
change data must be JSON from the server's own origin (``--allow-origins`` adds trusted ones,
such as a Vite dev server). Use HTTPS (a reverse proxy) on untrusted networks.

From Python
-----------

    from promptlight.server import Settings, create_app
    app = create_app(models={"tiny": "tiny"}, datasets={"sample_prompts": "sample_prompts"},
                     db_path="promptlight.db", settings=Settings(max_new_tokens=128))

``create_app`` returns a FastAPI app (serve it with any ASGI server); ``add_serve_arguments``
and ``run_serve`` are what the ``promptlight serve`` command uses.
"""

from __future__ import annotations

from typing import Any

from promptlight.server.serve import add_serve_arguments, run_serve
from promptlight.server.settings import SETTINGS, Setting, Settings

__all__ = ["SETTINGS", "Setting", "Settings", "add_serve_arguments", "create_app", "run_serve"]


def __getattr__(name: str) -> Any:
    # create_app imports FastAPI, which is slow to import: load it only when asked for.
    if name == "create_app":
        from promptlight.server.app import create_app

        return create_app
    raise AttributeError(f"module 'promptlight.server' has no attribute {name!r}")
