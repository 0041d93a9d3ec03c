"""Where the per-ticker jobs run: a Backend (:mod:`stockpred.backend`) maps one function over
items, yielding as they finish.

``LocalBackend`` uses a process pool on this machine; a cluster backend (Ray) only has to
provide the same ``map``. Jobs must not raise: they return their error as a result.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from stockpred.backend import Backend, Lost
from stockpred.exceptions import WorkerLost

T = TypeVar("T")
R = TypeVar("R")

DIED_ALONE = "its worker process died (killed, or out of memory?), twice, the second time alone"


def lost_result(lost: Lost[T, R] | None, item: T, why: str) -> R:
    """What a backend yields for an item no worker survived: ``lost``'s answer, or an error."""
    if lost is None:
        raise WorkerLost(f"{why}; try fewer --workers, or free some memory")
    return lost(item, why)


def default_workers() -> int:
    """One worker a core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalBackend(Backend):
    """Separate processes on this machine, one CPU thread each.

    One thread a process: the LSTM synchronises its threads at every time step, and with
    every core busy a two-thread fit runs at a third of the speed (benchmarks/train_speed/README.md).
    Workers start from a fork server that has already imported torch and matplotlib, so
    each start costs a fork, not seconds of imports; elsewhere they are spawned.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())

    def __str__(self) -> str:
        return f"{self.workers} worker(s)"

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], lost: Lost[T, R] | None = None
    ) -> Generator[R, None, None]:
        """Submit every item, yield each result as it arrives; on close, kill the workers.

        A worker that dies (SIGKILL, the kernel's out-of-memory killer) breaks the whole
        pool. The items that were running then are run again one at a time, each alone in a
        fresh pool, so only the one that kills its worker alone is lost; the items not yet
        started go on in a fresh pool of ``workers``.
        """
        waiting = list(range(len(items)))
        while waiting:
            running, waiting = yield from self._pool(fn, items, waiting, self.workers)
            for index in running:
                died, _ = yield from self._pool(fn, items, [index], 1)
                if died:
                    yield lost_result(lost, items[index], DIED_ALONE)

    def _pool(
        self, fn: Callable[[T], R], items: Sequence[T], indices: list[int], workers: int
    ) -> Generator[R, None, tuple[list[int], list[int]]]:
        """Run ``items[indices]`` in one pool; if a worker dies, return which of the
        unfinished ones had started and which had not."""
        context = _context()
        started = context.Array("b", len(items), lock=False)  # 1 once a worker takes it
        pool = ProcessPoolExecutor(
            min(workers, len(indices)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(started,),
        )
        futures = {pool.submit(_call, fn, items[i], i): i for i in indices}
        unfinished = set(indices)
        finished = False
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except BrokenProcessPool:
                    break
                unfinished.discard(futures[future])
                yield result
            finished = True
        finally:
            if not finished:  # interrupted: stop the workers now, not after their ticker
                _terminate(pool)
                _stop_fork_server()
            # Waited for even when interrupted: the pool's thread fails what is left (a future
            # cancelled from here races it, and it prints InvalidStateError) and releases its
            # queues, whose semaphores the resource tracker would otherwise report as leaked.
            pool.shutdown(wait=True, cancel_futures=True)
        left = sorted(unfinished)
        return [i for i in left if started[i]], [i for i in left if not started[i]]


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        # Imported once in the fork server, not once a worker: torch (2-3 s), the job,
        # matplotlib's Agg canvas the report draws on (~1 s), and what the job imports
        # lazily: the statistics, the classical baselines and the calendar (~2 s). Not
        # arch (0.47 CPU-s, before every first ticker): only GARCH intervals use it, which
        # the defaults do not fit; a worker that needs it imports it.
        ctx.set_forkserver_preload(
            [
                "stockpred.cluster._forkserver_guard",
                "torch",
                "stockpred.universe.job",
                "matplotlib.figure",
                "matplotlib.backends.backend_agg",
                "scipy.stats",
                "scipy.signal",
                "statsmodels.tsa.arima.model",
                "statsmodels.tsa.holtwinters",
                "statsmodels.tsa.forecasting.theta",
                "exchange_calendars",
            ]
        )
        return ctx
    return mp.get_context("spawn")


_started: Any = None  # in a worker: the pool's shared flags, one an item


def _init_worker(started: Any) -> None:
    """Remember ``started`` (which items a worker has taken); one torch thread and one BLAS
    thread (with BLAS's default, statsmodels' fits on two workers fought over the cores:
    evaluating took 1.59 s a ticker against 0.91 s in one process, 50 tickers, quiet
    machine); Ctrl-C is the parent's to handle; SIGTERM unwinds (temp folders go); the
    worker is sent SIGTERM when its parent (the fork server) dies."""
    from stockpred.training.loop import one_thread

    global _started
    _started = started
    one_thread()
    if sys.platform.startswith("linux"):
        import ctypes

        from stockpred.cluster._forkserver_guard import PR_SET_PDEATHSIG

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _call(fn: Callable[[T], R], item: T, index: int) -> R:
    """Run one job (marked started first); on SIGTERM, let the stack unwind (temporary
    folders go), then exit.

    Without the exit, the pool's worker loop would catch the SystemExit, report it as a
    result and wait for more work from a parent that may be gone.
    """
    _started[index] = 1
    try:
        return fn(item)
    except SystemExit as exc:
        os._exit(exc.code if isinstance(exc.code, int) else 1)


def _stop_fork_server() -> None:
    """Kill the fork server too: it would otherwise outlive an interrupted run."""
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        forkserver._forkserver._forkserver_pid = None  # type: ignore[attr-defined]


def _terminate(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """SIGTERM every live worker (it removes its temporary folder), SIGKILL it after ``grace``."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
