"""Yahoo Finance through yfinance: adjusted and unadjusted close, imported only when used."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from stockpred.exceptions import ProviderError, ProviderUnavailable, RateLimited, TickerNotFound

# yfinance.download() catches per-ticker exceptions (rate limits included), logs them on the
# "yfinance" logger and returns an empty frame; these words in that log tell the causes apart.
_RATE_LIMIT_WORDS = ("ratelimit", "too many requests")
_NETWORK_WORDS = ("timeout", "timed out", "could not resolve", "connection", "curl")


class YahooProvider:
    """Daily bars from Yahoo Finance with both ``Close`` and ``Adj Close``."""

    name = "yahoo"

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def fetch_raw(
        self, ticker: str, start: pd.Timestamp | None, end: pd.Timestamp | None
    ) -> pd.DataFrame:
        """Rows as ``yfinance.download`` returns them for one ticker, ``Date`` as the index."""
        try:
            import yfinance as yf
            from yfinance.exceptions import YFRateLimitError
        except ImportError:
            raise ProviderError(
                "the yahoo source needs yfinance: pip install 'stockpred[yahoo]'"
            ) from None
        # period="max" because yfinance fetches only one month when given neither date;
        # its `end` is exclusive, ours inclusive.
        span: dict[str, object] = (
            {"period": "max"}
            if start is None and end is None
            else {"start": start, "end": None if end is None else end + pd.Timedelta(days=1)}
        )
        with _yfinance_errors() as logged:
            try:
                frame = yf.download(
                    ticker,
                    **span,
                    auto_adjust=False,  # keep Close and Adj Close both
                    multi_level_index=False,
                    actions=False,
                    progress=False,
                    threads=False,
                    timeout=self.timeout,
                )
            except YFRateLimitError:
                logged.append("RateLimit")
                frame = None
        return _checked(frame, logged, ticker)


def _checked(frame: pd.DataFrame | None, logged: list[str], ticker: str) -> pd.DataFrame:
    said = " ".join(logged).lower()
    if any(word in said for word in _RATE_LIMIT_WORDS):
        raise RateLimited(
            f"yahoo rate-limited the request for {ticker}; wait a few minutes or use "
            "source=stooq or source=alphavantage"
        )
    if any(word in said for word in _NETWORK_WORDS):
        raise ProviderUnavailable(f"yahoo could not be reached for {ticker}; check the network")
    if frame is None or frame.dropna(how="all").empty:
        reason = _reason(logged, ticker)
        raise TickerNotFound(
            f"yahoo has no daily prices for {ticker!r} in the requested range"
            f"{f' ({reason})' if reason else ''}; check the symbol (e.g. BRK-B, ^GSPC)"
        )
    if isinstance(frame.columns, pd.MultiIndex):  # older yfinance ignore multi_level_index
        frame = frame.droplevel(1, axis=1)
    return frame


def _reason(logged: list[str], ticker: str) -> str:
    """yfinance's own explanation, e.g. 'possibly delisted; no timezone found'."""
    lines = [line.split(": ", 1)[-1].strip() for line in logged if ticker.upper() in line]
    return lines[-1] if lines else ""


@contextmanager
def _yfinance_errors() -> Iterator[list[str]]:
    """Collect what yfinance logs at ERROR and keep it, and its warnings, off the terminal."""
    logger = logging.getLogger("yfinance")
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(level=logging.ERROR)
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            # yfinance's own pandas deprecation warnings are not the user's business.
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
