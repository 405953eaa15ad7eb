"""``promptlight serve`` for real: a uvicorn process on a loopback port, driven over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TOKEN = "a-test-token-that-must-not-be-logged"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_prints_the_url_serves_and_never_logs_the_token(tmp_path):
    port = _free_port()
    log_path = tmp_path / "server.log"
    env = {**os.environ, "PROMPTLIGHT_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "promptlight",
                "serve",
                "--models",
                "tiny",
                "--port",
                str(port),
                "--db",
                str(tmp_path / "p.db"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        deadline = time.monotonic() + 180
        state = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                state = httpx.get(f"{base}/api/health", headers=auth, timeout=5).json()["models"]["tiny"]["state"]
            except httpx.HTTPError:
                state = None
            if state in ("loaded", "error"):
                break
            time.sleep(0.2)
        assert state == "loaded", log_path.read_text()

        assert httpx.get(f"{base}/api/health", timeout=5).status_code == 401
        link = httpx.get(f"{base}/?token={TOKEN}", timeout=5)
        assert link.status_code == 303 and link.headers["location"] == "/"
        generated = httpx.post(
            f"{base}/api/generate", json={"prompt": "Hello", "max_new_tokens": 3}, headers=auth, timeout=60
        )
        assert generated.status_code == 200, generated.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if shutdown hangs
            proc.kill()
            proc.wait()
    output = log_path.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "GET /?token=***" in output  # the access log line is there, redacted
    assert TOKEN not in output


def test_serve_refuses_a_bad_dataset_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "promptlight", "serve", "--models", "tiny", "--datasets", str(tmp_path / "missing.jsonl"),
         "--port", str(_free_port()), "--db", str(tmp_path / "p.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("promptlight: error:") and "Traceback" not in result.stderr


@pytest.mark.parametrize("token", ["zqzqz", "short-token-15c"])
def test_serve_off_loopback_refuses_a_guessable_token(tmp_path, token):
    result = subprocess.run(
        [sys.executable, "-m", "promptlight", "serve", "--models", "tiny", "--host", "0.0.0.0",
         "--port", str(_free_port()), "--db", str(tmp_path / "p.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "PROMPTLIGHT_TOKEN": token},
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"is {len(token)} characters long" in result.stderr and "at least 16" in result.stderr
    assert token not in result.stderr.replace(f"is {len(token)} characters", "")  # the token itself is not echoed


def test_serve_warns_about_a_null_origin(tmp_path):
    # A port in use makes serve stop right after its checks, so no server is left running.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = subprocess.run(
            [sys.executable, "-m", "promptlight", "serve", "--models", "tiny", "--allow-origins", "null",
             "--port", str(busy.getsockname()[1]), "--db", str(tmp_path / "p.db")],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            timeout=60,
        )  # fmt: skip
    assert "warning: --allow-origins includes 'null'" in result.stderr
    assert result.returncode == 2 and "is in use" in result.stderr
