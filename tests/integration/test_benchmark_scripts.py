"""The benchmark scripts run: a quick pass of each on the tiny model (their numbers are not checked here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_the_faithfulness_benchmark_prints_its_four_tables():
    proc = subprocess.run(
        [sys.executable, "benchmarks/faithfulness.py", "--model", "tiny", "--quick"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for heading in ("### 1. Planted fact", "### 2. Deletion versus random", "### 3. Coarse-to-fine occlusion", "### 4. Integrated gradients"):
        assert heading in out, heading
    assert "| 1 | " in out and "| 3 | " in out  # coarse to fine at keep 1 and 3
    for method in ("grad_l2", "occlusion", "kernel_shap", "lime", "context_cite"):
        assert f"| {method} | " in out


def test_the_batch_benchmark_prints_its_table():
    proc = subprocess.run(
        [sys.executable, "benchmarks/batch.py", "--model", "tiny", "--quick", "--engines", "local"],
        capture_output=True, text=True, timeout=400, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| local | " in proc.stdout  # (the Ray engine itself is tested in test_batch_runs.py)


def test_the_reselect_benchmark_prints_its_two_tables():
    proc = subprocess.run(
        [sys.executable, "benchmarks/reselect.py", "--model", "tiny", "--quick", "--methods", "occlusion,lime"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("| occlusion | ") == 2 and proc.stdout.count("| lime | ") == 2
