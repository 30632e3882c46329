"""`ccstd serve`: the validator as an HTTP service for vendors without Python (docs/service.md)."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from ccstd.cli.errors import fail
from ccstd.service.config import (
    ConfigError,
    Limits,
    ServiceConfig,
    Tokens,
    check_upload_folder,
    load_tokens,
)

EPILOG = (
    "Exit codes: 0 = stopped (Ctrl-C gives 130, SIGTERM 143, after the requests in flight); "
    "2 = could not start (bad option, unreadable token file, address in use)."
)
_MB = 1024 * 1024


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0 = any free one).")
    ] = 8080,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Validations running at once.")
    ] = max(1, min(4, os.cpu_count() or 1)),
    queue: Annotated[
        int,
        typer.Option("--queue", min=0, help="Requests that may wait for a worker; more get 503."),
    ] = 16,
    max_body_mb: Annotated[
        int, typer.Option("--max-body-mb", min=1, help="Body size limit, after decompression.")
    ] = 200,
    max_records: Annotated[
        int, typer.Option("--max-records", min=1, help="Records per request.")
    ] = 1_000_000,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds a request may take.")
    ] = 300.0,
    receive_timeout: Annotated[
        float,
        typer.Option(
            "--receive-timeout",
            min=0.1,
            help="Seconds a body may take to arrive (a slow upload holds no worker meanwhile).",
        ),
    ] = 60.0,
    header_timeout: Annotated[
        float,
        typer.Option("--header-timeout", min=0.1, help="Seconds a request's headers may take."),
    ] = 10.0,
    max_connections: Annotated[
        int,
        typer.Option("--max-connections", min=1, help="Connections open at once; more get 503."),
    ] = 1000,
    max_findings: Annotated[
        int, typer.Option("--max-findings", min=1, help="Findings listed per report.")
    ] = 1000,
    token_file: Annotated[
        Path | None,
        typer.Option("--token-file", help="API tokens, one per line: /v1/* then needs one."),
    ] = None,
    keep_uploads: Annotated[
        Path | None,
        typer.Option("--keep-uploads", metavar="DIR", help="Keep each body as sent, in DIR."),
    ] = None,
    root_path: Annotated[
        str, typer.Option("--root-path", help="URL prefix when served behind a reverse proxy.")
    ] = "",
    log_level: Annotated[
        str, typer.Option("--log-level", help="debug, info, warning or error.")
    ] = "info",
    print_openapi: Annotated[
        bool, typer.Option("--print-openapi", help="Print the OpenAPI document and exit.")
    ] = False,
) -> None:
    """Serve the validator over HTTP: POST /v1/validate, a page at /, OpenAPI at /openapi.json."""
    if print_openapi:
        typer.echo(openapi_text(), nl=False)
        return
    limits = Limits(
        max_body_bytes=max_body_mb * _MB,
        max_records=max_records,
        timeout_seconds=timeout,
        receive_timeout_seconds=receive_timeout,
        head_timeout_seconds=header_timeout,
        max_connections=max_connections,
        workers=workers,
        queue=queue,
        max_findings=max_findings,
    )
    try:
        tokens = load_tokens(token_file) if token_file else Tokens()
        kept = check_upload_folder(keep_uploads) if keep_uploads else None
    except ConfigError as exc:
        fail(str(exc))
    if log_level.lower() not in ("debug", "info", "warning", "error"):
        fail(f"--log-level {log_level}: give debug, info, warning or error")
    config = ServiceConfig(limits, tokens, kept, root_path.rstrip("/"))
    listener = _listen(host, port)
    _run(config, listener, log_level.lower())


def openapi_text() -> str:
    """The service's OpenAPI 3.1 document, as published in docs/openapi.json."""
    from ccstd.service.app import create_app

    document = create_app().openapi()
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a taken port is a one-line error."""
    from ccstd.service.app import listener

    try:
        return listener(host, port)
    except (OSError, OverflowError) as exc:
        fail(f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}")


def _run(config: ServiceConfig, listener: socket.socket, log_level: str) -> None:
    import uvicorn

    from ccstd.service.app import server_config

    logging.basicConfig(
        stream=sys.stderr,
        level=log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    limits = config.limits
    typer.echo(
        f"ccstd serve: listening on http://{shown}:{port}{config.root_path}/ "
        f"({limits.workers} workers, {limits.queue} may wait, body <= "
        f"{limits.max_body_bytes // _MB} MB, <= {limits.max_records:,} records, "
        f"{limits.timeout_seconds:g} s per request, {limits.receive_timeout_seconds:g} s per "
        f"upload, tokens {'required' if config.tokens.required else 'off'}, uploads "
        f"{'kept' if config.keep_uploads else 'not kept'})",
        err=True,
    )
    if not config.tokens.required and not ipaddress.ip_address(host).is_loopback:
        typer.echo(
            "ccstd serve: warning: reachable beyond this machine and no --token-file: anyone who "
            "reaches the port can use it",
            err=True,
        )
    server = uvicorn.Server(server_config(config, log_level))
    server.run(sockets=[listener])
