"""`ccstd serve` end to end in a child process: tokens, logs, uploads, start-up errors, stop."""

from __future__ import annotations

import gzip
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from ccstd.service.config import Tokens, load_tokens
from tests.service.conftest import (
    VENDOR_EXPORT,
    child_service,
    health_when,
    heavy_body,
    in_background,
)

TOKEN = "vendor-ci-token-0123456789abcdef"
OTHER = "city-portal-token-fedcba9876543210"


def test_tokens_gate_v1_and_never_reach_the_log(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# one per vendor\n{TOKEN}\n\n{OTHER}\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    with child_service("--token-file", str(tokens), log=log) as service:
        url = service.url
        body = VENDOR_EXPORT.read_bytes()
        assert httpx.post(url + "/v1/validate", content=body).status_code == 401
        assert httpx.get(url + "/v1/rules").status_code == 401
        wrong = httpx.get(url + "/v1/rules", headers={"Authorization": f"Bearer {TOKEN}x"})
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
        basic = httpx.get(url + "/v1/rules", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        for token in (TOKEN, OTHER):
            ok = httpx.post(
                url + "/v1/validate",
                content=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert ok.status_code == 200 and ok.json()["verdict"] == 1
        assert httpx.get(url + "/healthz").status_code == 200
        assert httpx.get(url + "/").status_code == 200
    text = log.read_text(encoding="utf-8")
    assert TOKEN[:12] not in text and OTHER[:12] not in text
    assert text.count(" 401 ") == 4 and "POST /v1/validate 200" in text


def test_logs_hold_counts_not_content(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    body = VENDOR_EXPORT.read_bytes()
    limits = ("--receive-timeout", "30", "--header-timeout", "0.5")
    with child_service(*limits, log=log, env={"TMPDIR": str(scratch)}) as service:
        assert "300 s per request, 30 s per upload" in service.log_text()
        where = urlsplit(service.url)
        with socket.create_connection((str(where.hostname), int(where.port or 0))) as slow:
            slow.sendall(b"GET /healthz HTTP/1.1\r\n")  # and nothing more
            assert slow.recv(100).startswith(b"HTTP/1.1 408 ")
        answer = httpx.post(
            service.url + "/v1/validate",
            params={"name": "exports/zhang-san-13912345678.ndjson", "checkReferences": "true"},
            content=body,
            headers={"X-Request-Id": "ci-run-42"},
        )
        assert answer.status_code == 200 and answer.headers["X-Request-Id"] == "ci-run-42"
        assert answer.json()["findings"][0]["file"] != "exports/zhang-san-13912345678.ndjson"
        phone_id = httpx.get(service.url + "/healthz", headers={"X-Request-Id": "u13912345678"})
        assert phone_id.headers["X-Request-Id"] != "u13912345678"
        assert list(scratch.iterdir()) == []  # nothing of the upload left on disk
    line = next(t for t in log.read_text(encoding="utf-8").splitlines() if "ci-run-42" in t)
    assert f"received={len(body)} size={len(body)} records=16 findings=9/1/0 verdict=1" in line
    values = {s.decode() for s in re.findall(rb'"([^"]{6,})"', body)}  # keys and values
    assert "nationalId" in values
    leaked = [v for v in values if v in log.read_text(encoding="utf-8")]
    assert not leaked
    assert "13912345678" not in log.read_text(encoding="utf-8")
    assert "checkReferences" not in log.read_text(encoding="utf-8")  # no query strings


def test_keep_uploads_keeps_the_body_as_sent(tmp_path: Path) -> None:
    kept = tmp_path / "uploads"
    kept.mkdir()
    body = VENDOR_EXPORT.read_bytes()
    with child_service("--keep-uploads", str(kept), log=tmp_path / "log") as service:
        answer = httpx.post(service.url + "/v1/validate", content=body)
        rid = answer.headers["X-Request-Id"]
        again = {"X-Request-Id": "reused"}
        for data in (b"{}", b"[]"):
            httpx.post(service.url + "/v1/validate", content=data, headers=again)
        packed = gzip.compress(body)
        httpx.post(service.url + "/v1/validate", content=packed, headers=again)
        dotted = httpx.post(
            service.url + "/v1/validate", content=b"{}", headers={"X-Request-Id": ".."}
        )
        assert dotted.headers["X-Request-Id"] == ".."
        refused = httpx.post(service.url + "/v1/validate", params={"type": "Nope"}, content=body)
        assert refused.status_code == 400
    names = sorted(p.name for p in kept.iterdir())
    assert len(names) == 5 and all(re.fullmatch(r"[\w-]+\.[0-9a-f]{8}\.upload", n) for n in names)
    mine = [p for p in kept.iterdir() if p.name.startswith(rid + ".")]
    assert len(mine) == 1 and mine[0].read_bytes() == body
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in kept.iterdir())  # personal data
    reused = {p.read_bytes() for p in kept.iterdir() if p.name.startswith("reused.")}
    assert reused == {b"{}", b"[]", packed}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--token-file", "missing-tokens"], "missing-tokens: cannot read the token file"),
        (["--keep-uploads", "no-such-folder"], "--keep-uploads needs an existing folder"),
        (["--log-level", "loud"], "--log-level loud"),
        (["--host", "999.1.1.1"], "cannot listen on 999.1.1.1"),
    ],
)
def test_start_up_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], said: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ccstd.cli", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("ccstd: error: ") and said in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_taken_port_and_weak_tokens(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = str(taken.getsockname()[1])
    done = subprocess.run(
        [sys.executable, "-m", "ccstd.cli", "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    taken.close()
    assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in done.stderr
    weak = tmp_path / "tokens"
    weak.write_text("short\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"tokens:1: a token is one word of at least 16"):
        load_tokens(weak)
    weak.write_text(f"\ufeff{TOKEN}\r\n", encoding="utf-8")  # a BOM and CRLF, from Notepad
    assert load_tokens(weak).accepts(TOKEN)
    weak.write_text("# none\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holds no token"):
        load_tokens(weak)


def test_tokens_are_compared_whole(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{TOKEN}\n{OTHER}\n", encoding="utf-8")
    tokens = load_tokens(path)
    assert tokens.required and tokens.accepts(TOKEN) and tokens.accepts(OTHER)
    for near in (TOKEN[:-1], TOKEN + "0", TOKEN.upper(), "", " " + TOKEN, TOKEN[:16]):
        assert not tokens.accepts(near)
    assert TOKEN not in repr(tokens) and not Tokens().required


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stops_cleanly_on_a_signal(tmp_path: Path, sent: signal.Signals, code: int) -> None:
    with child_service(log=tmp_path / "log") as service:
        assert httpx.get(service.url + "/healthz").status_code == 200
        service.process.send_signal(sent)
        assert service.process.wait(30) == code
    assert "Traceback" not in service.log_text()


@pytest.mark.slow
def test_sigterm_stops_a_long_validation_after_the_grace_period(tmp_path: Path) -> None:
    """Uvicorn waits 10 s for requests in flight; then the pool tells its workers to stop, so a
    validation of minutes does not keep the process alive (its thread would be joined at exit)."""
    with child_service(log=tmp_path / "log", env={"TMPDIR": str(tmp_path)}) as service:
        body = heavy_body()  # ~150 MB unpacked: well over a minute of validation here
        in_background(lambda: httpx.post(service.url + "/v1/validate", content=body, timeout=120))
        health_when(service.url, lambda h: h["workers"]["busy"] == 1)
        started = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        assert service.process.wait(60) == 143
        assert time.monotonic() - started < 20
    assert "Traceback" not in service.log_text()


def files_of_at_most_2_mib() -> None:
    """In the child: writing past 2 MiB fails with EFBIG (as a full disk fails with ENOSPC)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_no_room_for_a_body_is_503_not_500(tmp_path: Path) -> None:
    record = VENDOR_EXPORT.read_bytes().splitlines(keepends=True)[0]
    big = record * ((3 << 20) // len(record))
    with child_service(log=tmp_path / "log", preexec=files_of_at_most_2_mib) as service:
        answer = httpx.post(service.url + "/v1/validate", content=big, timeout=60)
        assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
        assert "no room to hold the body" in answer.json()["detail"]
        assert httpx.post(service.url + "/v1/validate", content=record).status_code == 200
    assert "Traceback" not in service.log_text()


def test_silent_connections_are_closed_after_the_header_timeout(tmp_path: Path) -> None:
    """Connections that never send a byte must not fill --max-connections for ever."""
    limits = ("--max-connections", "5", "--header-timeout", "1")
    with child_service(*limits, log=tmp_path / "log") as service:
        where = urlsplit(service.url)
        silent = [socket.create_connection((where.hostname, where.port)) for _ in range(5)]
        time.sleep(0.3)
        assert httpx.get(service.url + "/healthz", timeout=10).status_code == 503  # all taken
        started = time.monotonic()
        for connection in silent:
            connection.settimeout(10)
            assert connection.recv(100) == b""  # closed, with nothing written to it
            connection.close()
        assert time.monotonic() - started < 3
        with socket.create_connection((where.hostname, where.port), timeout=10) as kept:
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            answer, idle = b"", time.monotonic()
            while chunk := kept.recv(65536):  # kept alive, then idle: the service closes it
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200") and time.monotonic() - idle < 3
