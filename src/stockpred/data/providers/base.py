"""The one interface every price source implements, and the retry rule they share."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import pandas as pd

from stockpred.exceptions import ProviderUnavailable

T = TypeVar("T")


class Provider(Protocol):
    """A source of raw daily rows for one ticker; ``clean_prices`` turns them into a PriceFrame.

    ``start`` and ``end`` are calendar dates, both included; ``None`` means "as far as the
    source goes". Failures are stockpred exceptions whose message names the provider and
    the ticker: ``TickerNotFound``, ``RateLimited``, ``ProviderUnavailable`` (worth a retry)
    or ``ProviderError``.
    """

    name: str

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Retry:
    """Exponential backoff for transient failures; ``sleep`` is injectable so tests are instant."""

    attempts: int = 3
    base_delay: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; on ``ProviderUnavailable`` wait 1x, 2x, 4x ``base_delay`` and try again."""
        for attempt in range(self.attempts - 1):
            try:
                return fn()
            except ProviderUnavailable:
                self.sleep(self.base_delay * 2**attempt)
        return fn()


NO_RETRY = Retry(attempts=1)
