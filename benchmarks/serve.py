"""Service benchmark: `ccstd serve` against `ccstd validate` on the same files.

For each file, the CLI runs as a child process `--repeat` times (one vendor CI job per run:
start-up included), and the service (started once, on 127.0.0.1) answers the same file as
POST /v1/validate `--requests` times, one at a time and then `--concurrency` at a time. Figures:
requests per second and p50/p99 latency of each, and the ratios service / CLI. Reports are JSON
in both, with --check-references.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.generate import dataset

RESULTS = Path(__file__).parent / "results"
_LISTENING = re.compile(r"listening on (http://\S+?)/ ")


def percentile(values: list[float], share: float) -> float:
    """The `share` percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(latencies: list[float], wall: float) -> dict[str, float]:
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / wall, 2),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


def cli_runs(path: Path, repeat: int) -> dict[str, float]:
    command = [sys.executable, "-m", "ccstd.cli", "validate", str(path), "--check-references"]
    command += ["-q", "--format", "json", "--output", os.devnull]
    latencies = []
    started = time.perf_counter()
    for _ in range(repeat):
        began = time.perf_counter()
        if subprocess.run(command, check=False).returncode not in (0, 1):
            raise SystemExit(f"failed: {' '.join(command)}")
        latencies.append(time.perf_counter() - began)
    return figures(latencies, time.perf_counter() - started)


def service_runs(url: str, body: bytes, requests: int, concurrency: int) -> dict[str, float]:
    local = threading.local()  # one client (one kept-alive connection) per sending thread

    def one(_: int) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=600)
        began = time.perf_counter()
        answer = local.client.post("/v1/validate", params={"checkReferences": "true"}, content=body)
        if answer.status_code != 200:
            raise SystemExit(f"the service answered {answer.status_code}: {answer.text}")
        return time.perf_counter() - began

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(requests)))
    return figures(latencies, time.perf_counter() - started)


def start_service(workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    command = [sys.executable, "-m", "ccstd.cli", "serve", "--port", "0"]
    command += ["--workers", str(workers), "--queue", "256", "--log-level", "warning"]
    with log.open("ab") as stream:
        process = subprocess.Popen(command, stderr=stream, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = _LISTENING.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            try:
                httpx.get(found.group(1) + "/healthz", timeout=5).raise_for_status()
                return process, found.group(1)
            except httpx.HTTPError:
                pass
        if process.poll() is not None:
            raise SystemExit(f"ccstd serve exited: {log.read_text()}")
        time.sleep(0.1)
    raise SystemExit("ccstd serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--repeat", type=int, default=10, help="CLI runs per file")
    parser.add_argument("--requests", type=int, default=50, help="service requests per file")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    args = parser.parse_args()
    results: dict[str, Any] = {"workers": args.workers, "concurrency": args.concurrency}
    with tempfile.TemporaryDirectory() as work:
        process, url = start_service(args.workers, Path(work) / "serve.log")
        try:
            for size in args.sizes:
                path = dataset(size)
                body = path.read_bytes()
                row = {
                    "cli": cli_runs(path, args.repeat),
                    "service": service_runs(url, body, args.requests, 1),
                    "service_concurrent": service_runs(url, body, args.requests, args.concurrency),
                }
                results[f"{size}_records"] = row
                report(size, len(body), row, args.concurrency)
        finally:
            process.terminate()
            process.wait(30)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve-latest.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


def report(size: int, length: int, row: dict[str, dict[str, float]], concurrency: int) -> None:
    cli, one, many = row["cli"], row["service"], row["service_concurrent"]
    print(f"{size:,} records ({length / 1e6:.2f} MB), --check-references, JSON report")
    for label, got in (
        ("ccstd validate (a process per run)", cli),
        ("ccstd serve, one at a time", one),
        (f"ccstd serve, {concurrency} at a time", many),
    ):
        print(
            f"  {label:36} {got['requests_per_second']:8.2f} req/s"
            f"  p50 {got['p50_ms']:8.1f} ms  p99 {got['p99_ms']:8.1f} ms"
        )
    print(
        f"  service / CLI: req/s x{one['requests_per_second'] / cli['requests_per_second']:.2f}"
        f" (x{many['requests_per_second'] / cli['requests_per_second']:.2f} concurrent),"
        f" p50 x{one['p50_ms'] / cli['p50_ms']:.2f}, p99 x{one['p99_ms'] / cli['p99_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
