"""``load_prices``: one entry point from tickers or a file to validated price histories."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, overload

import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.data.providers import NETWORK_SOURCES, Provider, Retry, get_provider, provider_order
from stockpred.data.samples import DEFAULT_TICKER, sample_tickers
from stockpred.data.schema import DEFAULT_MAX_FILLED, DEFAULT_MAX_GAP, CleaningReport, clean_prices
from stockpred.data.soundness import Keep
from stockpred.data.tickers import check_ticker, ticker_from_file_name
from stockpred.exceptions import (
    ConfigError,
    InsufficientHistory,
    ProviderError,
    StaleDataWarning,
    TickerNotFound,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from stockpred.data.store import PriceStore


class LoadOptions(TypedDict, total=False):
    """The keywords of :func:`load_prices` besides the ticker, typed once for its overloads."""

    csv: str | Path | None
    source: str | Provider | None
    store: str | Path | PriceStore | None
    exchange: str
    strict: bool
    max_gap: int
    max_filled: float
    date_format: str | None
    duplicates: Keep | None
    start: str | None
    end: str | None
    retry: Retry | None


@overload
def load_prices(
    ticker: str | None = ...,
    **options: Unpack[LoadOptions],
) -> PriceHistory: ...


@overload
def load_prices(
    ticker: list[str] | tuple[str, ...],
    **options: Unpack[LoadOptions],
) -> pd.DataFrame: ...


def load_prices(
    ticker: str | list[str] | tuple[str, ...] | None = None,
    *,
    csv: str | Path | None = None,
    source: str | Provider | None = None,
    store: str | Path | PriceStore | None = None,
    exchange: str = "XNYS",
    strict: bool = False,
    max_gap: int = DEFAULT_MAX_GAP,
    max_filled: float = DEFAULT_MAX_FILLED,
    date_format: str | None = None,
    duplicates: Keep | None = None,
    start: str | None = None,
    end: str | None = None,
    retry: Retry | None = None,
) -> PriceHistory | pd.DataFrame:
    """Prices for one ticker (a ``PriceHistory``) or several (a long panel DataFrame).

    ``ticker`` defaults to the file's name with ``csv=``, else to the sample's MSFT.

    ``source``: ``sample`` (bundled, offline), ``csv`` (with ``csv=PATH``), ``yahoo``,
    ``stooq``, ``alphavantage``, ``auto`` (those three in ``provider_order()``), or a
    ``Provider``. Default: ``csv`` when a file is given, ``sample`` for the sample's
    tickers, else ``auto``. Network sources read the local store (``store``, default
    ``$STOCKPRED_STORE`` or the user data directory) after fetching what it lacks; when no
    provider answers, stored prices are used with a ``StaleDataWarning`` saying how old.
    An explicit ``store`` holding the ticker is read before the bundled sample.

    ``max_filled`` caps the share of sessions cleaning may forward-fill; ``date_format``
    (strftime, or ``epoch``) reads a date column whose layout is ambiguous; ``duplicates``
    (``first``/``last``) keeps that row of a date a file gives twice with different prices,
    which is refused otherwise.
    """
    given = check_ticker(ticker) if isinstance(ticker, str) else None
    if ticker is None:
        ticker = DEFAULT_TICKER
    # What cleaning a file or the sample takes, and fetching into the store too.
    cleaning: dict[str, Any] = {
        "exchange": exchange,
        "strict": strict,
        "max_gap": max_gap,
        "start": start,
        "end": end,
    }
    if not isinstance(ticker, str):
        if csv is not None:
            raise ConfigError("a price file holds one ticker: pass a single ticker with csv=")
        histories = [
            load_prices(
                name,
                source=source,
                store=store,
                retry=retry,
                max_filled=max_filled,
                duplicates=duplicates,
                **cleaning,
            )
            for name in dict.fromkeys(check_ticker(t) for t in ticker)
        ]
        return _panel(histories)
    chosen = _resolve_source(ticker, source, csv, store)
    if chosen in ("sample", "csv"):
        provider = get_provider(chosen, path=csv)
        raw = provider.fetch_raw(ticker, None, None)
        frame, report = clean_prices(
            raw, date_format=date_format, max_filled=max_filled, duplicates=duplicates, **cleaning
        )
        name = ticker.upper() if csv is None else _file_ticker(given, csv)
        path = None if csv is None else str(Path(csv).resolve())
        return PriceHistory(frame, name, chosen, report.price_column, exchange, report, path)
    if chosen == "store":
        return _stored(ticker.upper(), store, exchange=exchange, start=start, end=end)
    providers = (
        [chosen]
        if not isinstance(chosen, str)
        else [get_provider(n) for n in (provider_order() if chosen == "auto" else [chosen])]
    )
    from stockpred.data.store import PriceStore  # duckdb only when the store is used

    price_store = store if isinstance(store, PriceStore) else PriceStore(store)
    return _from_store(ticker.upper(), providers, price_store, retry=retry, **cleaning)


def _resolve_source(
    ticker: str,
    source: str | Provider | None,
    csv: str | Path | None,
    store: str | Path | PriceStore | None = None,
) -> str | Provider:
    """The explicit source, else ``csv`` for a file, a given store holding the ticker, the
    ``sample`` for its tickers, else ``auto``."""
    if csv is not None and source not in (None, "csv"):
        raise ConfigError(f"csv= reads a file; it cannot be combined with source={source}")
    if csv is not None:
        return "csv"
    if source is None:
        if ticker.upper() not in sample_tickers() or _store_holds(store, ticker):
            return "auto"
        return "sample"
    if isinstance(source, str) and source not in (
        *NETWORK_SOURCES,
        "auto",
        "sample",
        "csv",
        "store",
    ):
        raise ConfigError(
            f"unknown source {source!r}; choose auto, sample, csv, store, "
            f"{', '.join(NETWORK_SOURCES)}"
        )
    return source


def _store_holds(store: str | Path | PriceStore | None, ticker: str) -> bool:
    """Whether a store the caller named holds the ticker (then it beats the bundled sample)."""
    if store is None:
        return False
    from stockpred.data.store import PriceStore

    price_store = store if isinstance(store, PriceStore) else PriceStore(store)
    return price_store.path.is_file() and bool(price_store.ranges(ticker.upper()))


def _file_ticker(ticker: str | None, csv: str | Path) -> str:
    """The name a file's prices go by: the ticker given, else the file's stem."""
    return ticker.upper() if ticker else ticker_from_file_name(Path(csv).name.split(".")[0])


def _stored(
    ticker: str,
    store: str | Path | PriceStore | None,
    *,
    exchange: str,
    start: str | None,
    end: str | None,
) -> PriceHistory:
    """The store's best copy of ``ticker`` (e.g. imported files), asking no provider."""
    from stockpred.data.store import PriceStore

    price_store = store if isinstance(store, PriceStore) else PriceStore(store)
    held = price_store.ranges(ticker)
    if not held:
        raise TickerNotFound(
            f"{ticker} is not in the store {price_store.path}; put it there with "
            "'stockpred data import FILE' or 'stockpred fetch'"
        )
    frame = price_store.read(ticker, source=held[0].source, start=start, end=end)
    report = CleaningReport(rows_in=len(frame), price_column="adj_close")
    return PriceHistory(frame, ticker, held[0].source, "adj_close", exchange, report, None)


def _from_store(
    ticker: str,
    providers: Sequence[Provider],
    store: PriceStore,
    *,
    exchange: str,
    strict: bool,
    max_gap: int,
    start: str | None,
    end: str | None,
    retry: Retry | None,
) -> PriceHistory:
    """Fetch what the store lacks, then read it; stale stored prices beat no prices."""
    from stockpred.data.sync import sessions_behind, update_first

    try:
        result = update_first(
            store,
            ticker,
            providers,
            start=start,
            end=end,
            exchange=exchange,
            strict=strict,
            max_gap=max_gap,
            retry=retry,
        )
        source, report = result.source, result.cleaning
    except ProviderError as exc:
        held = store.ranges(ticker)
        if not held:
            raise type(exc)(f"{exc}; and nothing is stored for {ticker} in {store.path}") from exc
        source, report = held[0].source, None
        behind = sessions_behind(held[0].last, exchange)
        warnings.warn(
            f"{exc}; using stored {source} prices for {ticker} up to {held[0].last.date()}, "
            f"{behind} trading session(s) old",
            StaleDataWarning,
            stacklevel=3,
        )
    frame = store.read(ticker, source=source, start=start, end=end)
    if len(frame) < 2:
        raise InsufficientHistory(
            f"the store holds {len(frame)} {ticker} session(s) from {source} between "
            f"{start or 'the start'} and {end or 'today'}; widen start= and end="
        )
    report = report or CleaningReport(rows_in=len(frame), price_column="adj_close")
    return PriceHistory(frame, ticker, source, "adj_close", exchange, report, None)


def _panel(histories: list[PriceHistory]) -> pd.DataFrame:
    """Histories stacked into one long table, one row per (ticker, date)."""
    from stockpred.data.store import PANEL_COLUMNS

    parts = [h.frame.reset_index().assign(ticker=h.ticker) for h in histories]
    return pd.concat(parts, ignore_index=True)[list(PANEL_COLUMNS)]
