"""One validation request: options as in `ccstd validate`, run over the streamed body with the
CLI's reader, runner and result model; its bounds enforced as the blocks go by."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import IO, BinaryIO, cast

from ccstd.standard import rules
from ccstd.standard.checker import CheckOptions
from ccstd.standard.findings import Severity
from ccstd.standard.reading import InputFormat, read_stream
from ccstd.standard.registry import StandardRegistry
from ccstd.standard.results import EXIT_ERROR, ValidationResult, exit_code
from ccstd.standard.runner import RunOptions, validate_blocks

# Findings that say a body could not be read as records at all (not what the records say).
READING_CODES = frozenset(
    rule.code
    for rule in (
        rules.MALFORMED_JSON,
        rules.INVALID_ENCODING,
        rules.BYTE_ORDER_MARK,
        rules.EMPTY_INPUT,
        rules.NON_STANDARD_NUMBER,
        rules.NESTING_TOO_DEEP,
        rules.RECORD_TOO_LARGE,
    )
)


class LimitError(Exception):
    """A request that went past one of the service's bounds; `status` answers it."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Request:
    """What a client asked for (the query options of POST /v1/validate)."""

    name: str = "body"
    standard: str | None = None
    entity_type: str | None = None
    check_references: bool = False
    fail_on: Severity = Severity.ERROR
    input_format: InputFormat = "auto"
    max_findings: int = 1000


@dataclass(frozen=True)
class Bounds:
    """The limits of one run: records, and the moment it must have ended by."""

    max_records: int
    deadline: float  # time.monotonic()
    cancelled: threading.Event  # the service is stopping


def validate_body(
    body: IO[bytes], request: Request, bounds: Bounds, registry: StandardRegistry
) -> ValidationResult:
    """Validate the records of a received, decompressed body; LimitError when a bound is passed."""
    blocks = read_stream(cast(BinaryIO, body), request.name, request.input_format)

    def watch(records: int) -> None:
        if records > bounds.max_records:
            raise LimitError(413, f"the body holds more than {bounds.max_records:,} records")
        if bounds.cancelled.is_set() or time.monotonic() > bounds.deadline:
            raise LimitError(408, "the request took longer than the time limit")

    check = CheckOptions(request.standard, request.entity_type, request.check_references)
    run = RunOptions(input_format=request.input_format, max_findings=request.max_findings)
    return validate_blocks(blocks, 1, check, run, registry, watch)


def verdict(result: ValidationResult, fail_on: Severity) -> int:
    """The exit code `ccstd validate` would give: 0 passes, 1 findings at or above `fail_on`,
    2 no records at all."""
    return exit_code(result, fail_on) if result.records else EXIT_ERROR


def unreadable(result: ValidationResult) -> bool:
    """True when the body held no record, or none that could be read as JSON (answered 422)."""
    if result.records == 0:
        return True
    if result.valid or result.omitted:
        return False
    return all(f.code in READING_CODES for f in result.findings)
