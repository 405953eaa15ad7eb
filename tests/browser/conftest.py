"""Browser tests: a real ``promptlight serve`` process driven by Debian's Chromium through Playwright.

Every test here is marked ``browser``. The fixtures:

- ``chromium``: one headless Chromium for the session (``/usr/bin/chromium``; Playwright's own
  browser download is never used). ``scripts/install.sh all`` installs it.
- :class:`ServerProcess` (through ``start_server``): ``python -m promptlight serve`` on a free
  loopback port with its own SQLite file, started, waited for (``/api/health`` shows the model
  ``loaded``), restartable on the same port and database, stopped at teardown. It inherits
  ``PROMPTLIGHT_CACHE`` from ``tests/conftest.py``, so Gemma is converted once per cache.
- ``ui``: a fresh 1280x800 page; ``ui.shot("label")`` saves a screenshot under
  ``test-artifacts/browser/<test>/``.

When a test fails, the failure output gets each of its servers' logs and the page's console
and errors (the Datasette habit), and a screenshot of the page at the moment of failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("PROMPTLIGHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
LOG_TAIL_CHARS = 20_000


# ---------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """``promptlight serve`` in a subprocess, with its log in a file."""

    def __init__(self, name: str, *, models: list[str], datasets: list[str], db: Path, log: Path, load_timeout: float,
                 extra: list[str] | None = None):  # fmt: skip
        self.name = name
        self.extra = list(extra or [])
        self.models = models
        self.datasets = datasets
        self.db = db
        self.log = log
        self.load_timeout = load_timeout
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log_text(self) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text if len(text) <= LOG_TAIL_CHARS else "…" + text[-LOG_TAIL_CHARS:]

    def start(self) -> None:
        """Start the process and wait until every model is loaded; fail with the log otherwise."""
        cmd = [sys.executable, "-m", "promptlight", "serve", "--models", *self.models, "--datasets", *self.datasets]
        cmd += ["--port", str(self.port), "--db", str(self.db), *self.extra]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
        with self.log.open("a") as log:
            log.write(f"\n===== {time.strftime('%H:%M:%S')} $ {' '.join(cmd)}\n")
            log.flush()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        deadline = time.monotonic() + self.load_timeout
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"promptlight serve exited with status {self.proc.returncode}; its log:\n{self.log_text()}", pytrace=False)
            try:
                health = httpx.get(f"{self.url}api/health", timeout=5).json()
                states = {name: m["state"] for name, m in health["models"].items()}
            except (httpx.HTTPError, ValueError, KeyError):
                states = {}
            if states and all(s == "loaded" for s in states.values()):
                return
            if "error" in states.values():
                break
            time.sleep(0.25)
        self.stop()
        pytest.fail(f"models did not load within {self.load_timeout:.0f} s ({states or 'no answer'}); the server log:\n{self.log_text()}", pytrace=False)

    def stop(self) -> None:
        """Ctrl-C (SIGINT, what a person does), then SIGKILL if it does not exit in time."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port and database."""
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ServerProcess]]:
    """Factory: ``start_server("name", models=["tiny"])`` -> a started :class:`ServerProcess`.

    Each server gets a fresh database; its log goes to ``test-artifacts/browser/server-<name>.log``.
    All are stopped when the session ends (module fixtures stop theirs earlier).
    """
    started: list[ServerProcess] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def start(name: str, *, models: list[str], datasets: tuple[str, ...] = ("sample_prompts",), load_timeout: float = 120,
              extra: list[str] | None = None) -> ServerProcess:  # fmt: skip
        log = ARTIFACTS / f"server-{name}.log"
        log.write_text("")
        db = tmp_path_factory.mktemp(f"server-{name}") / "db.sqlite"
        server = ServerProcess(name, models=models, datasets=list(datasets), db=db, log=log, load_timeout=load_timeout, extra=extra)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


# ---------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "Install it with `scripts/install.sh all` (or `apt-get install -y chromium`).",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    # Waits are for the app to answer, on 2 busy cores: generous, and only slow when failing.
    expect.set_options(timeout=30_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class UI:
    """A page for one test, its screenshots, and what its console said."""

    def __init__(self, page, folder: Path):
        self.page = page
        self.folder = folder
        self.console: list[str] = []
        self.errors: list[str] = []
        self._n = 0
        page.on("console", lambda m: self.console.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def shot(self, label: str, **kwargs) -> Path:
        self._n += 1
        path = self.folder / f"{self._n:02d}-{re.sub(r'[^A-Za-z0-9_-]+', '-', label)}.png"
        self.page.screenshot(path=str(path), **kwargs)
        return path


@pytest.fixture
def ui(chromium, request: pytest.FixtureRequest) -> Iterator[UI]:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    session = UI(page, folder)
    yield session
    report = request.node.stash.get(_REPORTS, {}).get("call")
    if report is not None and report.failed:
        try:
            session.shot("FAILED")
        except Exception:  # the page may be gone; the failure itself matters more
            pass
    context.close()


# ---------------------------------------------------------------------------------- failure output

_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    for value in funcargs.values():
        if isinstance(value, ServerProcess):
            report.sections.append((f"promptlight server log ({value.name}, {value.log})", value.log_text()))
        if isinstance(value, UI):
            if value.console:
                report.sections.append(("browser console", "\n".join(value.console[-200:])))
            if value.errors:
                report.sections.append(("browser page errors", "\n".join(value.errors)))
