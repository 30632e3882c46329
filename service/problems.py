"""Error answers: RFC 9457 problem details with a one-line `detail` and the request id."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse

from ccstd.standard.findings import printable

PROBLEM_TYPE = "application/problem+json"


def problem(
    status: int,
    detail: str,
    request_id: str,
    retry_after: int | None = None,
    bearer: bool = False,
) -> JSONResponse:
    """The answer to a request that could not be served."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if bearer:
        headers["WWW-Authenticate"] = 'Bearer realm="ccstd"'
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": printable(detail)[:500],
        "requestId": request_id,
    }
    return JSONResponse(body, status, headers=headers, media_type=PROBLEM_TYPE)
