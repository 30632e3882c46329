"""One-line errors with exit code 2 (architecture §5), and output writes that fail that way."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from typer import _click as click

from ccstd.standard.files import write_atomic
from ccstd.standard.findings import printable

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def _stderr() -> Console:
    """The console errors go to (rich is imported only when one is printed)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def exit_codes(ok: str, findings: str | None, error: str) -> str:
    """A command's help footer: what its exit codes mean for it (architecture §5)."""
    one = f"; 1 = {findings}" if findings else ""
    return f"Exit codes: 0 = {ok}{one}; 2 = the command could not do its job ({error})."


def write_output(path: Path, data: bytes) -> None:
    """Write a report atomically; a path that cannot be written is a one-line error, exit 2."""
    try:
        write_atomic(path, data)
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror or exc}")


def fail(message: str) -> NoReturn:
    """Print `ccstd: error: message` on stderr and exit 2."""
    from ccstd.standard.results import EXIT_ERROR  # not at start-up: it loads the redaction stack

    _stderr().print(f"ccstd: error: {printable(message)}", markup=False)
    raise typer.Exit(EXIT_ERROR)


def usage_error(exc: click.ClickException) -> NoReturn:
    """A usage error (unknown option or value, missing argument) as the one line every command
    promises, `ccstd: error: …; see 'ccstd COMMAND --help'`, with click's exit code (2)."""
    message = " ".join(exc.format_message().replace("Value error, ", "").split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    _stderr().print(f"ccstd: error: {printable(message)}{hint}", markup=False)
    sys.exit(exc.exit_code)
