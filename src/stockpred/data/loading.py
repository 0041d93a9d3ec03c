"""``load_prices``: one entry point from tickers or a file to validated price histories."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, overload

import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.data.providers import NETWORK_SOURCES, Provider, Retry, get_provider, provider_order
from stockpred.data.samples import DEFAULT_TICKER, sample_tickers
from stockpred.data.schema import DEFAULT_MAX_FILLED, DEFAULT_MAX_GAP, clean_prices
from stockpred.data.soundness import Keep
from stockpred.data.tickers import check_ticker, ticker_from_path
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
    # What cleaning takes, on every path: a file, the sample, the store, a provider.
    cleaning: dict[str, Any] = {
        "exchange": exchange,
        "strict": strict,
        "max_gap": max_gap,
        "max_filled": max_filled,
        "date_format": date_format,
        "duplicates": duplicates,
        "start": start,
        "end": end,
    }
    if not isinstance(ticker, str):
        if csv is not None:
            raise ConfigError("a price file holds one ticker: pass a single ticker with csv=")
        histories = [
            load_prices(name, source=source, store=store, retry=retry, **cleaning)
            for name in dict.fromkeys(check_ticker(t) for t in ticker)
        ]
        return _panel(histories)
    chosen = _resolve_source(ticker, source, csv, store)
    if chosen in ("sample", "csv"):
        provider = get_provider(chosen, path=csv)
        raw = provider.fetch_raw(ticker, None, None)
        name = ticker.upper() if csv is None else given or ticker_from_path(csv)
        path = None if csv is None else str(Path(csv).resolve())
        return clean_history(raw, name, chosen, path=path, **cleaning)
    if chosen == "store":
        return _stored(ticker.upper(), store, cleaning)
    providers = (
        [chosen]
        if not isinstance(chosen, str)
        else [get_provider(n) for n in (provider_order() if chosen == "auto" else [chosen])]
    )
    from stockpred.data.store import PriceStore  # duckdb only when the store is used

    price_store = store if isinstance(store, PriceStore) else PriceStore(store)
    return _from_store(ticker.upper(), providers, price_store, retry, cleaning)


def clean_history(
    raw: pd.DataFrame, ticker: str, source: str, *, path: str | None = None, **options: Any
) -> PriceHistory:
    """One ticker's raw rows, cleaned into the history that is modelled: every path (file,
    folder, panel, sample, store, provider) comes through here, so the same rows with the
    same options give the same history, modelled column and filled sessions."""
    frame, report = clean_prices(raw, **cleaning_options(options))
    exchange = options.get("exchange", "XNYS")
    return PriceHistory(frame, ticker, source, report.price_column, exchange, report, path)


def cleaning_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The loading options that cleaning takes (``clean_prices``'s keywords), from any mapping."""
    keywords = inspect.signature(clean_prices).parameters.values()
    names = {p.name for p in keywords if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return {k: v for k, v in options.items() if k in names}


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


def _stored(
    ticker: str, store: str | Path | PriceStore | None, cleaning: dict[str, Any]
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
    return _read_stored(price_store, ticker, held[0].source, cleaning)


def _read_stored(
    store: PriceStore, ticker: str, source: str, cleaning: dict[str, Any]
) -> PriceHistory:
    """The stored observed rows, cleaned as a file of them would be."""
    start, end = cleaning["start"], cleaning["end"]
    rows = store.read(ticker, source=source, start=start, end=end)
    if len(rows) < 2:
        raise InsufficientHistory(
            f"the store holds {len(rows)} {ticker} session(s) from {source} between "
            f"{start or 'the start'} and {end or 'today'}; widen start= and end="
        )
    return clean_history(rows, ticker, source, **cleaning)


def _from_store(
    ticker: str,
    providers: Sequence[Provider],
    store: PriceStore,
    retry: Retry | None,
    cleaning: dict[str, Any],
) -> PriceHistory:
    """Fetch what the store lacks, then read it; stale stored prices beat no prices."""
    from stockpred.data.sync import sessions_behind, update_first

    fetching = {k: v for k, v in cleaning.items() if k != "date_format"}
    try:
        source = update_first(store, ticker, providers, retry=retry, **fetching).source
    except ProviderError as exc:
        held = store.ranges(ticker)
        if not held:
            raise type(exc)(f"{exc}; and nothing is stored for {ticker} in {store.path}") from exc
        source = held[0].source
        behind = sessions_behind(held[0].last, cleaning["exchange"])
        warnings.warn(
            f"{exc}; using stored {source} prices for {ticker} up to {held[0].last.date()}, "
            f"{behind} trading session(s) old",
            StaleDataWarning,
            stacklevel=3,
        )
    return _read_stored(store, ticker, source, cleaning)


def _panel(histories: list[PriceHistory]) -> pd.DataFrame:
    """Histories stacked into one long table, one row per (ticker, date)."""
    from stockpred.data.store import PANEL_COLUMNS

    parts = [h.frame.reset_index().assign(ticker=h.ticker) for h in histories]
    return pd.concat(parts, ignore_index=True)[list(PANEL_COLUMNS)]
