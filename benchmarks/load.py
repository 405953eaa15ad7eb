"""Load on a real ``promptlight serve`` process (the ``tiny`` model), over loopback only.

    .venv/bin/python benchmarks/load.py [--clients 50] [--requests 6] [--time-limit 240]

Starts the server on a free port of 127.0.0.1 with a fresh database, then runs ``--clients``
concurrent clients, each sending ``--requests`` requests that mix the three kinds of work:

- ``generate``: a greedy continuation of a prompt unique to the request (8 new tokens);
- ``salience``: grad_l2, grad_dot_input or occlusion over a short prompt and target;
- ``datapoint``: create a datapoint, edit it, and delete every third one.

A client that gets 429/503 waits ``Retry-After`` seconds (at most 5) and tries again, up to
``--retries`` times (default 1), as a well-behaved client would; every attempt is counted.

Meanwhile a monitor asks ``/api/health`` every 0.2 s. It prints throughput and p50/p95
latency per kind and counts the statuses, then checks (exit status 1 if any check fails):

1. every request was answered: 2xx, or 429/503 carrying ``Retry-After`` (a full model queue);
2. no datapoint was lost or duplicated: the rows of the run's dataset are exactly the
   acknowledged creates minus the acknowledged deletes, each with its last acknowledged edit;
3. ``/api/health`` answered 200 throughout the load.

Bounded: at most 200 clients x 100 requests, everything stops at ``--time-limit`` seconds
(at most 600), and the server only ever listens on 127.0.0.1. ``run_load(...)`` is the same
thing as a function (tests/integration/test_server_load_and_crash.py runs a smaller load).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, always
MAX_CLIENTS = 200
MAX_REQUESTS_PER_CLIENT = 100
MAX_TIME_LIMIT = 600.0
REPO = Path(__file__).resolve().parents[1]
KINDS = ("generate", "salience", "datapoint")
SALIENCE_METHODS = ("grad_l2", "grad_dot_input", "occlusion")


# --- the server process ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclasses.dataclass
class Server:
    """A running ``promptlight serve`` process on ``HOST:port``."""

    process: subprocess.Popen
    port: int
    db: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def launch_server(db: Path, log: Path, *, port: int | None = None, extra: tuple[str, ...] = ()) -> Server:
    """Start ``promptlight serve --models tiny`` on loopback (returns at once; see :func:`wait_ready`)."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMPTLIGHT_") or k == "PROMPTLIGHT_CACHE"}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    command = [sys.executable, "-m", "promptlight", "serve", "--models", "tiny", "--datasets", "sample_prompts",
               "--host", HOST, "--port", str(port), "--db", str(db), *extra]  # fmt: skip
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    return Server(process, port, db, log)


def wait_ready(server: Server, timeout: float = 180.0) -> None:
    """Block until the server's model is loaded; RuntimeError with the server's log otherwise."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            state = httpx.get(f"{server.url}/api/health", timeout=5).json()["models"]["tiny"]["state"]
        except (httpx.HTTPError, ValueError, KeyError):
            state = None
        if state == "loaded":
            return
        if state == "error":
            break
        time.sleep(0.1)
    raise RuntimeError(f"the server did not become ready within {timeout:g} s:\n{server.output()}")


def stop_server(server: Server, timeout: float = 30.0) -> None:
    """Ctrl-C, then SIGKILL if it does not stop in time."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextlib.contextmanager
def running_server(folder: Path, *, extra: tuple[str, ...] = ()) -> Iterator[Server]:
    server = launch_server(folder / "load.db", folder / "server.log", extra=extra)
    try:
        wait_ready(server)
        yield server
    finally:
        stop_server(server)


# --- the load ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (connection error or client timeout)
    seconds: float
    retry_after: bool = False
    error: str = ""
    final: bool = True  # False for an attempt that was retried


@dataclasses.dataclass
class LoadReport:
    clients: int
    requests_per_client: int
    wall_seconds: float
    answers: list[Answer]
    health: list[Answer]
    datapoint_rows: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def statuses(self) -> dict[str, collections.Counter]:
        out: dict[str, collections.Counter] = {kind: collections.Counter() for kind in KINDS}
        for a in self.answers:
            out[a.kind][a.status if a.status is not None else "no answer"] += 1
        return out

    def table(self) -> str:
        lines = [
            f"{self.clients} clients x {self.requests_per_client} requests against tiny on {HOST}: "
            f"{len(self.answers)} answers (retries included) in {self.wall_seconds:.1f} s "
            f"= {len(self.answers) / self.wall_seconds:.1f} answers/s",
            "",
            f"{'kind':<10} {'answers':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8}  statuses",
        ]
        for kind in (*KINDS, "health"):
            rows = self.health if kind == "health" else [a for a in self.answers if a.kind == kind]
            if not rows:
                continue
            times = sorted(a.seconds * 1000 for a in rows)
            counts = collections.Counter(a.status if a.status is not None else "no answer" for a in rows)
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
            lines.append(
                f"{kind:<10} {len(rows):>8} {len(rows) / self.wall_seconds:>7.1f} {_percentile(times, 50):>8.0f} "
                f"{_percentile(times, 95):>8.0f}  {shown}"
            )
        lines.append("")
        lines.append(f"datapoints at the end: {self.datapoint_rows} rows of the run's dataset")
        lines.append("checks: " + ("all passed" if self.ok else "FAILED\n  - " + "\n  - ".join(self.problems)))
        return "\n".join(lines)


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(q) - 1]


class _Ledger:
    """What the server acknowledged about datapoints: the truth the final rows must match."""

    def __init__(self) -> None:
        self.created: dict[str, str] = {}  # id -> prompt
        self.target: dict[str, str] = {}  # id -> last acknowledged target
        self.deleted: set[str] = set()


async def _client(
    http, client: int, requests: int, retries: int, dataset: str, ledger: _Ledger, answers: list[Answer]
) -> None:
    async def send(kind: str, method: str, path: str, body: dict | None = None):
        for attempt in range(retries + 1):
            began = time.monotonic()
            try:
                response = await http.request(method, path, json=body)
            except Exception as exc:  # noqa: BLE001 - any failure to get an answer is a finding
                answers.append(Answer(kind, None, time.monotonic() - began, error=f"{type(exc).__name__}: {exc}"))
                return None
            answer = Answer(kind, response.status_code, time.monotonic() - began, "retry-after" in response.headers)
            answers.append(answer)
            if response.status_code not in (429, 503) or attempt == retries or not answer.retry_after:
                return response
            answer.final = False
            try:
                wait = min(float(response.headers["retry-after"]), 5.0)
            except ValueError:
                wait = 1.0
            await asyncio.sleep(wait)
        return None  # pragma: no cover - the loop always returns

    sent = 0
    step = 0
    while sent < requests:
        kind = KINDS[(client + step) % len(KINDS)]
        step += 1
        tag = f"{client}-{step}"
        if kind == "generate":
            prompt = f"Guest {tag} cannot eat eggs. Tonight the kitchen suggests"
            await send(kind, "POST", "/api/generate", {"prompt": prompt, "max_new_tokens": 8})
            sent += 1
        elif kind == "salience":
            method = SALIENCE_METHODS[step % len(SALIENCE_METHODS)]
            body = {"prompt": f"Guest {tag}: I cannot eat eggs. Suggestion: quiche. Recommendation:",
                    "target": " Skip it.", "method": method, "granularity": "words"}  # fmt: skip
            await send(kind, "POST", "/api/salience", body)
            sent += 1
        else:
            prompt = f"load datapoint {tag}"
            created = await send(kind, "POST", "/api/datapoints", {"dataset": dataset, "prompt": prompt})
            sent += 1
            if created is None or created.status_code != 201:
                continue
            ident = created.json()["id"]
            ledger.created[ident] = prompt
            ledger.target[ident] = ""
            if sent >= requests:
                continue
            edited = await send(kind, "PUT", f"/api/datapoints/{ident}", {"target": f" edited {tag}"})
            sent += 1
            if edited is not None and edited.status_code == 200:
                ledger.target[ident] = f" edited {tag}"
            if step % 3 == 0 and sent < requests:
                gone = await send(kind, "DELETE", f"/api/datapoints/{ident}")
                sent += 1
                if gone is not None and gone.status_code == 204:
                    ledger.deleted.add(ident)


async def _monitor_health(http, stop: asyncio.Event, health: list[Answer]) -> None:
    while not stop.is_set():
        began = time.monotonic()
        try:
            response = await http.get("/api/health", timeout=10)
            health.append(Answer("health", response.status_code, time.monotonic() - began))
        except Exception as exc:  # noqa: BLE001
            health.append(Answer("health", None, time.monotonic() - began, error=f"{type(exc).__name__}: {exc}"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def _run(
    url: str, clients: int, requests: int, retries: int, time_limit: float
) -> tuple[list, list, _Ledger, float, str, bool]:
    import httpx

    dataset = f"load-{int(time.time())}"
    ledger = _Ledger()
    answers: list[Answer] = []
    health: list[Answer] = []
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=time_limit, limits=limits) as http:
        stop = asyncio.Event()
        monitor = asyncio.create_task(_monitor_health(http, stop, health))
        began = time.monotonic()
        tasks = [
            asyncio.create_task(_client(http, c, requests, retries, dataset, ledger, answers)) for c in range(clients)
        ]
        done, pending = await asyncio.wait(tasks, timeout=time_limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = time.monotonic() - began
        stop.set()
        await monitor
        for task in done:
            if task.exception() is not None:
                answers.append(Answer("datapoint", None, 0.0, error=repr(task.exception())))
        return answers, health, ledger, wall, dataset, bool(pending)


def _check(answers, health, ledger: _Ledger, rows: list[dict], timed_out: bool, expected: int) -> list[str]:
    problems: list[str] = []
    if timed_out:
        problems.append("the time limit was reached before every client finished")
    finished = sum(a.final for a in answers)
    if finished != expected:
        problems.append(f"{expected} requests were planned but {finished} finished")
    for a in answers:
        if a.status is None:
            problems.append(f"a {a.kind} request got no answer: {a.error}")
        elif a.status in (429, 503):
            if not a.retry_after:
                problems.append(f"a {a.kind} request got {a.status} without Retry-After")
        elif not 200 <= a.status < 300:
            problems.append(f"a {a.kind} request got {a.status}")
    if not health:
        problems.append("/api/health was never asked during the load")
    elif any(h.status != 200 for h in health):
        bad = [h.status if h.status is not None else h.error for h in health if h.status != 200]
        problems.append(f"/api/health did not answer 200 during the load: {bad[:5]}")
    ids = [r["id"] for r in rows]
    prompts = [r["prompt"] for r in rows]
    if len(set(ids)) != len(ids) or len(set(prompts)) != len(prompts):
        problems.append("a datapoint is duplicated")
    expected_ids = set(ledger.created) - ledger.deleted
    if set(ids) != expected_ids:
        lost = sorted(expected_ids - set(ids))
        extra = sorted(set(ids) - expected_ids)
        problems.append(f"datapoints lost {lost[:5]} or unexpected {extra[:5]}")
    for r in rows:
        if r["id"] in ledger.created and r["prompt"] != ledger.created[r["id"]]:
            problems.append(f"{r['id']} has prompt {r['prompt']!r}, expected {ledger.created[r['id']]!r}")
        if r["id"] in ledger.target and r["target"] != ledger.target[r["id"]]:
            problems.append(f"{r['id']} has target {r['target']!r}, expected {ledger.target[r['id']]!r}")
    return problems[:50]


def run_load(
    server_url: str, *, clients: int = 50, requests_per_client: int = 6, retries: int = 1, time_limit: float = 240.0
) -> LoadReport:
    """Run the load against a server already listening on ``HOST`` and check it (see the module docstring)."""
    import httpx

    if not server_url.startswith(f"http://{HOST}:"):
        raise ValueError(f"Load goes to loopback only ({HOST}), not {server_url!r}.")
    if not 1 <= clients <= MAX_CLIENTS or not 1 <= requests_per_client <= MAX_REQUESTS_PER_CLIENT:
        raise ValueError(f"clients must be 1..{MAX_CLIENTS} and requests 1..{MAX_REQUESTS_PER_CLIENT}.")
    time_limit = min(float(time_limit), MAX_TIME_LIMIT)
    # A thread of its own, so this works even where the caller's thread already runs an event
    # loop (Playwright's sync API in the same pytest session keeps one running).
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        answers, health, ledger, wall, dataset, timed_out = pool.submit(
            asyncio.run, _run(server_url, clients, requests_per_client, max(0, min(retries, 5)), time_limit)
        ).result()
    response = httpx.get(f"{server_url}/api/examples", params={"dataset": dataset, "limit": 10_000}, timeout=30)
    rows = response.json() if response.status_code == 200 else []
    if response.status_code == 404:  # no datapoint was ever acknowledged under this name
        rows = []
    problems = _check(answers, health, ledger, rows, timed_out, clients * requests_per_client)
    return LoadReport(clients, requests_per_client, wall, answers, health, len(rows), problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help=f"concurrent clients (1..{MAX_CLIENTS}, default 50)")
    parser.add_argument("--requests", type=int, default=6, help="requests per client (default 6)")
    parser.add_argument("--retries", type=int, default=1, help="retries of a 429/503 after Retry-After (0..5)")
    parser.add_argument("--time-limit", type=float, default=240.0, help="seconds for the whole load (max 600)")
    parser.add_argument("--queue-size", type=int, default=8, help="the server's queue_size setting (default 8)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="promptlight-load-") as folder:
        with running_server(Path(folder), extra=("--queue-size", str(args.queue_size))) as server:
            print(f"server: {server.url} (tiny, queue_size {args.queue_size})", flush=True)
            report = run_load(
                server.url,
                clients=args.clients,
                requests_per_client=args.requests,
                retries=args.retries,
                time_limit=args.time_limit,
            )
    print(report.table())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
