"""A bounded load test of `ccstd serve` on 127.0.0.1: 200 requests, 8 at a time. No error, no
request lost (every answer is whole and the log has one line per request), memory flat."""

from __future__ import annotations

import gzip
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.generate import generate
from tests.service.conftest import child_service

REQUESTS, CONCURRENT, WARM_UP = 200, 8, 40
RECORDS = 200


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert found
    return int(found.group(1))


def test_200_requests_8_at_a_time(tmp_path: Path) -> None:
    data = generate(tmp_path / "records.ndjson", RECORDS).read_bytes()
    bodies = [(data, {}), (gzip.compress(data), {"Content-Encoding": "gzip"})]
    formats = ["json", "sarif", "junit", "json"]
    local = threading.local()
    log = tmp_path / "serve.log"
    with child_service("--workers", "4", "--queue", "64", log=log) as service:

        def one(n: int) -> tuple[int, str, int | None]:
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=service.url, timeout=120)
            body, headers = bodies[n % 2]
            answer = local.client.post(
                "/v1/validate",
                params={"format": formats[n % 4], "checkReferences": str(n % 3 == 0).lower()},
                content=body,
                headers={**headers, "X-Request-Id": f"load-{n}"},
            )
            records = answer.json()["summary"]["records"] if formats[n % 4] == "json" else None
            assert answer.headers["X-Request-Id"] == f"load-{n}"
            return answer.status_code, answer.headers["Ccstd-Verdict"], records

        with ThreadPoolExecutor(CONCURRENT) as pool:
            first = list(pool.map(one, range(WARM_UP)))
            after_warm_up = rss_kib(service.process.pid)
            rest = list(pool.map(one, range(WARM_UP, REQUESTS)))
            at_end = rss_kib(service.process.pid)
    answers = first + rest
    assert len(answers) == REQUESTS
    assert {status for status, _, _ in answers} == {200}
    assert {verdict for _, verdict, _ in answers} == {"1"}  # ~1% of the records are broken
    assert {records for _, _, records in answers if records is not None} == {RECORDS}
    lines = [t for t in log.read_text(encoding="utf-8").splitlines() if "request load-" in t]
    assert len(lines) == REQUESTS and all(" 200 " in t for t in lines)
    grown = (at_end - after_warm_up) / 1024
    assert grown < 16, f"memory grew {grown:.1f} MiB over {REQUESTS - WARM_UP} requests"
