"""Results streaming in from a backend, with one progress bar; Ctrl-C stops the workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from stockpred.universe.backend import Backend


class Outcome(Protocol):
    """A result that names its ticker and says whether it finished."""

    ticker: str

    @property
    def ok(self) -> bool: ...


class Named(Protocol):
    """An item of work that names its ticker."""

    @property
    def ticker(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=Outcome)
ItemT = TypeVar("ItemT", bound=Named)


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: the workers are stopped; ``done`` tickers are complete on disk."""

    def __init__(self, done: int, asked: int, out: Path) -> None:
        super().__init__(
            f"interrupted: {done} of {asked} tickers finished and are complete in {out}; "
            "run again with --resume to do the rest"
        )
        self.done = done


def stream(
    backend: Backend,
    job: Callable[[ItemT], OutcomeT],
    sources: Sequence[ItemT],
    out: Path,
    progress: bool,
    what: str = "tickers",
    *,
    failed: Callable[..., OutcomeT],
) -> dict[str, OutcomeT]:
    """Outcomes as they arrive, with the progress bar; Ctrl-C stops the workers.

    ``failed(ticker, error=why)`` is the outcome of a ticker whose worker process died.
    """
    outcomes: dict[str, OutcomeT] = {}

    def lost(source: ItemT, why: str) -> OutcomeT:
        return failed(source.ticker, error=why)

    results = backend.map(job, sources, lost)
    with _bar(progress, len(sources), what) as advance, closing(results) as it:
        try:
            for outcome in it:
                outcomes[outcome.ticker] = outcome
                advance(outcome.ok)
        except KeyboardInterrupt:
            it.close()
            done = sum(o.ok for o in outcomes.values())
            raise Interrupted(done, len(sources), out) from None
    return outcomes


@contextmanager
def _bar(enabled: bool, total: int, what: str) -> Iterator[Callable[[bool], None]]:
    """A rich bar: done / total, failed so far, ETA; or a no-op."""
    if not enabled:
        yield lambda ok: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(what),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    task = bar.add_task(what, total=total, failed=0)
    failed = 0

    def advance(ok: bool) -> None:
        nonlocal failed
        failed += not ok
        bar.update(task, advance=1, failed=failed)

    with bar:
        yield advance
