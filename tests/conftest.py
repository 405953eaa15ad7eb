"""Shared fixtures. Tests never download: the ``tiny`` model is built from a config, and the
real ``gemma3-270m`` comes from its PyPI package, converted into a test cache folder.

``PROMPTLIGHT_CACHE`` for the whole run is ``$PROMPTLIGHT_TEST_CACHE`` or
``<repo>/.cache/test-models`` (git-ignored): a fresh clone converts Gemma once, a re-run
reuses it. Tests about the conversion itself use their own empty cache folders.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("PROMPTLIGHT_CACHE", os.environ.get("PROMPTLIGHT_TEST_CACHE", str(REPO / ".cache" / "test-models")))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny():
    """The shared tiny model (do not modify it; use ``fresh_tiny`` for that)."""
    from promptlight.models import load_model

    return load_model("tiny")


@pytest.fixture
def fresh_tiny():
    """A private copy of the tiny model that a test may change."""
    from promptlight.models import load_model

    return load_model("tiny", reuse=False)


@pytest.fixture(scope="session")
def gemma():
    """The real default model (converted on first use in this cache)."""
    from promptlight.models import load_model

    return load_model("gemma3-270m")


@pytest.fixture(scope="session")
def sample_prompts():
    from promptlight.data import load_dataset

    return load_dataset("sample_prompts")


@pytest.fixture
def no_tracebacks_logged(caplog):
    """Fail the test if anything logged a traceback: hostile input must end as a handled,
    one-line warning (or an error answer), never as an exception in the server log."""
    caplog.set_level(logging.DEBUG)
    yield
    traced = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info]
    assert not traced, f"tracebacks were logged: {traced[:5]}"


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (root only; skipped where it cannot be mounted), for full-disk tests."""
    import subprocess

    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
