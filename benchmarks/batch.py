"""Rows per minute of ``promptlight batch``: the local engine against Ray with 1 and 2 workers, side by side.

    .venv/bin/python benchmarks/batch.py [--model gemma3-270m] [--method grad_l2] [--rows 26] [--quick]

Each configuration runs the real command (a subprocess, a fresh run folder) on the sample
prompts repeated to ``--rows`` rows (each copy its own source, so every row is explained),
and reports the wall time, the time to the first finished row (model loading, Ray start-up)
and the steady rate after it (the model is loaded once before, so a one-time conversion into
the cache is not counted), measured from the command's own per-row progress lines. Peak
memory is the largest resident set of the command and its children (Ray's actors included),
sampled every 0.2 s. On one machine Ray's actors share its cores with each other, so the
rate shows the overhead of the engine more than a speed-up; on a cluster each actor has its
own GPU and rows spread over them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


ENGINES = {
    "local": ("local", []),
    "ray1": ("ray, 1 worker", ["--engine", "ray", "--workers", "1"]),
    "ray2": ("ray, 2 workers", ["--engine", "ray", "--workers", "2"]),
}


def _rss_tree_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, MiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, pages = int(fields[1]), int(fields[21])
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_config(label: str, argv: list[str], env: dict[str, str]) -> dict[str, float | str]:
    import threading

    started = time.monotonic()
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    done_at: list[float] = []
    lines: list[str] = []

    def read() -> None:  # timestamps each finished row as its progress line arrives
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith("promptlight: ") and "rows/min" in line:
                done_at.append(time.monotonic() - started)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _rss_tree_mb(proc.pid))
        time.sleep(0.2)
    reader.join(timeout=10)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{label} failed with status {proc.returncode}:\n{''.join(lines[-20:])}")
    first = done_at[0] if done_at else wall
    steady = (len(done_at) - 1) / (done_at[-1] - first) * 60 if len(done_at) > 1 and done_at[-1] > first else 0.0
    return {
        "label": label,
        "wall": wall,
        "first": first,
        "rows_per_min": len(done_at) / wall * 60,
        "steady": steady,
        "peak": peak,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma3-270m")
    parser.add_argument("--method", default="grad_l2")
    parser.add_argument("--granularity", default="lines")
    parser.add_argument("--rows", type=int, default=26, help="rows to explain (the sample prompts, repeated)")
    parser.add_argument("--engines", default="local,ray1,ray2", help="which of local, ray1, ray2 to run (default all)")
    parser.add_argument("--quick", action="store_true", help="a small run that checks the script works")
    args = parser.parse_args()
    if args.quick:
        args.rows = min(args.rows, 4)
    wanted = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not wanted or any(e not in ENGINES for e in wanted):
        parser.error(f"--engines {args.engines!r}: choose from {', '.join(ENGINES)}")

    from promptlight.data import load_dataset

    examples = list(load_dataset("sample_prompts"))
    work = Path(tempfile.mkdtemp(prefix="promptlight-batch-bench-"))
    data = work / "rows.jsonl"
    with data.open("w", encoding="utf-8") as f:
        for k in range(args.rows):
            ex = examples[k % len(examples)]
            f.write(json.dumps({"prompt": ex.prompt, "target": ex.target, "source": f"{ex.source}#{k}"}) + "\n")
    base = [sys.executable, "-m", "promptlight", "batch", "--model", args.model, "--dataset", str(data),
            "--method", args.method, "--granularity", args.granularity, "--max-new-tokens", "32"]  # fmt: skip
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "HF_HUB_OFFLINE": "1"}
    try:
        import ray  # noqa: F401
    except ImportError:
        print("Ray is not installed (pip install 'promptlight[ray]'): local engine only.", file=sys.stderr)
        wanted = [e for e in wanted if e == "local"]
    configs = [ENGINES[e] for e in wanted]
    # Load (and for a .gguf preset, convert into the cache) once before timing, so no engine pays for it.
    from promptlight.config import load_model_spec

    load_model_spec(args.model)
    rows = []
    for k, (label, extra) in enumerate(configs):
        rows.append(run_config(label, [*base, *extra, "--out", str(work / f"run{k}")], env))
    local = next((r for r in rows if r["label"] == "local"), rows[0])
    print(
        f"### promptlight batch: {args.model}, {args.method} at {args.granularity}, {args.rows} rows, {os.cpu_count()} CPUs\n"
    )
    print(
        "| engine | wall s | first row s | rows/min (whole run) | rows/min after the first row | x local (steady) | peak RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["steady"] / local["steady"] if local["steady"] else float("nan")  # to local, or the first row
        print(
            f"| {r['label']} | {r['wall']:.1f} | {r['first']:.1f} | {r['rows_per_min']:.1f} | {r['steady']:.1f} | {ratio:.2f} | {r['peak']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
