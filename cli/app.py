"""The `ccstd` command: a typer app that registers the commands of each module."""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from ccstd import __version__
from ccstd.cli import certify, convert, publish, schemas, validate
from ccstd.cli.errors import EXIT_CODES_HELP
from ccstd.standard.files import exit_on_sigterm

app = typer.Typer(
    name="ccstd",
    help="Community Common Standard toolkit: validate, convert and certify smart-community "
    "data; diff, release and document the standard; generate models from it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)
app.command(name="validate", epilog=validate.EPILOG)(validate.validate)
app.command(name="convert", epilog=convert.EPILOG)(convert.convert)
app.add_typer(schemas.app, name="schemas")
app.add_typer(convert.adapters_app, name="adapters")
app.add_typer(certify.app, name="certify")
app.command(name="diff", epilog=EXIT_CODES_HELP)(publish.diff_command)
app.command(name="release", epilog=EXIT_CODES_HELP)(publish.release_command)
app.command(name="codegen")(publish.codegen_command)
app.command(name="docs")(publish.docs_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ccstd {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Community Common Standard toolkit."""


class _Interrupted(BaseException):
    """Ctrl-C, raised past click (which would turn KeyboardInterrupt into "Aborted!", exit 1)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise _Interrupted


def main() -> None:
    """Console-script entry point. Ctrl-C ends quietly with the conventional 130 and SIGTERM
    with 143, both after every temporary file and child process has been cleaned up."""
    signal.signal(signal.SIGINT, _interrupt)
    try:
        with exit_on_sigterm():
            app(args=_with_default_certify_command(sys.argv[1:]))
    except _Interrupted:
        sys.exit(130)


def _with_default_certify_command(args: list[str]) -> list[str]:
    """`ccstd certify MANIFEST` means `ccstd certify run MANIFEST`."""
    if len(args) >= 2 and args[0] == "certify":
        first = args[1]
        if first not in certify.SUBCOMMANDS and not first.startswith("-"):
            return ["certify", "run", *args[1:]]
    return args
