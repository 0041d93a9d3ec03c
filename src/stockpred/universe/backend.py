"""Where the per-ticker jobs run: a Backend maps one function over items, yielding as they finish.

``LocalBackend`` uses a process pool on this machine; a cluster backend (Ray) only has to
provide the same ``map``. Jobs must not raise: they return their error as a result.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from stockpred.cluster.session import RAY_LOG

T = TypeVar("T")
R = TypeVar("R")


class Backend(Protocol):
    """Runs ``fn`` on every item; yields results in the order they finish."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Generator[R, None, None]:
        """Results as they finish; closing the iterator stops the work still running."""
        ...


def default_workers() -> int:
    """One worker a core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalBackend:
    """Separate processes on this machine, one CPU thread each.

    One thread a process: the LSTM synchronises its threads at every time step, and with
    every core busy a two-thread fit runs at a third of the speed (README, Performance).
    Workers start from a fork server that has already imported torch and matplotlib, so
    each start costs a fork, not seconds of imports; elsewhere they are spawned.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())

    def __str__(self) -> str:
        return f"{self.workers} worker(s)"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Generator[R, None, None]:
        """Submit every item, yield each result as it arrives; on close, kill the workers."""
        pool = ProcessPoolExecutor(
            min(self.workers, max(1, len(items))),
            mp_context=_context(),
            initializer=_init_worker,
        )
        futures: list[Future[R]] = [pool.submit(_call, fn, item) for item in items]
        finished = False
        try:
            for future in as_completed(futures):
                yield future.result()
            finished = True
        finally:
            if not finished:  # interrupted: stop the workers now, not after their ticker
                for future in futures:
                    future.cancel()
                _terminate(pool)
                _stop_fork_server()
            pool.shutdown(wait=finished, cancel_futures=True)


def _context() -> mp.context.BaseContext:
    if sys.platform.startswith("linux"):
        ctx = mp.get_context("forkserver")
        # Imported once in the fork server, not once a worker: torch (2-3 s), the job,
        # matplotlib's Agg canvas the report draws on (~1 s), and what the job imports
        # lazily: the statistics, the classical baselines, GARCH and the calendar (~2 s).
        ctx.set_forkserver_preload(
            [
                "stockpred.universe._forkserver_guard",
                "torch",
                "stockpred.universe.job",
                "matplotlib.figure",
                "matplotlib.backends.backend_agg",
                "scipy.stats",
                "scipy.signal",
                "statsmodels.tsa.arima.model",
                "statsmodels.tsa.holtwinters",
                "statsmodels.tsa.forecasting.theta",
                "arch",
                "exchange_calendars",
            ]
        )
        return ctx
    return mp.get_context("spawn")


def _init_worker() -> None:
    """One torch thread and one BLAS thread (with BLAS's default, statsmodels' fits on two
    workers fought over the cores: evaluating took 1.59 s a ticker against 0.91 s in one
    process, 50 tickers, quiet machine); Ctrl-C is the parent's to handle; SIGTERM unwinds
    (temp folders go); the worker is sent SIGTERM when its parent (the fork server) dies."""
    from stockpred.training.loop import one_thread

    one_thread()
    if sys.platform.startswith("linux"):
        import ctypes

        from stockpred.universe._forkserver_guard import PR_SET_PDEATHSIG

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _call(fn: Callable[[T], R], item: T) -> R:
    """Run one job; on SIGTERM, let the stack unwind (temporary folders go), then exit.

    Without the exit, the pool's worker loop would catch the SystemExit, report it as a
    result and wait for more work from a parent that may be gone.
    """
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


@contextmanager
def universe_backend(
    kind: str, workers: int | None, address: str | None, out: Path, device: str
) -> Iterator[Backend]:
    """The backend ``--backend`` names; Ray's session (and its log, OUT/ray.log) ends with it."""
    if kind != "ray":
        yield LocalBackend(workers)
        return
    from stockpred.cluster.backend import ray_backend

    Path(out).mkdir(parents=True, exist_ok=True)
    with ray_backend(address, Path(out) / RAY_LOG, device) as backend:
        yield backend
