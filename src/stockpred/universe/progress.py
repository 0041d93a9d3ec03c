"""Results streaming in from a backend, with one progress bar; Ctrl-C stops the workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from stockpred.backend import Backend


class Reported(Protocol):
    """A result that names its ticker and says whether it finished (an ``Outcome``, say)."""

    @property
    def ticker(self) -> str: ...

    @property
    def ok(self) -> bool: ...


class Named(Protocol):
    """An item of work that names its ticker."""

    @property
    def ticker(self) -> str: ...


OutcomeT = TypeVar("OutcomeT", bound=Reported)
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
                advance(outcome.ok, not getattr(outcome, "resumed", False))
        except KeyboardInterrupt:
            it.close()
            done = sum(o.ok for o in outcomes.values())
            raise Interrupted(done, len(sources), out) from None
    return outcomes


@contextmanager
def _bar(enabled: bool, total: int, what: str) -> Iterator[Callable[[bool, bool], None]]:
    """A rich bar: done / total, failed so far, ETA; or a no-op.

    ``advance(ok, fresh)`` counts one outcome; the ETA is at the pace of the ``fresh`` ones,
    run in this process: tickers reused by --resume finish at once, and counted in the
    pace they made 95 of 341 look a minute from the end with three minutes to go.
    """
    if not enabled:
        yield lambda ok, fresh: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(what),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA {task.fields[eta]}", style="progress.remaining"),
        console=Console(stderr=True),
    )
    task = bar.add_task(what, total=total, failed=0, eta=eta(total, 0, 0.0))
    failed = done = ran = 0

    def advance(ok: bool, fresh: bool) -> None:
        nonlocal failed, done, ran
        failed, done, ran = failed + (not ok), done + 1, ran + fresh
        elapsed = bar.tasks[0].elapsed or 0.0
        bar.update(task, advance=1, failed=failed, eta=eta(total - done, ran, elapsed))

    with bar:
        yield advance


def eta(left: int, ran: int, elapsed: float) -> str:
    """Time to do ``left`` more at the pace of the ``ran`` done in ``elapsed`` seconds."""
    if left == 0:
        return "0:00:00"
    if ran == 0:
        return "-:--:--"
    return str(timedelta(seconds=round(left * elapsed / ran)))
