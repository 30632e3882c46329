"""The `ccstd` command: a typer app that registers the commands of each module."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Annotated, Any, ClassVar

import typer
from typer import _click as click

from ccstd import __version__
from ccstd.cli.errors import exit_codes, usage_error
from ccstd.cli.lazy import LazyCommand, LazyGroup
from ccstd.standard.files import exit_on_sigterm

_PUBLISH = "ccstd.cli.publish"


class _Commands(LazyGroup):
    lazy_commands: ClassVar[dict[str, LazyCommand]] = {
        "validate": LazyCommand(
            "ccstd.cli.validate",
            "validate",
            "Validate records against the Community Common Standard.",
            "ccstd.cli.validate:EPILOG",
        ),
        "convert": LazyCommand(
            "ccstd.cli.convert",
            "convert",
            "Convert vendor data (FHIR R4, XML access logs, orders) into records of the standard.",
            "ccstd.cli.convert:EPILOG",
        ),
        "upgrade": LazyCommand(
            "ccstd.cli.upgrade",
            "upgrade",
            "Upgrade records to a later release of the standard, one release at a time.",
            "ccstd.cli.upgrade:EPILOG",
        ),
        "diff": LazyCommand(
            _PUBLISH,
            "diff_command",
            "Compare two versions entity by entity; exit 1 if NEW's number is too small a bump.",
            f"{_PUBLISH}:DIFF_EPILOG",
        ),
        "release": LazyCommand(
            _PUBLISH,
            "release_command",
            "Release the draft as VERSION (or rebuild a release's artifacts), "
            "or start a new draft.",
            f"{_PUBLISH}:RELEASE_EPILOG",
        ),
        "codegen": LazyCommand(
            _PUBLISH,
            "codegen_command",
            "Generate typed models (pydantic v2) of a version with datamodel-code-generator.",
            f"{_PUBLISH}:CODEGEN_EPILOG",
        ),
        "docs": LazyCommand(
            _PUBLISH,
            "docs_command",
            "Generate the standard's reference (every version) as Markdown, and optionally a site.",
            f"{_PUBLISH}:DOCS_EPILOG",
        ),
        "schemas": LazyCommand(
            "ccstd.cli.schemas",
            "app",
            "Browse the standard: versions, entities, fields, code lists.",
        ),
        "adapters": LazyCommand(
            "ccstd.cli.convert", "adapters_app", "Installed adapters (built-in and plugins)."
        ),
        "certify": LazyCommand(
            "ccstd.cli.certify",
            "app",
            "Certify a vendor against a standard version and its profiles.",
        ),
        "serve": LazyCommand(
            "ccstd.cli.serve",
            "serve",
            "Serve the validator over HTTP: POST /v1/validate, a page at /, OpenAPI at "
            "/openapi.json.",
            "ccstd.cli.serve:EPILOG",
        ),
        "lifecircle": LazyCommand(
            "ccstd.cli.lifecircle",
            "lifecircle",
            "Life-circle report: walking access to services per community, one-hour delivery.",
            "ccstd.cli.lifecircle:EPILOG",
        ),
    }

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """As click's, but a usage error is one `ccstd: error:` line (architecture §5), not a
        panel: run non-standalone, then exit as standalone would."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # `ccstd schemas`: the help, as usual
            typer.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            usage_error(exc)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Commands,
    name="ccstd",
    help="Community Common Standard toolkit: validate, convert and certify smart-community "
    "data; diff, release and document the standard; generate models from it.",
    epilog=exit_codes(
        "--version or --help was printed (each command's own --help gives its codes)",
        None,
        "usage error, no or unknown command",
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    add_completion=False,
)


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
        from ccstd.cli import certify

        first = args[1]
        if first not in certify.SUBCOMMANDS and not first.startswith("-"):
            return ["certify", "run", *args[1:]]
    return args
