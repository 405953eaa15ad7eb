"""Load on a real ``promptlight serve`` process (the ``tiny`` model), over loopback only.

    .venv/bin/python benchmarks/load.py [--clients 100] [--duration 60] [--requests N] [--time-limit 240]

Starts the server on a free port of 127.0.0.1 with a fresh database, then runs ``--clients``
concurrent clients, each sending requests for ``--duration`` seconds (or exactly
``--requests`` requests each, when that is given) that mix the three kinds of work:

- ``generate``: a greedy continuation of a prompt unique to the request (8 new tokens);
- ``salience``: grad_l2, grad_dot_input or occlusion over a short prompt and target;
- ``datapoint``: create a datapoint, edit it, and delete every third one.

A client that gets 429/503 waits ``Retry-After`` seconds (at most 5) and tries again, up to
``--retries`` times (default 1), as a well-behaved client would; every attempt is counted.

Meanwhile a monitor asks ``/api/health`` every 0.2 s and another samples the server's resident
memory (RSS) every 0.1 s. It prints throughput, p50/p95/p99 latency and statuses per route, the
errors, and the server's RSS before the load, at its peak and 15 s after the load ended (idle),
then checks (exit status 1 if any check fails):

1. every request was answered (in ``--requests`` mode: exactly the planned number): 2xx, or 429/503 carrying ``Retry-After`` (a full model queue);
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
    route: str
    status: int | None  # None: no answer (connection error or client timeout)
    seconds: float
    retry_after: bool = False
    error: str = ""
    final: bool = True  # False for an attempt that was retried


@dataclasses.dataclass
class LoadReport:
    clients: int
    requests_per_client: int | None  # None: clients ran for a duration instead
    wall_seconds: float
    answers: list[Answer]
    health: list[Answer]
    datapoint_rows: int
    problems: list[str]
    rss: Rss | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def statuses(self) -> dict[str, collections.Counter]:
        out: dict[str, collections.Counter] = {kind: collections.Counter() for kind in KINDS}
        for a in self.answers:
            out[a.kind][a.status if a.status is not None else "no answer"] += 1
        return out

    def table(self) -> str:
        plan = (
            f"{self.requests_per_client} requests" if self.requests_per_client is not None else "as many requests as fit"
        )
        lines = [
            f"{self.clients} clients x {plan} against tiny on {HOST}: "
            f"{len(self.answers)} answers (retries included) in {self.wall_seconds:.1f} s "
            f"= {len(self.answers) / self.wall_seconds:.1f} answers/s",
            "",
            f"{'route':<28} {'answers':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses",
        ]
        routes = sorted({a.route for a in self.answers})
        for route in (*routes, "GET /api/health"):
            rows = self.health if route == "GET /api/health" else [a for a in self.answers if a.route == route]
            if not rows:
                continue
            times = sorted(a.seconds * 1000 for a in rows)
            counts = collections.Counter(a.status if a.status is not None else "no answer" for a in rows)
            shown = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))
            p50, p95, p99 = (_percentile(times, q) for q in (50, 95, 99))
            lines.append(
                f"{route:<28} {len(rows):>8} {len(rows) / self.wall_seconds:>7.1f} "
                f"{p50:>8.0f} {p95:>8.0f} {p99:>8.0f}  {shown}"
            )
        errors = collections.Counter(a.error for a in (*self.answers, *self.health) if a.error)
        lines.append("")
        lines.append("errors (no answer): " + ("none" if not errors else ""))
        lines.extend(f"  {count} x {error}" for error, count in errors.most_common(5))
        lines.append(f"datapoints at the end: {self.datapoint_rows} rows of the run's dataset")
        if self.rss is not None:
            lines.append(self.rss.line())
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


@dataclasses.dataclass
class Rss:
    """The server process's resident memory in bytes: before the load, its peak, and after it."""

    before: int
    peak: int
    after: int
    after_seconds: float

    def line(self) -> str:
        mib = 1024 * 1024
        return (
            f"server RSS: {self.before / mib:.0f} MiB before, {self.peak / mib:.0f} MiB peak, "
            f"{self.after / mib:.0f} MiB {self.after_seconds:g} s after the load"
        )


def rss_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux ``/proc``); 0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


async def _sample_rss(pid: int, stop: asyncio.Event, peak: list[int]) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def _client(
    http,
    client: int,
    requests: int | None,
    deadline: float,
    retries: int,
    dataset: str,
    ledger: _Ledger,
    answers: list[Answer],
) -> None:
    async def send(kind: str, method: str, path: str, body: dict | None = None):
        route = f"{method} {path if kind != 'datapoint' or method == 'POST' else '/api/datapoints/{id}'}"
        for attempt in range(retries + 1):
            began = time.monotonic()
            try:
                response = await http.request(method, path, json=body)
            except Exception as exc:  # noqa: BLE001 - any failure to get an answer is a finding
                answers.append(
                    Answer(kind, route, None, time.monotonic() - began, error=f"{type(exc).__name__}: {exc}")
                )
                return None
            answer = Answer(
                kind, route, response.status_code, time.monotonic() - began, "retry-after" in response.headers
            )
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

    def more(sent: int) -> bool:
        return sent < requests if requests is not None else time.monotonic() < deadline

    sent = 0
    step = 0
    while more(sent):
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
            if not more(sent):
                continue
            edited = await send(kind, "PUT", f"/api/datapoints/{ident}", {"target": f" edited {tag}"})
            sent += 1
            if edited is not None and edited.status_code == 200:
                ledger.target[ident] = f" edited {tag}"
            if step % 3 == 0 and more(sent):
                gone = await send(kind, "DELETE", f"/api/datapoints/{ident}")
                sent += 1
                if gone is not None and gone.status_code == 204:
                    ledger.deleted.add(ident)


async def _monitor_health(http, stop: asyncio.Event, health: list[Answer]) -> None:
    while not stop.is_set():
        began = time.monotonic()
        try:
            response = await http.get("/api/health", timeout=10)
            health.append(Answer("health", "GET /api/health", response.status_code, time.monotonic() - began))
        except Exception as exc:  # noqa: BLE001
            error = f"{type(exc).__name__}: {exc}"
            health.append(Answer("health", "GET /api/health", None, time.monotonic() - began, error=error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def _run(
    url: str, clients: int, requests: int | None, duration: float, retries: int, time_limit: float, pid: int | None
) -> tuple[list, list, _Ledger, float, str, bool, int]:
    import httpx

    dataset = f"load-{int(time.time())}"
    ledger = _Ledger()
    answers: list[Answer] = []
    health: list[Answer] = []
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=time_limit, limits=limits) as http:
        stop = asyncio.Event()
        monitor = asyncio.create_task(_monitor_health(http, stop, health))
        peak = [rss_bytes(pid) if pid else 0]
        sampler = asyncio.create_task(_sample_rss(pid, stop, peak)) if pid else None
        began = time.monotonic()
        deadline = began + duration
        tasks = [
            asyncio.create_task(_client(http, c, requests, deadline, retries, dataset, ledger, answers))
            for c in range(clients)
        ]
        done, pending = await asyncio.wait(tasks, timeout=time_limit)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        wall = time.monotonic() - began
        stop.set()
        await monitor
        if sampler is not None:
            await sampler
        for task in done:
            if task.exception() is not None:
                answers.append(Answer("datapoint", "client", None, 0.0, error=repr(task.exception())))
        return answers, health, ledger, wall, dataset, bool(pending), peak[0]


def _check(
    answers, health, ledger: _Ledger, rows: list[dict], timed_out: bool, expected: int | None
) -> list[str]:
    problems: list[str] = []
    if timed_out:
        problems.append("the time limit was reached before every client finished")
    finished = sum(a.final for a in answers)
    if expected is not None and finished != expected:
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
    server_url: str,
    *,
    clients: int = 50,
    requests_per_client: int | None = 6,
    duration: float = 60.0,
    retries: int = 1,
    time_limit: float = 240.0,
    server_pid: int | None = None,
    settle_seconds: float = 15.0,
) -> LoadReport:
    """Run the load against a server already listening on ``HOST`` and check it (see the module docstring).

    ``requests_per_client=None`` runs every client for ``duration`` seconds instead. With
    ``server_pid`` the report carries the process's RSS before, at peak and ``settle_seconds``
    after the load.
    """
    import httpx

    if not server_url.startswith(f"http://{HOST}:"):
        raise ValueError(f"Load goes to loopback only ({HOST}), not {server_url!r}.")
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be 1..{MAX_CLIENTS}, not {clients}.")
    if requests_per_client is not None and not 1 <= requests_per_client <= MAX_REQUESTS_PER_CLIENT:
        raise ValueError(f"requests must be 1..{MAX_REQUESTS_PER_CLIENT}, not {requests_per_client}.")
    time_limit = min(float(time_limit), MAX_TIME_LIMIT)
    if requests_per_client is None and not 0 < duration < time_limit:
        raise ValueError(f"duration must be above 0 and under the time limit ({time_limit:g} s), not {duration:g}.")
    before = rss_bytes(server_pid) if server_pid else 0
    # A thread of its own, so this works even where the caller's thread already runs an event
    # loop (Playwright's sync API in the same pytest session keeps one running).
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        answers, health, ledger, wall, dataset, timed_out, peak = pool.submit(
            asyncio.run,
            _run(
                server_url, clients, requests_per_client, duration, max(0, min(retries, 5)), time_limit, server_pid
            ),
        ).result()
    rss = None
    if server_pid:
        time.sleep(settle_seconds)
        rss = Rss(before, peak, rss_bytes(server_pid), settle_seconds)
    response = httpx.get(f"{server_url}/api/examples", params={"dataset": dataset, "limit": 10_000}, timeout=30)
    rows = response.json() if response.status_code == 200 else []
    if response.status_code == 404:  # no datapoint was ever acknowledged under this name
        rows = []
    expected = clients * requests_per_client if requests_per_client is not None else None
    problems = _check(answers, health, ledger, rows, timed_out, expected)
    return LoadReport(clients, requests_per_client, wall, answers, health, len(rows), problems, rss)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100, help=f"concurrent clients (1..{MAX_CLIENTS}, default 100)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds each client keeps sending (default 60)")
    parser.add_argument("--requests", type=int, default=None, help="exactly this many requests per client instead")
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
                duration=args.duration,
                retries=args.retries,
                time_limit=args.time_limit,
                server_pid=server.process.pid,
            )
    print(report.table())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
