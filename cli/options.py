"""Options that several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

MAX_JOBS = 1024  # processes; beyond, the OS refuses the pool's semaphore (a traceback)

Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1, max=MAX_JOBS, help="Worker processes.")]
Dask = Annotated[
    str | None,
    typer.Option(
        "--dask", metavar="SCHEDULER", help="Run on Dask: local, local:N or tcp://host:8786."
    ),
]
