"""The example notebook in a real JupyterLab, driven by Debian's Chromium: run it all, see the widget draw salience.

A new user's path: ``jupyter lab`` on ``examples/prompt_debugging.ipynb`` (a fresh copy with no
outputs), Run > Run All Cells, then the inline promptlight views fetch from the notebook's
server across origins (JupyterLab on one port, promptlight on another, with the widget's
token) and colour the prompt. Gemma 3 270M runs the whole story, so this takes a few minutes.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, REPO, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = REPO / "examples" / "prompt_debugging.ipynb"
RUN_TIMEOUT_MS = 480_000  # the whole notebook on 2 busy cores, with generous slack
HEAT = ".pl-heatmap .pl-seg[style*='background']"  # a coloured piece of the prompt


class JupyterLab:
    def __init__(self, folder: Path, log: Path) -> None:
        self.folder = folder
        self.log = log
        self.port = free_port()
        self.token = secrets.token_urlsafe(16)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-20_000:]
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 120) -> None:
        home = self.folder.parent
        settings = home / "lab-settings"
        (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
        # No "would you like news?" toast over the notebook.
        (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
        env.update(
            JUPYTER_CONFIG_DIR=str(home / "config"),
            JUPYTER_DATA_DIR=str(home / "data"),  # e.g. the notebook-signing key; extensions stay found in the venv
            JUPYTER_RUNTIME_DIR=str(home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(self.port),
            f"--IdentityProvider.token={self.token}", "--notebook-dir", str(self.folder),
        ]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI containers run as root
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.folder)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_text()}", pytrace=False)
            try:
                if httpx.get(f"{self.base}/api/status", params={"token": self.token}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_text()}", pytrace=False)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()  # SIGTERM: the server shuts its kernels down
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[JupyterLab]:
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:  # a fresh copy, as a new user gets it after "Clear All Outputs"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, folder / NOTEBOOK.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = JupyterLab(folder, ARTIFACTS / "jupyterlab.log")
    server.start()
    yield server
    server.stop()


def test_the_example_notebook_runs_in_jupyterlab_and_the_widget_draws_salience(lab: JupyterLab, ui) -> None:
    try:
        _run_notebook_and_check(lab, ui)
    except BaseException:
        print(f"JupyterLab and kernel log ({lab.log}):\n{lab.log_text()}")  # shown with the failure
        raise


def _run_notebook_and_check(lab: JupyterLab, ui) -> None:
    from playwright.sync_api import expect

    page = ui.page
    page.goto(f"{lab.base}/lab/tree/{NOTEBOOK.name}?token={lab.token}")
    expect(page.locator(".jp-Notebook")).to_be_visible(timeout=120_000)
    # Wait for the kernel (the status bar says so), then Run > Run All Cells, as a person does.
    kernel_idle = page.locator(".jp-StatusBar-Widget", has_text="| Idle")
    expect(kernel_idle).to_be_visible(timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    ui.shot("running")

    # The first inline view: the recommendation explained, heat on the prompt.
    first = page.locator(".pl-widget").first
    expect(first).to_be_attached(timeout=RUN_TIMEOUT_MS)
    first.scroll_into_view_if_needed()
    expect(first.locator(HEAT).first).to_be_attached(timeout=RUN_TIMEOUT_MS)
    expect(first.locator(".pl-top-item").first).to_be_attached()
    first.screenshot(path=str(ui.folder / "first-widget.png"))

    # The side-by-side view: two panes, each with its own heat.
    expect(page.locator(".pl-widget")).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    compare = page.locator(".pl-widget").nth(1)
    compare.scroll_into_view_if_needed()
    panes = compare.locator(".pl-panes > .pl-pane")
    expect(panes).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    for i in range(2):
        expect(panes.nth(i).locator(HEAT).first).to_be_attached(
            timeout=RUN_TIMEOUT_MS
        )
    compare.screenshot(path=str(ui.folder / "compare-widget.png"))

    # Every cell ran (the last one shows the app's link) and none raised.
    expect(page.get_by_text("Open the app:")).to_be_attached(timeout=RUN_TIMEOUT_MS)
    expect(kernel_idle).to_be_visible(timeout=RUN_TIMEOUT_MS)
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").filter(has_text="Traceback").count() == 0
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
    assert prompts and all(p.strip() not in ("[ ]:", "[*]:") for p in prompts), prompts
    # The widget talked to promptlight across origins without a single refused request.
    assert not [line for line in ui.console if "CORS" in line or "Failed to fetch" in line], ui.console
    assert page.locator(".pl-widget .pl-banner:visible").count() == 0
