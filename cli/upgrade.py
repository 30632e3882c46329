"""`ccstd upgrade`: records of earlier releases rewritten for a later one (docs/upgrade.md)."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer
from rich.console import Console

from ccstd.cli.errors import fail
from ccstd.standard.files import PathCollisionError, atomic_output, refuse_collisions
from ccstd.standard.findings import printable
from ccstd.standard.publishing import releases
from ccstd.standard.reading import (
    DEFAULT_INCLUDE,
    STDIN,
    InputError,
    InputFormat,
    iter_paths,
    read_items,
)
from ccstd.standard.redaction import redact
from ccstd.standard.registry import StandardRegistry, UnknownVersionError
from ccstd.standard.results import EXIT_FINDINGS, EXIT_OK
from ccstd.standard.upgrade_mapping import MappingError
from ccstd.standard.upgrading import Outcome, Status, UpgradeCounts, Upgrader

EPILOG = (
    "Exit codes: 0 = every record upgraded or already at VERSION; 1 = some records were refused "
    "(listed on stderr and in --rejects); 2 = the command could not do its job (usage, unknown "
    "version, unreadable or empty input, an unusable upgrade mapping, an output that is an input)."
)
_SHOWN_REFUSALS = 20
_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class _NoRecordsError(Exception):
    pass


def upgrade(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(metavar="RECORDS...", help="Files, directories (recursive) or - for stdin."),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="VERSION", help="The release to upgrade to.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Upgraded and already-current records (NDJSON)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Refused records: where and why, no values (NDJSON)."),
    ] = None,
    input_format: Annotated[
        InputFormat,
        typer.Option("--input-format", help="auto decides per file (.ndjson/.jsonl are NDJSON)."),
    ] = "auto",
    root: Annotated[
        Path,
        typer.Option(
            "--root",
            help="The standard's folder (schemas/, upgrades/); default: the installed one.",
            show_default=False,
        ),
    ] = releases.PACKAGE_ROOT,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the counts.")] = False,
) -> None:
    """Upgrade records to a later release of the standard, one release at a time."""
    if not inputs:
        fail("give at least one RECORDS input: a file, a directory, or - for stdin")
    if to is None or out is None:
        fail("give the release to upgrade to (--to VERSION) and the output file (--out FILE)")
    if not (root / "schemas").is_dir():
        fail(f"--root {root}: no schemas/ folder in it")
    _check_output("--out", out)
    if rejects is not None:
        _check_output("--rejects", rejects)
    try:
        registry = StandardRegistry(root / "schemas")
        upgrader = Upgrader(registry, to, root / "upgrades")
        files = list(iter_paths(inputs, DEFAULT_INCLUDE))
        refuse_collisions(files, [("--out", out), ("--rejects", rejects)])
        counts = _run(upgrader, files, input_format, out, rejects, quiet)
    except (OSError, InputError, PathCollisionError, UnknownVersionError, MappingError) as exc:
        fail(printable(_message(exc, out)))
    except _NoRecordsError:
        fail(printable(f"{', '.join(_shown(files))}: no records to upgrade"))
    _stderr.print(_counts_line(counts, to), markup=False)
    raise typer.Exit(EXIT_FINDINGS if counts.refused else EXIT_OK)


def _check_output(option: str, path: Path) -> None:
    """An output that can never be written is a one-line error before any input is read."""
    if path.is_dir():
        fail(f"{option} {path}: is a folder; give a file")
    parent = path.parent if str(path.parent) else Path()
    if not parent.is_dir():
        fail(f"{option} {path}: no such folder {parent}")


def _message(exc: Exception, out: Path) -> str:
    if isinstance(exc, OSError):  # a device (/dev/full) names no file: it is --out
        return f"{exc.filename or f'--out {out}'}: cannot write: {exc.strerror or exc}"
    if isinstance(exc, UnknownVersionError):
        return f"--to: {exc}"
    return str(exc)


def _shown(files: list[str]) -> list[str]:
    return ["<stdin>" if f == STDIN else f for f in files[:3]]


def _run(
    upgrader: Upgrader,
    files: list[str],
    input_format: InputFormat,
    out: Path,
    rejects: Path | None,
    quiet: bool,
) -> UpgradeCounts:
    """Stream every outcome into the output files, written whole or not at all."""
    counts = UpgradeCounts()
    items = itertools.chain.from_iterable(read_items(f, input_format) for f in files)
    with contextlib.ExitStack() as stack:
        written = stack.enter_context(atomic_output(out))
        refused = stack.enter_context(atomic_output(rejects)) if rejects else None
        for outcome in upgrader.upgrade_all(items):
            counts.add(outcome)
            _write(outcome, written, refused)
            if outcome.status is Status.REFUSED and not quiet:
                _show_refusal(outcome, counts.refused)
        if not counts.read:
            raise _NoRecordsError
    return counts


def _write(outcome: Outcome, written: BinaryIO, refused: BinaryIO | None) -> None:
    if outcome.record is not None:
        written.write(orjson.dumps(outcome.record) + b"\n")
    elif refused is not None:
        written_reject = orjson.dumps(outcome.reject(), option=orjson.OPT_SORT_KEYS)
        refused.write(written_reject + b"\n")


def _show_refusal(outcome: Outcome, number: int) -> None:
    if number > _SHOWN_REFUSALS:
        if number == _SHOWN_REFUSALS + 1:
            _stderr.print("… more refusals are counted below (all of them in --rejects)")
        return
    reject = outcome.reject()
    where = redact(outcome.location.describe())  # a file may be named after a person
    ident = f" [{reject['recordId']}]" if reject["recordId"] else ""
    line = f"{where}{ident}  refused {reject['reason']}: {reject['message']}"
    _stderr.print(printable(line), markup=False)


def _counts_line(counts: UpgradeCounts, target: str) -> str:
    line = (
        f"read {counts.read} = upgraded {counts.upgraded} + already {target} {counts.current} "
        f"+ refused {counts.refused}"
    )
    if counts.reasons:
        line += " (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.reasons.items())) + ")"
    return line
