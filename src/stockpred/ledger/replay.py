"""The daily loop: for each ticker, forecast as of every session in a span, into the ledger.

``forecast`` is this loop over one session. Each session's rows go into the ledger in one
transaction as soon as they are made, and a replay skips the sessions a ticker already has
forecasts for: killed at any moment and run again, it ends with the ledger an uninterrupted
run writes, no row lost and none doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stockpred.backend import Backend
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_history
from stockpred.data.options import LoadOptions
from stockpred.exceptions import DataError, attempt
from stockpred.ledger.daily import TickerModels, cut, forecast_rows
from stockpred.ledger.table import Ledger, PromiseRow

Advance = Callable[[int, int], None]  # (sessions done, sessions in all)
Made = tuple[pd.DataFrame, list[PromiseRow]]  # one session's forecasts and its model's promise
# Sessions a replay appends in one transaction. An append opens the store: 51 ms, a third of
# a replayed ticker-year's CPU when done every session (profiled: 11 of 35 s for AAPL, 2017);
# a replay killed mid-batch does that batch again when run again.
REPLAY_BATCH = 10


@dataclass(frozen=True)
class DailyJob:
    """One ticker's sessions from ``first`` to ``last`` (``None``: its last session)."""

    ticker: str
    loading: LoadOptions
    config: ForecastConfig
    models: Path
    store: Path | None
    refit_every: int
    days: int
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    # A replay appends its forecasts as it goes, REPLAY_BATCH sessions a transaction, and
    # skips the sessions already in the ledger; a forecast (one session) hands its rows back
    # for one append of the day.
    replay: bool = False


@dataclass
class DailyOutcome:
    """What one ticker's job did; ``error`` is one line when it could not finish."""

    ticker: str
    sessions: int = 0
    written: int = 0
    skipped: int = 0
    error: str | None = None
    model_ids: list[str] = field(default_factory=list)
    pending: list[Made] = field(default_factory=list)
    last_as_of: pd.Timestamp | None = None  # the last session forecast as of

    @property
    def ok(self) -> bool:
        """Whether every session was forecast."""
        return self.error is None


def sessions_of(history: PriceHistory, job: DailyJob) -> pd.DatetimeIndex:
    """The sessions to forecast as of: the job's span, else the last session on or before
    ``last`` (so an ``--as-of`` on a holiday means the session before it)."""
    dates = history.dates
    if job.first is None:
        return dates[dates <= job.last][-1:] if job.last is not None else dates[-1:]
    return dates[(dates >= job.first) & (dates <= (job.last or dates[-1]))]


def run_daily(job: DailyJob, advance: Advance | None = None) -> DailyOutcome:
    """Forecast as of each of the job's sessions and append; errors become the outcome's."""
    outcome = DailyOutcome(job.ticker)
    outcome.error = attempt(job.ticker, lambda: _run(job, outcome, advance)).error
    return outcome


def _run(job: DailyJob, outcome: DailyOutcome, advance: Advance | None) -> None:
    # Prices are read once, to the span's end: nothing after it exists for this run.
    loading = job.loading.model_copy(update={"end": _text(job.last)})
    history = load_history(job.ticker, loading)
    if job.config.market is not None:
        from stockpred.data.market import load_market, with_market

        history = with_market(history, load_market(job.config.market, loading))
    ledger = Ledger(job.store)
    sessions = sessions_of(history, job)
    if not len(sessions):
        raise DataError(_no_session(history, job))
    done = ledger.done(history.ticker, job.days) if job.replay else set()
    models = TickerModels(job.models, history.ticker, job.config, job.refit_every)
    outcome.sessions = len(sessions)
    outcome.last_as_of = sessions[-1] if len(sessions) else None
    batch: list[Made] = []
    try:
        for done_so_far, as_of in enumerate(sessions, 1):
            if as_of in done:
                outcome.skipped += 1
            else:
                seen = cut(history, as_of)
                current = models.for_session(seen)
                rows = forecast_rows(current, seen, job.days)
                (batch if job.replay else outcome.pending).append(
                    (rows, [current.promise_row(history.ticker)])
                )
                if current.model_id not in outcome.model_ids:
                    outcome.model_ids.append(current.model_id)
            if len(batch) == REPLAY_BATCH:
                outcome.written += _flush(ledger, batch)
            if advance is not None:
                advance(done_so_far, len(sessions))
    finally:
        outcome.written += _flush(ledger, batch)


def _flush(ledger: Ledger, batch: list[Made]) -> int:
    """The sessions made since the last flush, in one transaction; the batch is emptied."""
    written = sum(ledger.append_all(batch)) if batch else 0
    batch.clear()
    return written


def _no_session(history: PriceHistory, job: DailyJob) -> str:
    """Why there is nothing to forecast as of, in the options' words."""
    span = f"on or before {_text(job.last)}"
    if job.first is not None:
        span = f"from {_text(job.first)} to {_text(job.last)}"
    first, last = history.dates[0].date(), history.dates[-1].date()
    return (
        f"{history.ticker} has no session {span} in its prices ({first} to {last}); "
        "choose sessions inside them"
    )


def _text(date: pd.Timestamp | None) -> str | None:
    return None if date is None else str(pd.Timestamp(date).date())


def failed(ticker: str, *, error: str) -> DailyOutcome:
    """The outcome of a ticker whose worker died."""
    return DailyOutcome(ticker, error=error)


def run_all(
    jobs: Sequence[DailyJob],
    backend: Backend,
    progress: bool,
) -> list[DailyOutcome]:
    """Every ticker's job: in this process with a bar a session for one ticker, else on the
    backend's workers with a bar a ticker; then the forecasts handed back, in one append."""
    if len(jobs) == 1:
        with _session_bar(progress, jobs[0].ticker) as advance:
            outcomes = [run_daily(jobs[0], advance)]
    else:
        from stockpred.universe.progress import stream

        done = stream(backend, run_daily, jobs, jobs[0].models, progress, failed=failed)
        outcomes = [done[job.ticker] for job in jobs if job.ticker in done]
    append_pending(outcomes, jobs[0].store)
    return outcomes


def append_pending(outcomes: Sequence[DailyOutcome], store: Path | None) -> None:
    """The forecasts the jobs handed back, into the ledger in one transaction: measured, one
    open of the store a ticker was half of a day's time (85 of 174 ms a ticker)."""
    parts = [part for outcome in outcomes for part in outcome.pending]
    if not parts:
        return
    added = iter(Ledger(store).append_all(parts))
    for outcome in outcomes:
        outcome.written += sum(next(added) for _ in outcome.pending)
        outcome.pending.clear()


@contextmanager
def _session_bar(enabled: bool, ticker: str) -> Iterator[Advance | None]:
    """A rich bar over one ticker's sessions (``advance(done, total)``), or nothing."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        f"{ticker} sessions",
        MofNCompleteColumn(),
        BarColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    task = bar.add_task("sessions", total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
