"""Where work runs: the one ``Backend`` protocol every pipeline maps its items through.

A universe's tickers, a ledger's tickers and a backtest's folds all go through
``backend.map(fn, items)``. What a backend can do beyond that is declared here as members
with defaults, so a caller reads a capability instead of probing for it; a backend
subclasses ``Backend`` to inherit them. ``InProcess`` runs the items one after another in
this process. The process pool and Ray live in ``stockpred.cluster``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Lost = Callable[[T, str], R]  # what to yield for an item whose worker died


class Backend(Protocol):
    """Runs ``fn`` on every item; yields results in the order they finish."""

    # Whether a universe's one pooled fit runs as a task of this backend (Ray: on a cluster
    # node's CPU or GPU) rather than in the calling process.
    fits_pooled_model: bool = False

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], lost: Lost[T, R] | None = None
    ) -> Generator[R, None, None]:
        """Results as they finish; closing the iterator stops the work still running.

        An item whose worker process dies (killed, out of memory) however often it is
        retried yields ``lost(item, why)``, or raises ``WorkerLost`` without ``lost``.
        """
        ...


class InProcess(Backend):
    """One item after another in this process: nothing to lose, nothing to start.

    >>> list(InProcess().map(abs, [-1, 2]))
    [1, 2]
    """

    def __str__(self) -> str:
        return "this process"

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], lost: Lost[T, R] | None = None
    ) -> Generator[R, None, None]:
        """Each result in the items' order."""
        for item in items:
            yield fn(item)
