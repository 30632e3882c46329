"""`ccstd lifecircle`: which services each community reaches on foot, and within the hour."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ccstd.cli import text
from ccstd.cli.errors import fail, write_output
from ccstd.standard.findings import printable

EPILOG = (
    "Exit codes: 0 = the report was written; 1 = nothing to measure (no building or no facility "
    "could be placed), nothing written; 2 = usage error, unreadable input, network or profile."
)
_NO_SITES = 1


def lifecircle(
    inputs: Annotated[
        list[str],
        typer.Argument(metavar="RECORDS...", help="Files or directories of records, or -."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the three outputs.")
    ],
    network: Annotated[
        Path | None,
        typer.Option(
            "--network", metavar="FILE", help="Street network: OSM XML (.osm) or GraphML."
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option("--profile", metavar="NAME|FILE", help="gb50180, city15, or a TOML file."),
    ] = "gb50180",
    circuity: Annotated[
        float,
        typer.Option(
            "--circuity",
            min=1.0,
            max=3.0,
            help="Without --network: straight-line distance is multiplied by this.",
        ),
    ] = 1.3,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
) -> None:
    """Life-circle report: walking access to services per community, one-hour delivery.

    Measures, per community, the share of buildings and residents that reach each facility type
    of a profile's levels on foot, and how long deliveries and services take to come to the door.
    """
    from ccstd.adapters.dialect_files import DataFileError
    from ccstd.lifecircle import run
    from ccstd.lifecircle.network import NetworkError
    from ccstd.lifecircle.profiles import load_profile
    from ccstd.standard.files import PathCollisionError, refuse_collisions
    from ccstd.standard.reading import InputError, iter_paths

    err = text.console(stderr=True)
    try:
        chosen = load_profile(profile)
        files = list(iter_paths(inputs))
        targets = [(f"--out {name}", out / name) for name in run.OUTPUTS]
        extra = [] if network is None else [str(network)]
        refuse_collisions([*files, *extra], targets)
        _refuse_out_inside_inputs(out, inputs)
        _make_folder(out)
        options = run.Options(inputs, out, chosen, network, circuity)
        with _progress(err, enabled=not quiet) as tick:
            analysis = run.analyse(options, tick)
    except (InputError, PathCollisionError, DataFileError, NetworkError) as exc:
        fail(printable(str(exc)))
    if not analysis.buildings or not analysis.facilities:
        what = "building" if not analysis.buildings else "facility"
        err.print(f"ccstd: no {what} with a location among the inputs: nothing to measure")
        raise typer.Exit(_NO_SITES)
    for name, data in run.render_outputs(analysis).items():
        write_output(out / name, data)
    far = (analysis.network or {}).get("buildingsSnappedBeyond250M", 0)
    if far:
        err.print(
            f"ccstd: warning: {far:,} of {len(analysis.buildings):,} buildings are more than "
            "250 m from any node of the network (does it cover the district?)",
            markup=False,
        )
    if not quiet:
        read, used, invalid, unusable, ignored = run.summary_counts(analysis.data)
        kind = "network" if network else f"estimate: straight line \u00d7 {circuity:g}"
        err.print(
            f"{read:,} records: {used:,} used, {invalid:,} invalid, {unusable:,} unusable, "
            f"{ignored:,} other types; {len(analysis.buildings):,} buildings, "
            f"{len(analysis.facilities):,} facilities ({kind})",
            markup=False,
        )
        err.print(f"report: {printable(str(out / 'report.html'))}", markup=False)


def _refuse_out_inside_inputs(out: Path, inputs: list[str]) -> None:
    """The next run over the same folders would read report.json as records."""
    where = out.resolve()
    for name in inputs:
        folder = Path(name)
        if name != "-" and folder.is_dir() and where.is_relative_to(folder.resolve()):
            fail(printable(f"--out {out}: is inside the input folder {name}; write it elsewhere"))


def _make_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        fail(printable(f"--out {out}: exists and is not a folder"))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(printable(f"--out {out}: cannot create: {exc.strerror or exc}"))


@contextlib.contextmanager
def _progress(
    console: Console, enabled: bool
) -> Iterator[Callable[[str, int, int | None], None] | None]:
    """Bars for reading, the network build and routing on stderr when it is a terminal."""
    if not enabled or not text.on_terminal(console):
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"),
               TimeElapsedColumn())  # fmt: skip
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=console, transient=True) as progress:

        def tick(task: str, advance: int, total: int | None) -> None:
            if task not in tasks:
                tasks[task] = progress.add_task(task, total=total)
            progress.update(tasks[task], advance=advance, total=total)

        yield tick
