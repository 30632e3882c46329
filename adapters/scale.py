"""Conversion on a Dask cluster (docs/scale.md).

Items are read here, in input order, so that what an adapter carries across items and sources
(a FHIR resource seen before, a Bundle's fullUrls, the devices an access log shares) is exactly
a local run's. Chunks of items are converted, stamped, protected and validated on the workers
(the same code as `--jobs N`), and their outcomes, protection counts and ledgers are accounted
for here in input order by the same runner: records, rejects and the ledger are a local run's,
byte for byte, and the outputs appear whole or not at all.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from ccstd.adapters import runner
from ccstd.adapters.base import Adapter
from ccstd.adapters.ledger import Ledger
from ccstd.adapters.privacy import Protector
from ccstd.adapters.runner import Finished, InputReadError, Work
from ccstd.standard.scale import ClusterError, Failed, connect, in_order

_initialised: str | None = None  # in a worker: the run its converter was made for
_one_at_a_time = threading.Lock()  # a worker's converter (its protection counts) is per process


def finish_chunk(run: str, init: tuple[Adapter, bytes | None, str], chunk: list[Work],
                 with_ledger: bool, label: str) -> Any:  # fmt: skip
    """In a worker: a chunk's finished outcomes, protection counts and ledger (as `--jobs`), or
    Failed, whose message names the chunk and never its content. Chunks run one at a time in a
    process: the converter the process holds counts what it protects chunk by chunk."""
    global _initialised
    try:
        with _one_at_a_time:  # a worker of several threads runs several chunks at once
            if _initialised != run:
                runner._init_worker(*init)
                _initialised = run
            return runner._finish_chunk(chunk, with_ledger)
    except MemoryError:
        return Failed(f"{label}: the worker ran out of memory")
    except Exception as exc:
        return Failed(f"{label}: {type(exc).__name__} on the worker")


class DaskEngine:
    """A `convert_paths` engine that converts on the cluster `scheduler` (`local`, `local:N`
    or `tcp://host:8786`); a cluster that fails is an InputReadError (exit 2)."""

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler

    def __call__(
        self,
        adapter: Adapter,
        items: Iterator[Work],
        protector: Protector,
        ledger: Ledger | None,
        converted_at: str,
        jobs: int = 1,
    ) -> Finished:
        """(item, context, finished outcome) in input order; the ledger is filled on the way."""
        try:
            with connect(self.scheduler) as client:
                init = (adapter, protector.key, converted_at)
                [shared] = client.scatter([init], broadcast=True, hash=False)  # type: ignore[no-untyped-call]
                chunks: deque[list[Work]] = deque()
                run = uuid.uuid4().hex

                def tasks() -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
                    for chunk in runner._chunks(items):
                        chunks.append(chunk)
                        args = (run, shared, chunk, ledger is not None, _label(chunk))
                        yield _label(chunk), finish_chunk, args

                for outcomes, counts, seen in in_order(client, tasks()):
                    chunk = chunks.popleft()
                    protector.counts.update(counts)
                    if ledger is not None and seen is not None:
                        ledger.merge(seen)
                    for (item, context), outcome in zip(chunk, outcomes, strict=True):
                        yield item, context, outcome
        except ClusterError as exc:
            raise InputReadError(str(exc)) from None


def _label(chunk: list[Work]) -> str:
    """The chunk in a message: its first item's file and place (never its content)."""
    item, context = chunk[0]
    return f"{context.file} ({item.locator} and the {len(chunk) - 1} items after it)"
