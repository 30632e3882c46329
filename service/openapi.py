"""The OpenAPI 3.1 document: FastAPI's, plus the shapes of reports and problems (tests hold the
service's real answers to them) and the request body types of POST /v1/validate."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ccstd import __version__

_REF = "#/components/schemas/"
_NULLABLE_STRING = {"type": ["string", "null"]}
_LOCATION = {
    "file": _NULLABLE_STRING,
    "line": {"type": ["integer", "null"], "minimum": 1},
    "pointer": {"type": "string", "description": "JSON Pointer from the document root"},
    "recordId": _NULLABLE_STRING,
}
SCHEMAS: dict[str, Any] = {
    "Location": {"type": "object", "required": list(_LOCATION), "properties": _LOCATION},
    "Finding": {
        "type": "object",
        "description": "One problem, as in `ccstd validate --format json`.",
        "required": ["code", "severity", "message", *_LOCATION, "related", "fingerprint"],
        "properties": {
            "code": {"type": "string", "description": "a finding code of GET /v1/rules"},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            **_LOCATION,
            "related": {"type": "array", "items": {"$ref": _REF + "Location"}},
            "fingerprint": {"type": "string"},
        },
    },
    "Summary": {
        "type": "object",
        "required": ["files", "records", "valid", "invalid", "findings", "seconds"],
        "properties": {
            "files": {"type": "integer"},
            "records": {"type": "integer"},
            "valid": {"type": "integer"},
            "invalid": {"type": "integer"},
            "findings": {
                "type": "object",
                "required": ["error", "warning", "info"],
                "additionalProperties": {"type": "integer"},
            },
            "baselined": {"type": "integer"},
            "omitted": {"type": "integer", "description": "findings counted but not listed"},
            "seconds": {"type": "number"},
            "recordsPerSecond": {"type": "number"},
        },
    },
    "Report": {
        "type": "object",
        "description": "The report of `ccstd validate --format json`, with the verdict.",
        "required": ["verdict", "requestId", "tool", "summary", "findings"],
        "properties": {
            "verdict": {
                "enum": [0, 1, 2],
                "description": "the exit code `ccstd validate` would give: 0 = no finding at or "
                "above failOn, 1 = findings at or above it, 2 = no records (answered 422)",
            },
            "requestId": {"type": "string"},
            "detail": {"type": "string", "description": "set when answered 422"},
            "tool": {"type": "object", "required": ["name", "version"]},
            "summary": {"$ref": _REF + "Summary"},
            "findings": {"type": "array", "items": {"$ref": _REF + "Finding"}},
        },
    },
    "Health": {
        "type": "object",
        "description": "How full the service is (also in the `Ccstd-Health` header).",
        "required": ["status", "version", "workers"],
        "properties": {
            "status": {
                "enum": ["ok", "busy", "saturated"],
                "description": "ok = a worker is free; busy = every worker busy, requests wait "
                "in the queue; saturated = the queue is full too, a validation now gets 503",
            },
            "version": {"type": "string"},
            "workers": {
                "type": "object",
                "required": ["busy", "capacity", "queued", "queueCapacity", "receiving"],
                "properties": {
                    "busy": {"type": "integer", "description": "validations running"},
                    "capacity": {"type": "integer", "description": "--workers"},
                    "queued": {"type": "integer", "description": "requests waiting for a worker"},
                    "queueCapacity": {"type": "integer", "description": "--queue"},
                    "receiving": {
                        "type": "integer",
                        "description": "bodies being received (they hold no worker)",
                    },
                },
            },
        },
    },
    "Problem": {
        "type": "object",
        "description": "An error (RFC 9457 problem details): one line in `detail`.",
        "required": ["title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "requestId": {"type": "string"},
        },
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the listed error statuses."""
    content = {"application/problem+json": {"schema": {"$ref": _REF + "Problem"}}}
    return {status: {"description": _WHY[status], "content": content} for status in statuses}


_WHY = {
    400: "Bad options or a body that is not readable (corrupt gzip)",
    401: "No valid `Authorization: Bearer TOKEN` (only when the service has tokens)",
    404: "Unknown version or entity",
    408: "The body did not arrive within the upload time limit, or the request took longer "
    "than the time limit",
    413: "The body (after decompression) or its record count is over the limit",
    415: "A Content-Encoding other than gzip, or gzip applied twice",
    503: "Every worker busy (or no room to hold the body, or the service stopping): retry "
    "after `Retry-After` seconds",
}

VALIDATE_BODY = {
    "requestBody": {
        "required": True,
        "description": "Records: one JSON document (a record or an array of records) or NDJSON "
        "(one record per line); plain, or gzip (`Content-Encoding: gzip` or the gzip magic "
        "bytes). Received whole before it is validated: in memory up to 1 MiB, beyond that in a "
        "temporary file that has no name and is gone when the request ends.",
        "content": {
            "application/json": {"schema": {}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/gzip": {"schema": {"type": "string", "contentEncoding": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "contentEncoding": "binary"}},
        },
    }
}

_HEALTH = {"application/json": {"schema": {"$ref": _REF + "Health"}}}
_HEALTH_HEADER = {"Ccstd-Health": {"schema": {"enum": ["ok", "busy", "saturated"]}}}
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "ok or busy", "content": _HEALTH, "headers": _HEALTH_HEADER},
    503: {
        "description": "saturated: a validation now would be refused; retry after `Retry-After`",
        "content": _HEALTH,
        "headers": {**_HEALTH_HEADER, "Retry-After": {"schema": {"type": "integer"}}},
    },
}

REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report, in the format asked for; the verdict is also in the "
        "`Ccstd-Verdict` header",
        "content": {
            "application/json": {"schema": {"$ref": _REF + "Report"}},
            "application/sarif+json": {"schema": {"type": "object"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    },
    422: {
        "description": "No record in the body could be read (empty, not JSON, not UTF-8, too "
        "deep): the report says why",
        "content": {"application/json": {"schema": {"$ref": _REF + "Report"}}},
    },
}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI 3.1 document, built once."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=__version__,
            openapi_version="3.1.0",
            description=app.description,
            routes=app.routes,
            servers=app.servers or None,
        )
        _drop_fastapi_validation_errors(document)
        document.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
        document["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "only with --token-file"}
        }
        app.openapi_schema = document
    return app.openapi_schema


def _drop_fastapi_validation_errors(document: dict[str, Any]) -> None:
    """Bad options are answered 400 with a Problem, not FastAPI's 422 shape: drop that shape."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(answer):
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
