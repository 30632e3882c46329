"""A bounded pool of validation workers: a few run, a few wait, the rest are told to come back."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BusyError(Exception):
    """Every worker busy and the waiting line full, or the wait outlasted the time limit."""


class WorkerPool:
    """Runs blocking validations in `workers` threads; at most `queue` requests wait for one.

    A slot is given back when its thread ends, not when the request that started it gives up:
    a timed-out validation still holds its slot until it notices and stops.
    """

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = workers
        self.queue = queue
        self._executor = concurrent.futures.ThreadPoolExecutor(workers, "ccstd-validate")
        self._slots: asyncio.Semaphore | None = None
        self.waiting = 0  # requests whose body is in, waiting for a worker
        self.running = 0  # validations running
        self.receiving = 0  # requests whose body is being received (they hold no worker)
        self.stopping = threading.Event()  # set at shutdown: running validations stop early

    @property
    def saturated(self) -> bool:
        """True when a new validation would be refused: every worker busy, the waiting line full."""
        return self.running >= self.workers and self.waiting >= self.queue

    def state(self) -> dict[str, int]:
        """The pool as /healthz reports it."""
        return {
            "busy": self.running,
            "capacity": self.workers,
            "queued": self.waiting,
            "queueCapacity": self.queue,
            "receiving": self.receiving,
        }

    async def submit(self, work: Callable[[], T], wait_seconds: float) -> asyncio.Future[T]:
        """Start `work` once a worker is free; BusyError when none frees up in time."""
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        slots = self._slots
        if slots.locked():
            if self.waiting >= self.queue:
                raise BusyError
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), max(wait_seconds, 0.001))
            except TimeoutError:
                raise BusyError from None
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        self.running += 1

        def run() -> T:
            try:
                return work()
            finally:
                loop.call_soon_threadsafe(self._release, slots)

        return loop.run_in_executor(self._executor, run)

    def _release(self, slots: asyncio.Semaphore) -> None:
        self.running -= 1
        slots.release()

    def shutdown(self) -> None:
        """Stop taking work; running validations stop at their next block (`stopping`)."""
        self.stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
