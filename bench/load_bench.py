"""Load: throughput and p50/p99 latency of the main endpoints of a real `attune serve` on loopback.

Starts `python -m attune serve` (waitress) on a temporary database seeded with two months
of debriefs through the API, then for each endpoint runs 50 client threads, each with
its own keep-alive `http.client` connection, bounded by a request count and a time limit.

Two load shapes per endpoint:
- closed loop: every client sends its next request as soon as the last one is answered
  (saturation: the server is never idle, so latency = queueing + service time);
- paced: every client sends one request every `--pace-ms` (what 50 live clients do;
  latency is the service time under that load).

    .venv/bin/python bench/load_bench.py [--clients 50] [--seconds 20] [--requests 20000]

writes the "load" section of bench/results/reliability.md. Target: p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from crash_bench import free_port, server_env, start_server  # noqa: E402
from results_md import update_section  # noqa: E402

TARGET_P99_MS = 20.0
FEELINGS = ("tired", "grateful", "anxious", "calm", "hurt", "hopeful")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: object = None


ENDPOINTS = [
    Endpoint("GET /api/v1/routine", "GET", "/api/v1/routine"),
    Endpoint("GET /api/v1/sessions", "GET", "/api/v1/sessions"),
    Endpoint("GET / (dashboard page)", "GET", "/"),
    Endpoint("POST /api/v1/entries", "POST", "/api/v1/entries",
             {"partner": "Alex", "kind": "note", "value": "load test note"}),
    Endpoint("POST /api/v1/events", "POST", "/api/v1/events",
             {"intent": "LogRitual", "slots": {"ritual": "walk"}, "partner": "Sam", "source": "cli"}),
]


def request(conn: http.client.HTTPConnection, method: str, path: str, body=None, key=None) -> int:
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def seed(port: int, days: int = 60) -> None:
    """Two months of debriefs (a session with 8 entries a night) and some promises."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = random.Random(1)
    for day in range(days):
        status = request(conn, "POST", "/api/v1/sessions", {"routine": "debrief", "status": "completed"})
        assert status == 201, status
    conn.request("GET", f"/api/v1/sessions?limit={days}")
    sessions = json.loads(conn.getresponse().read())["sessions"]
    for session in sessions:
        for kind in ("appreciation", "hardest", "feeling", "need", "request", "reflection", "heard", "win"):
            value = rng.choice(FEELINGS) if kind == "feeling" else f"{kind} words for night {session['id']}"
            request(conn, "POST", "/api/v1/entries", {"partner": rng.choice(["Alex", "Sam"]), "kind": kind,
                                                      "value": value, "session_id": session["id"]})
    for i in range(10):
        request(conn, "POST", "/api/v1/commitments", {"partner": "Sam", "what": f"promise {i}"})
    conn.close()


@dataclass
class Result:
    name: str
    shape: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_endpoint(port: int, endpoint: Endpoint, clients: int, seconds: float, max_requests: int,
                 pace_ms: float = 0.0) -> Result:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    budget = [max_requests]
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def take() -> bool:
        with lock:
            if budget[0] <= 0 or time.monotonic() >= stop_at[0]:
                return False
            budget[0] -= 1
            return True

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        mine: list[float] = []
        failed = 0
        start_gate.wait()
        next_at = time.monotonic() + (random.random() * pace_ms / 1000 if pace_ms else 0)
        while take():
            if pace_ms:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += pace_ms / 1000
            key = uuid.uuid4().hex if endpoint.method == "POST" else None
            t0 = time.perf_counter()
            try:
                status = request(conn, endpoint.method, endpoint.path, endpoint.body, key)
            except (OSError, http.client.HTTPException):
                status = 599
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t0) * 1000)
            if status >= 400:
                failed += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds + 60  # provisional, set properly once all are connected
    start_gate.wait()
    began = time.monotonic()
    stop_at[0] = began + seconds
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return Result(endpoint.name, f"paced {pace_ms:g} ms" if pace_ms else "closed loop", len(latencies), errors[0],
                  elapsed, latencies)


def table(results: list[Result]) -> str:
    lines = ["| endpoint | load | requests | errors | req/s | p50 ms | p99 ms | p99 < 20 ms |",
             "|---|---|---:|---:|---:|---:|---:|:---:|"]
    for r in results:
        lines.append(f"| {r.name} | {r.shape} | {r.requests} | {r.errors} | {r.rps:.0f} | {r.pct(0.50):.1f} | "
                     f"{r.pct(0.99):.1f} | {'yes' if r.pct(0.99) < TARGET_P99_MS else 'no'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per endpoint and shape")
    parser.add_argument("--requests", type=int, default=20000, help="request limit per endpoint and shape")
    parser.add_argument("--pace-ms", default="1000,100",
                        help="paced shapes: each client sends one request per this many ms (comma-separated)")
    parser.add_argument("--only", help="run only endpoints whose name contains this")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reliability.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    paces = [float(p) for p in str(args.pace_ms).split(",") if p.strip()]

    base = Path(tempfile.mkdtemp(prefix="attune-load-"))
    port = free_port()
    process = start_server(base / "attune.sqlite3", port, server_env(base), base / "serve.log")
    results: list[Result] = []
    try:
        seed(port)
        for endpoint in ENDPOINTS:
            if args.only and args.only not in endpoint.name:
                continue
            for pace in (0.0, *paces):
                result = run_endpoint(port, endpoint, args.clients, args.seconds, args.requests, pace)
                results.append(result)
                print(f"{result.name:28} {result.shape:14} {result.requests:6} req {result.rps:7.0f}/s "
                      f"p50 {result.pct(0.5):6.1f} ms  p99 {result.pct(0.99):6.1f} ms  errors {result.errors}",
                      flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        process.stdout.close()
    text = table(results)
    if not args.no_write:
        waitress_threads = re.search(r"threads=(\d+)", (ROOT / "server" / "cli.py").read_text())
        update_section(args.out, "load", "## Load (loopback, real `attune serve`)\n\n" + METHOD.format(
            clients=args.clients, seconds=args.seconds, requests=args.requests,
            pace=" and ".join(f"{p:g}" for p in paces), top=int(args.clients * 1000 / min(paces))) + "\n\n"
            + f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores "
              f"(shared with other work), waitress threads={waitress_threads.group(1) if waitress_threads else '?'}:"
              "\n\n" + text + "\n")
    return 0 if all(r.errors == 0 for r in results) else 1


METHOD = """Method (`bench/load_bench.py`): `attune serve` (waitress) on a temporary database seeded through the
API with 60 debrief sessions of 8 entries each and 10 promises. Per endpoint, {clients} client threads in one
process, each on its own keep-alive `http.client` connection, bounded by {requests} requests or {seconds:g} s.
"closed loop": each client sends its next request as soon as the previous answer arrives (saturation).
"paced N ms": each client sends one request every N ms ({pace} ms: {clients} clients at once offer
{clients} to {top} requests a second). Latency is measured
around one request/response in the client. POSTs carry a fresh Idempotency-Key each."""


if __name__ == "__main__":
    sys.exit(main())
