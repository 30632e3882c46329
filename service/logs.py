"""One log line per request: id, route, status, sizes, counts, duration; never record content,
personal values, query strings or tokens."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ccstd.service.config import Tokens
from ccstd.service.problems import problem
from ccstd.standard.redaction import might_hold_identifier

LOGGER = logging.getLogger("ccstd.service")
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(scope: Scope) -> str:
    """The client's X-Request-Id when it is a plain token that holds no ID or phone number (it
    reaches the log), else a new random one."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given: str = value.decode("latin-1")
            if _GIVEN_ID.fullmatch(given) and not might_hold_identifier(given):
                return given
    return secrets.token_hex(8)


class RequestLog:
    """ASGI middleware: request ids, the bearer-token gate on /v1/*, and the log line."""

    def __init__(self, app: ASGIApp, tokens: Tokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        facts: dict[str, Any] = {}
        scope.setdefault("state", {})["log"] = facts
        scope["state"]["request_id"] = rid
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if _ambiguous_length(scope):
                await _ambiguous(rid)(scope, receive, send_with_id)
            elif self._refused(scope):
                await _unauthorized(rid)(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            LOGGER.info(_line(rid, scope, status, seconds, facts))

    def _refused(self, scope: Scope) -> bool:
        if not self.tokens.required or not _route_path(scope).startswith("/v1/"):
            return False
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                return not (scheme.lower() == "bearer" and self.tokens.accepts(token.strip()))
        return True


def _ambiguous_length(scope: Scope) -> bool:
    """Content-Length and Transfer-Encoding together: a proxy in front may frame the body by
    the one, the service by the other (request smuggling). Refused, the connection closed."""
    names = {name for name, _ in scope.get("headers", ())}
    return b"content-length" in names and b"transfer-encoding" in names


def _ambiguous(rid: str) -> ASGIApp:
    answer = problem(400, "Content-Length and Transfer-Encoding together: give one", rid)
    answer.headers["Connection"] = "close"
    return answer


def _unauthorized(rid: str) -> ASGIApp:
    return problem(401, "a valid `Authorization: Bearer TOKEN` is required", rid, bearer=True)


def _route_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _line(rid: str, scope: Scope, status: int, seconds: float, facts: dict[str, Any]) -> str:
    route = scope.get("route")
    where = getattr(route, "path", None) or "(no route)"  # a raw path could hold anything
    parts = [f"request {rid}", scope.get("method", "?"), where, str(status or "-")]
    parts += [f"{key}={value}" for key, value in facts.items()]
    parts.append(f"{seconds * 1000:.0f}ms")
    return " ".join(parts)
