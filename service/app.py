"""The FastAPI application: validate, the standard's versions and schemas, rules, health, page."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import enum
import functools
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse, Response

from ccstd import __version__
from ccstd.conformance import rules as _conformance_rules  # noqa: F401 (declares its codes)
from ccstd.service import openapi, page
from ccstd.service.body import BodyError, BodyReader
from ccstd.service.config import ServiceConfig
from ccstd.service.logs import RequestLog
from ccstd.service.pool import BusyError, WorkerPool
from ccstd.service.problems import problem
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
    _add_standard_routes(app, registry)
    _add_validate_route(app, config, registry, pool)
    return app


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


def _add_standard_routes(app: FastAPI, registry: StandardRegistry) -> None:
    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        return HTMLResponse(page.HTML, headers=page.HEADERS)

    @app.get("/healthz", summary="Liveness: answers while the process serves (no token needed)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

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
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        return 415, "Content-Encoding: only gzip (or none) is accepted"
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
    rid, limits, facts = _rid(request), config.limits, _facts(request)
    deadline = time.monotonic() + limits.timeout_seconds
    cancelled = threading.Event()
    gzip = "gzip" in request.headers.get("content-encoding", "").lower()
    next_chunk = _chunk_puller(request, deadline, cancelled, asyncio.get_running_loop())
    bounds = Bounds(limits.max_records, deadline, cancelled)
    readers: list[BodyReader] = []

    def work() -> ValidationResult:
        with _kept_upload(config.keep_uploads, rid) as keep:
            reader = BodyReader(next_chunk, gzip, limits.max_body_bytes, keep)
            readers.append(reader)
            return validate_body(reader, options, bounds, registry)

    try:
        future = await pool.submit(work, deadline - time.monotonic())
        result = await asyncio.wait_for(asyncio.shield(future), deadline - time.monotonic())
    except BusyError:
        retry = limits.retry_after_seconds
        return problem(503, "every worker is busy; retry later", rid, retry_after=retry)
    except TimeoutError:
        return problem(408, "the request took longer than the time limit", rid)
    except LimitError as exc:
        return problem(exc.status, exc.detail, rid)
    except BodyError as exc:
        return problem(exc.status, str(exc), rid)
    except (InputError, ClientDisconnect) as exc:
        return problem(400, str(exc) or "the client went away", rid)
    finally:
        cancelled.set()
        if readers:
            facts.update(received=readers[0].received, size=readers[0].size)
    return _report(result, options, report_format, rid, facts)


def _chunk_puller(
    request: Request,
    deadline: float,
    cancelled: threading.Event,
    loop: asyncio.AbstractEventLoop,
) -> Any:
    """The validating thread's way to get the next body chunk from the event loop, on demand."""
    stream = request.stream()

    async def next_or_none() -> bytes | None:
        return await anext(stream, None)

    def next_chunk() -> bytes | None:
        remaining = deadline - time.monotonic()
        if cancelled.is_set() or remaining <= 0:
            raise LimitError(408, "the request took longer than the time limit")
        pending = asyncio.run_coroutine_threadsafe(next_or_none(), loop)
        try:
            return pending.result(timeout=remaining)
        except concurrent.futures.TimeoutError:
            pending.cancel()
            raise LimitError(408, "the body did not arrive within the time limit") from None

    return next_chunk


@contextlib.contextmanager
def _kept_upload(folder: Path | None, rid: str) -> Iterator[BinaryIO | None]:
    """With --keep-uploads, the body as received goes to FOLDER/<request id>.<random>.upload
    (whole or not at all; a client's reused id never overwrites); without it, nothing is
    written."""
    if folder is None:
        yield None
        return
    with atomic_output(folder / f"{rid}.{secrets.token_hex(4)}.upload", private=True) as handle:
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


__all__ = ["ReportFormat", "create_app"]
