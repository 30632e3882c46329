"""One-line errors with exit code 2 (architecture §5), and output writes that fail that way."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

from ccstd.standard.files import write_atomic
from ccstd.standard.findings import printable
from ccstd.standard.results import EXIT_ERROR

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CODES_HELP = (
    "Exit codes: 0 = no finding at or above --fail-on; 1 = findings at or above it; "
    "2 = the command could not do its job (usage error, unreadable input, unknown version)."
)


def write_output(path: Path, data: bytes) -> None:
    """Write a report atomically; a path that cannot be written is a one-line error, exit 2."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror or exc}")


def fail(message: str) -> NoReturn:
    """Print `ccstd: error: message` on stderr and exit 2."""
    _stderr.print(f"ccstd: error: {printable(message)}", markup=False)
    raise typer.Exit(EXIT_ERROR)
