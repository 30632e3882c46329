"""The FastAPI application: validate, the standard's versions and schemas, rules, health, page."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, Annotated, Any, BinaryIO

import orjson
import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, Response

from ccstd import __version__
from ccstd.conformance import rules as _conformance_rules  # noqa: F401 (declares its codes)
from ccstd.service import openapi, page
from ccstd.service.body import BodyDecoder, BodyError, declared_gzip, new_spool, receive
from ccstd.service.config import ServiceConfig
from ccstd.service.logs import RequestLog
from ccstd.service.pool import BusyError, WorkerPool
from ccstd.service.problems import problem
from ccstd.service.protocol import with_head_deadline
from ccstd.service.validation import Bounds, LimitError, unreadable, validate_body, verdict
from ccstd.service.validation import Request as Options
from ccstd.standard.files import atomic_output
from ccstd.standard.findings import Severity, printable
from ccstd.standard.publishing.bundling import inline_entity
from ccstd.standard.reading import InputError, InputFormat
from ccstd.standard.registry import StandardRegistry, UnknownEntityError, UnknownVersionError
from ccstd.standard.reporting import REPORTERS
from ccstd.standard.results import ValidationResult
from ccstd.standard.rules import RULES

LOGGER = logging.getLogger("ccstd.service")
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})
_MEDIA = {"json": "application/json", "sarif": "application/sarif+json", "junit": "application/xml"}
_MAX_NAME = 200


class ReportFormat(enum.StrEnum):
    """Report formats of POST /v1/validate (the CLI's --format)."""

    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The service, with its limits, tokens and upload folder from `config`."""
    config = config or ServiceConfig()
    registry = StandardRegistry()
    pool = WorkerPool(config.limits.workers, config.limits.queue)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown()

    app = FastAPI(
        title="ccstd validation service",
        description="Validate Community Common Standard records over HTTP: the validator of "
        "`ccstd validate`, its options, limits and report model.",
        version=__version__,
        docs_url=None,  # the interactive pages load scripts from a CDN; the service loads none
        redoc_url=None,
        lifespan=lifespan,
    )
    app.openapi = functools.partial(openapi.openapi_document, app)  # type: ignore[method-assign]
    app.add_middleware(RequestLog, tokens=config.tokens)
    _add_error_handlers(app)
    _add_health_route(app, pool, config.limits.retry_after_seconds)
    _add_standard_routes(app, registry)
    _add_validate_route(app, config, registry, pool)
    return app


def server_config(config: ServiceConfig, log_level: str | None = None) -> uvicorn.Config:
    """How uvicorn runs the service (for `ccstd serve` and the tests alike)."""
    return uvicorn.Config(
        create_app(config),
        http=with_head_deadline(config.limits.head_timeout_seconds),
        limit_concurrency=config.limits.max_connections + 1,  # uvicorn counts the new one too
        timeout_keep_alive=min(5, config.limits.head_timeout_seconds),  # type: ignore[arg-type]
        root_path=config.root_path,
        lifespan="on",
        log_config=None,
        log_level=log_level,
        access_log=False,  # the service logs each request itself, without query strings
        server_header=False,
        timeout_graceful_shutdown=10,
    )


def listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket (OSError if the address cannot be had). Made with IPPROTO_TCP so
    that asyncio turns Nagle's algorithm off on each connection: with protocol 0 it leaves it
    on, and every answer written in two parts waits ~40 ms for the client's delayed ACK."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except (OSError, OverflowError):
        sock.close()
        raise
    return sock


def _rid(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _facts(request: Request) -> dict[str, Any]:
    facts: dict[str, Any] = request.scope.get("state", {}).get("log", {})
    return facts


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def bad_options(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return problem(400, f"{where}: {first.get('msg', 'invalid')}", _rid(request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail), _rid(request))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        LOGGER.error("request %s failed: %s", _rid(request), type(exc).__name__)
        return problem(500, "internal error; the log names this request id", _rid(request))


def _add_health_route(app: FastAPI, pool: WorkerPool, retry_after: int) -> None:
    @app.get(
        "/healthz",
        summary="Health and capacity: ok, busy (requests wait) or saturated (503); no token",
        responses=openapi.HEALTH_RESPONSES,
    )
    async def healthz() -> Response:
        status = health(pool)
        document = {"status": status, "version": __version__, "workers": pool.state()}
        headers = {"Ccstd-Health": status}
        if status == "saturated":
            headers["Retry-After"] = str(retry_after)
        code = 503 if status == "saturated" else 200
        return Response(orjson.dumps(document), code, headers, "application/json")


def health(pool: WorkerPool) -> str:
    """`ok` (a worker is free), `busy` (every worker busy, requests would wait in the queue) or
    `saturated` (the queue is full too: a validation now gets 503)."""
    if pool.saturated:
        return "saturated"
    return "busy" if pool.running >= pool.workers else "ok"


def _add_standard_routes(app: FastAPI, registry: StandardRegistry) -> None:
    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return HTMLResponse(page.HTML, headers=page.HEADERS)

    @app.get("/v1/standard", summary="Released versions of the standard and their entities")
    async def versions() -> dict[str, Any]:
        listed = [{"version": v, "entities": registry.get(v).entities} for v in registry.versions()]
        return {"latest": registry.latest(), "versions": listed}

    @app.get(
        "/v1/standard/{version}/schemas/{entity}",
        summary="An entity's schema, bundled: every $ref inlined (JSON Schema 2020-12)",
        responses=openapi.problem_responses(404),
    )
    async def schema(version: str, entity: str, request: Request) -> Response:
        try:
            document = _bundled(registry, version, entity)
        except (UnknownVersionError, UnknownEntityError) as exc:
            return problem(404, str(exc), _rid(request))
        return Response(document, media_type="application/schema+json")

    @app.get("/v1/rules", summary="Every finding code: severity, title, clause, level")
    async def rules() -> dict[str, Any]:
        return {"rules": [_rule_json(code) for code in sorted(RULES)]}


@functools.lru_cache(maxsize=64)
def _bundled(registry: StandardRegistry, version: str, entity: str) -> bytes:
    if version not in registry.versions():  # a released version: the draft is not served
        raise UnknownVersionError(printable(version)[:40], registry.versions())
    return orjson.dumps(inline_entity(registry.get(version), entity), option=orjson.OPT_INDENT_2)


def _rule_json(code: str) -> dict[str, Any]:
    rule = RULES[code]
    return {
        "code": rule.code,
        "severity": rule.severity.value,
        "title": rule.title,
        "description": rule.description,
        "clause": rule.clause,
        "level": rule.level.value,
        "profiles": list(rule.profiles),
    }


def _add_validate_route(
    app: FastAPI, config: ServiceConfig, registry: StandardRegistry, pool: WorkerPool
) -> None:
    @app.post(
        "/v1/validate",
        summary="Validate records (JSON or NDJSON, plain or gzip); the report and a verdict",
        openapi_extra=openapi.VALIDATE_BODY,
        responses={
            **openapi.REPORT_RESPONSES,
            **openapi.problem_responses(400, 401, 408, 413, 415, 503),
        },
    )
    async def validate(
        request: Request,
        standard: Annotated[
            str | None, Query(description="Validate every record against this version.")
        ] = None,
        entity_type: Annotated[
            str | None, Query(alias="type", description="Treat every record as this entity.")
        ] = None,
        check_references: Annotated[
            bool,
            Query(
                alias="checkReferences",
                description="Every typed reference must resolve within the body.",
            ),
        ] = False,
        fail_on: Annotated[
            Severity,
            Query(alias="failOn", description="Verdict 1 on a finding at or above this."),
        ] = Severity.ERROR,
        report_format: Annotated[
            ReportFormat, Query(alias="format", description="Report format.")
        ] = ReportFormat.JSON,
        name: Annotated[
            str,
            Query(
                max_length=_MAX_NAME,
                description="The file name findings give (e.g. the export's path in your repo).",
            ),
        ] = "body",
        max_findings: Annotated[
            int | None,
            Query(alias="maxFindings", ge=1, description="List at most N findings."),
        ] = None,
    ) -> Response:
        rid = _rid(request)
        chosen = _choices(registry, standard, entity_type)
        if chosen is not None:
            return problem(400, chosen, rid)
        refused = _refused_headers(request, config)
        if refused is not None:
            return problem(refused[0], refused[1], rid)
        limit = config.limits.max_findings
        options = Options(
            name=printable(name.replace("\\", "/")) or "body",
            standard=standard,
            entity_type=entity_type,
            check_references=check_references,
            fail_on=fail_on,
            input_format=_input_format(request),
            max_findings=min(max_findings or limit, limit),
        )
        return await _validate(request, options, report_format, config, registry, pool)


def _choices(
    registry: StandardRegistry, standard: str | None, entity_type: str | None
) -> str | None:
    """The one-line reason a version or type cannot be used (the CLI's exit 2), or None."""
    version = standard or registry.latest()
    try:
        entities = registry.get(version).entities
    except UnknownVersionError as exc:
        return printable(str(exc))
    if entity_type is not None and entity_type not in entities:
        return f"type {printable(entity_type)[:40]}: not an entity of standard {version}"
    return None


def _refused_headers(request: Request, config: ServiceConfig) -> tuple[int, str] | None:
    try:
        declared_gzip(request.headers.getlist("content-encoding"))
    except BodyError as exc:
        return exc.status, str(exc)
    length = request.headers.get("content-length", "")
    limit = config.limits.max_body_bytes
    if length.isdigit() and int(length) > limit:
        return 413, f"the body is larger than {limit:,} bytes"
    return None


def _input_format(request: Request) -> InputFormat:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return "ndjson" if media in NDJSON_TYPES else "auto"


async def _validate(
    request: Request,
    options: Options,
    report_format: ReportFormat,
    config: ServiceConfig,
    registry: StandardRegistry,
    pool: WorkerPool,
) -> Response:
    """Receive the whole body (no worker held while it arrives), then validate it in a worker."""
    rid, limits, facts = _rid(request), config.limits, _facts(request)
    started = time.monotonic()
    deadline = started + limits.timeout_seconds
    if pool.saturated:  # refused before the body is read: no bandwidth spent on it
        return _busy(rid, limits.retry_after_seconds)
    gzip = declared_gzip(request.headers.getlist("content-encoding"))  # checked: no error
    decoder = BodyDecoder(gzip, limits.max_body_bytes)
    spool = new_spool()
    handed_over = False
    try:
        received_by = started + min(limits.receive_timeout_seconds, limits.timeout_seconds)
        await _receive(request, decoder, spool, (pool, config.keep_uploads, rid), received_by)
        bounds = Bounds(limits.max_records, deadline, pool.stopping)
        work = _validation(spool, options, bounds, registry)
        future = await pool.submit(work, deadline - time.monotonic())
        handed_over = True  # the worker closes the spool when it is done with it
        future.add_done_callback(_outcome_seen)  # one given up on ends with nobody waiting
        result = await asyncio.wait_for(asyncio.shield(future), deadline - time.monotonic())
    except BusyError:
        return _busy(rid, limits.retry_after_seconds)
    except asyncio.CancelledError:  # shutting down, past the grace period: an answer, no trace
        stopping = "the service is stopping; retry later"
        return problem(503, stopping, rid, retry_after=limits.retry_after_seconds)
    except TimeoutError:
        return problem(408, "the request took longer than the time limit", rid)
    except LimitError as exc:
        retry = limits.retry_after_seconds if exc.status == 503 else None
        return problem(exc.status, exc.detail, rid, retry_after=retry)
    except BodyError as exc:
        return problem(exc.status, str(exc), rid)
    except (InputError, ClientDisconnect) as exc:
        return problem(400, str(exc) or "the client went away", rid)
    finally:
        if not handed_over:
            spool.close()
        facts.update(received=decoder.received, size=decoder.size)
    return _report(result, options, report_format, rid, facts)


def _busy(rid: str, retry_after: int) -> Response:
    return problem(503, "every worker is busy; retry later", rid, retry_after=retry_after)


async def _receive(
    request: Request,
    decoder: BodyDecoder,
    spool: IO[bytes],
    where: tuple[WorkerPool, Path | None, str],
    deadline: float,
) -> None:
    """The body into the spool by `deadline` (408 if not), counted in the pool's `receiving`;
    with --keep-uploads, a copy as sent is kept (whole or not at all)."""
    pool, keep_in, rid = where
    pool.receiving += 1
    try:
        with _kept_upload(keep_in, rid) as keep:
            async with asyncio.timeout_at(deadline):
                await receive(request.stream(), decoder, spool, keep)
    except TimeoutError:
        raise LimitError(408, "the body did not arrive within the time limit") from None
    except OSError as exc:  # no room for the spool or the kept copy (not the client's fault)
        LOGGER.error("request %s: cannot hold the body: %s", rid, exc.strerror or exc)
        raise LimitError(503, "no room to hold the body now; retry later") from None
    finally:
        pool.receiving -= 1


def _outcome_seen(future: asyncio.Future[ValidationResult]) -> None:
    if not future.cancelled():
        future.exception()


def _validation(
    spool: IO[bytes], options: Options, bounds: Bounds, registry: StandardRegistry
) -> Callable[[], ValidationResult]:
    """The work a validation worker does: the spooled body's records, checked; then the spool
    is closed (an unlinked temporary file is then gone)."""

    def work() -> ValidationResult:
        with spool:
            return validate_body(spool, options, bounds, registry)

    return work


@contextlib.contextmanager
def _kept_upload(folder: Path | None, rid: str) -> Iterator[BinaryIO | None]:
    """With --keep-uploads, the body as received goes to FOLDER/<request id>.<random>.upload
    (whole or not at all; a client's reused id never overwrites; dots in the id become `_`, so
    no name is hidden or odd); without it, nothing is written."""
    if folder is None:
        yield None
        return
    name = f"{rid.replace('.', '_')}.{secrets.token_hex(4)}.upload"
    with atomic_output(folder / name, private=True) as handle:
        yield handle


def _report(
    result: ValidationResult,
    options: Options,
    report_format: ReportFormat,
    rid: str,
    facts: dict[str, Any],
) -> Response:
    code = verdict(result, options.fail_on)
    counts = "/".join(str(result.count(s)) for s in Severity)
    facts.update(records=result.records, findings=counts, verdict=code)
    status = 422 if unreadable(result) else 200
    headers = {"Ccstd-Verdict": str(code)}
    if report_format is ReportFormat.JSON:
        document: dict[str, Any] = {"verdict": code, "requestId": rid}
        if status == 422:
            document["detail"] = _why_unreadable(result)
        document.update(orjson.loads(REPORTERS["json"](result)))
        body = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    else:
        body = REPORTERS[report_format.value](result)
    return Response(body, status, headers=headers, media_type=_MEDIA[report_format.value])


def _why_unreadable(result: ValidationResult) -> str:
    if not result.records or not result.findings:
        return "the body holds no records"
    first = result.findings[0]
    return f"no record could be read: {first.location.describe()}: {first.message}"


__all__ = ["ReportFormat", "create_app", "health", "listener", "server_config"]
