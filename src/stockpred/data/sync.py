"""Bring the store up to date: fetch only what is missing, refetch when history was re-adjusted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stockpred.data import clock
from stockpred.data.calendar import sessions_between
from stockpred.data.providers.base import Provider, Retry
from stockpred.data.schema import DEFAULT_MAX_FILLED, DEFAULT_MAX_GAP, CleaningReport, clean_prices
from stockpred.data.soundness import Keep
from stockpred.data.store import PriceStore, StoredRange, observed_rows
from stockpred.exceptions import (
    DataError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    TickerNotFound,
    ValidationError,
)

# Adjusted prices repeat to ~1e-10 between two downloads; a dividend moves them by >1e-4.
OVERLAP_RTOL = 1e-6
# Two stored sessions are asked for again: the fresh answer then always has two rows for
# clean_prices, and a dividend or split that re-adjusted history shows up as a mismatch.
OVERLAP_SESSIONS = 2


@dataclass(frozen=True)
class UpdateResult:
    """What one update did: ``full``, ``incremental``, ``refetched`` or ``up to date``."""

    ticker: str
    source: str
    action: str
    rows_written: int
    cleaning: CleaningReport | None = None


def last_closed_session(
    exchange: str, now: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> pd.Timestamp:
    """The newest session whose daily bar is surely published: before today, at most ``end``."""
    today = pd.Timestamp(now if now is not None else clock.today()).normalize()
    limit = today - pd.Timedelta(days=1)
    if end is not None:
        limit = min(limit, pd.Timestamp(end).normalize())
    return sessions_between(exchange, limit - pd.Timedelta(days=14), limit)[-1]


def sessions_behind(last: pd.Timestamp, exchange: str, now: pd.Timestamp | None = None) -> int:
    """How many published sessions are newer than ``last``: the staleness users see."""
    newest = last_closed_session(exchange, now)
    if newest <= last:
        return 0
    return len(sessions_between(exchange, last + pd.Timedelta(days=1), newest))


def update(
    store: PriceStore,
    ticker: str,
    provider: Provider,
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    exchange: str = "XNYS",
    strict: bool = False,
    max_gap: int = DEFAULT_MAX_GAP,
    max_filled: float = DEFAULT_MAX_FILLED,
    duplicates: Keep | None = None,
    retry: Retry | None = None,
    now: pd.Timestamp | None = None,
) -> UpdateResult:
    """Make the store hold ``ticker`` from ``provider`` over ``start..end``, fetching the least.

    Nothing is fetched when the stored span already reaches the newest published session
    (or ``end``). Otherwise only sessions after the last stored one are asked for, plus
    ``OVERLAP_SESSIONS`` to compare; if those disagree with what is stored (a split or
    dividend re-adjusted the history) the whole history is fetched again and replaces it.
    Only observed sessions are stored: a session cleaning forward-filled is not a price.
    """
    job = _Job(
        store,
        ticker.upper(),
        provider,
        exchange,
        strict,
        max_gap,
        max_filled,
        duplicates,
        retry or Retry(),
    )
    first = None if start is None else pd.Timestamp(start)
    target = last_closed_session(exchange, now, None if end is None else pd.Timestamp(end))
    held = next(iter(store.ranges(job.ticker, provider.name)), None)
    if held is None or not _covers(held, first):
        since = first if held is None else _earliest(held.since, first)
        return job.full(since, "full")
    if held.last >= target:
        return UpdateResult(job.ticker, provider.name, "up to date", 0)
    return job.incremental(held)


def update_first(
    store: PriceStore, ticker: str, providers: Sequence[Provider], **options: Any
) -> UpdateResult:
    """``update`` from the first provider that answers; the error names every one that failed."""
    errors: list[DataError] = []
    for provider in providers:
        try:
            return update(store, ticker, provider, **options)
        except (ProviderError, TickerNotFound) as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    joined = "; ".join(str(e) for e in errors)
    for kind in (TickerNotFound, RateLimited, ProviderUnavailable):
        if all(isinstance(e, kind) for e in errors):
            raise kind(f"no provider could fetch {ticker.upper()}: {joined}")
    raise ProviderError(f"no provider could fetch {ticker.upper()}: {joined}")


@dataclass(frozen=True)
class _Job:
    store: PriceStore
    ticker: str
    provider: Provider
    exchange: str
    strict: bool
    max_gap: int
    max_filled: float
    duplicates: Keep | None
    retry: Retry

    def fetch(self, start: pd.Timestamp | None) -> tuple[pd.DataFrame, CleaningReport]:
        """The provider's rows from ``start`` on, observed sessions only, and what cleaning did."""
        raw = self.retry.call(lambda: self.provider.fetch_raw(self.ticker, start, None))
        try:
            frame, report = clean_prices(
                raw,
                exchange=self.exchange,
                strict=self.strict,
                max_gap=self.max_gap,
                max_filled=self.max_filled,
                duplicates=self.duplicates,
            )
        except ValidationError as exc:
            raise ValidationError(f"{self.provider.name} data for {self.ticker}: {exc}") from exc
        return observed_rows(frame, report), report

    def full(self, since: pd.Timestamp | None, action: str) -> UpdateResult:
        frame, report = self.fetch(since)
        written = self.store.write(
            self.ticker, self.provider.name, frame, since=since, replace=True
        )
        return UpdateResult(self.ticker, self.provider.name, action, written, report)

    def incremental(self, held: StoredRange) -> UpdateResult:
        recent = sessions_between(self.exchange, held.last - pd.Timedelta(days=14), held.last)
        overlap_start = recent[-min(OVERLAP_SESSIONS, len(recent))]
        fresh, report = self.fetch(overlap_start)
        stored = self.store.read(self.ticker, source=self.provider.name, start=overlap_start)
        if not _agrees(stored, fresh):
            return self.full(held.since, "refetched")
        written = self.store.write(self.ticker, self.provider.name, fresh, since=held.since)
        return UpdateResult(self.ticker, self.provider.name, "incremental", written, report)


def _covers(held: StoredRange, start: pd.Timestamp | None) -> bool:
    """Whether an earlier fetch already asked for everything from ``start`` on."""
    return held.since is None or (start is not None and start >= held.since)


def _earliest(a: pd.Timestamp | None, b: pd.Timestamp | None) -> pd.Timestamp | None:
    return None if a is None or b is None else min(a, b)


def _agrees(stored: pd.DataFrame, fresh: pd.DataFrame) -> bool:
    """Whether the fresh bars repeat the stored ones on every overlapping session."""
    common = stored.index.intersection(fresh.index)
    if len(common) < len(stored):
        return False
    cols = ["close", "adj_close"]
    if [c in stored for c in cols] != [c in fresh for c in cols]:
        return False  # the source started or stopped giving adjusted prices
    cols = [c for c in cols if c in stored]
    return bool(
        np.allclose(
            stored.loc[common, cols].to_numpy(),
            fresh.loc[common, cols].to_numpy(),
            rtol=OVERLAP_RTOL,
            atol=0.0,
        )
    )
