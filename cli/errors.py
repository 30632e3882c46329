"""One way for every command to stop with a one-line error and exit code 2 (DESIGN §5)."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from ccstd.standard.results import EXIT_ERROR

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CODES_HELP = (
    "Exit codes: 0 = no finding at or above --fail-on; 1 = findings at or above it; "
    "2 = the command could not do its job (usage error, unreadable input, unknown version)."
)


def fail(message: str) -> NoReturn:
    """Print `ccstd: error: message` on stderr and exit 2."""
    _stderr.print(f"ccstd: error: {message}", markup=False)
    raise typer.Exit(EXIT_ERROR)
