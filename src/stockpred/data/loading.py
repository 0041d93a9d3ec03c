"""``load_prices``: one entry point from tickers or a file to validated price histories."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, overload

import pandas as pd

from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.data.providers import Provider, Retry, get_provider, provider_order
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


class Keywords(TypedDict, total=False):
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
    **options: Unpack[Keywords],
) -> PriceHistory: ...


@overload
def load_prices(
    ticker: list[str] | tuple[str, ...],
    **options: Unpack[Keywords],
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
    which is refused otherwise. The keywords are :class:`LoadOptions`' fields; see
    :func:`load_history`, which every path goes through.
    """
    provider = source if source is not None and not isinstance(source, str) else None
    price_store = None if store is None or isinstance(store, (str, Path)) else store
    options = LoadOptions(
        csv=csv,
        source=None if provider is not None else source,
        store=None if price_store is not None else store,
        exchange=exchange,
        strict=strict,
        max_gap=max_gap,
        max_filled=max_filled,
        date_format=date_format,
        duplicates=duplicates,
        start=start,
        end=end,
    )
    where = Where(provider, price_store, retry)
    if ticker is None or isinstance(ticker, str):
        return load_history(ticker, options, where)
    if csv is not None:
        raise ConfigError("a price file holds one ticker: pass a single ticker with csv=")
    names = dict.fromkeys(check_ticker(t) for t in ticker)
    return _panel([load_history(name, options, where) for name in names])


@dataclass(frozen=True)
class Where:
    """What ``LoadOptions`` cannot hold as JSON: a provider or store object, a panel's rows,
    the retry policy. None of them is an option: each only says where rows are read."""

    provider: Provider | None = None
    store: PriceStore | None = None
    retry: Retry | None = None
    rows: pd.DataFrame | None = None  # one ticker's raw rows of the panel file options.csv


def load_history(
    ticker: str | None, options: LoadOptions, where: Where | None = None
) -> PriceHistory:
    """One ticker's cleaned history, on every input path with every option: the sample, the
    store, a provider, a file (alone or a folder's), a panel's rows, the market index.

    An option that cannot act on the path taken is refused in one line, never ignored.
    """
    where = where or Where()
    given = check_ticker(ticker) if ticker is not None else None
    if where.rows is not None:
        name = (given or DEFAULT_TICKER).upper()
        return clean_history(where.rows, name, "csv", options, path=options.csv)
    chosen = check_applies(given or DEFAULT_TICKER, options, where)
    if chosen in ("sample", "csv"):
        provider = get_provider(str(chosen), path=options.csv)
        raw = provider.fetch_raw(given or DEFAULT_TICKER, None, None)
        csv = options.csv
        name = (given or DEFAULT_TICKER).upper() if csv is None else given or ticker_from_path(csv)
        path = None if csv is None else str(Path(csv).resolve())
        return clean_history(raw, name, str(chosen), options, path=path)
    from stockpred.data.store import PriceStore  # duckdb only when the store is used

    store = where.store or PriceStore(options.store)
    name = (given or DEFAULT_TICKER).upper()
    if chosen == "store":
        return _stored(name, store, options)
    providers = (
        [chosen]
        if not isinstance(chosen, str)
        else [get_provider(n) for n in (provider_order() if chosen == "auto" else [chosen])]
    )
    return _from_store(name, providers, store, where.retry, options)


def clean_history(
    raw: pd.DataFrame, ticker: str, source: str, options: LoadOptions, *, path: str | None = None
) -> PriceHistory:
    """One ticker's raw rows, cleaned into the history that is modelled: every path (file,
    folder, panel, sample, store, provider) comes through here, so the same rows with the
    same options give the same history, modelled column and filled sessions."""
    frame, report = clean_prices(raw, **options.cleaning())
    return PriceHistory(frame, ticker, source, report.price_column, options.exchange, report, path)


def check_applies(ticker: str, options: LoadOptions, where: Where | None = None) -> str | Provider:
    """The source ``ticker`` will be read from, once every option is known to act there (a
    universe checks its tickers before any is loaded)."""
    chosen = _resolve_source(ticker, options, where or Where())
    _refuse_inapplicable(chosen, options)
    return chosen


def _refuse_inapplicable(chosen: str | Provider, options: LoadOptions) -> None:
    """A file's date layout acts on a file only; which row of a doubled date to keep, on a
    file or a provider's fetch (the sample and the store hold one row a date): asking for
    either where it cannot act is refused, not ignored."""
    if chosen == "csv":
        return
    name = chosen if isinstance(chosen, str) else chosen.name
    lost = ["date_format"] + (["duplicates"] if chosen in ("sample", "store") else [])
    given = [k for k in lost if getattr(options, k) is not None]
    if given:
        said = " and ".join(f"{k}=" for k in given)
        raise ConfigError(
            f"{said} {'reads' if len(given) == 1 else 'read'} a price file; these prices come "
            f"from {name}: drop {'it' if len(given) == 1 else 'them'}, or load the file with csv="
        )


def _resolve_source(ticker: str, options: LoadOptions, where: Where) -> str | Provider:
    """The explicit source, else ``csv`` for a file, a given store holding the ticker, the
    ``sample`` for its tickers, else ``auto``."""
    csv, source = options.csv, where.provider or options.source
    if csv is not None and source not in (None, "csv"):
        raise ConfigError(f"csv= reads a file; it cannot be combined with source={source}")
    if csv is not None:
        return "csv"
    if source is None:
        named = where.store is not None or options.store is not None
        if ticker.upper() not in sample_tickers() or (
            named and _store_holds(options, where.store, ticker)
        ):
            return "auto"
        return "sample"
    return source


def _store_holds(options: LoadOptions, store: PriceStore | None, ticker: str) -> bool:
    """Whether a store the caller named holds the ticker (then it beats the bundled sample)."""
    from stockpred.data.store import PriceStore

    price_store = store or PriceStore(options.store)
    return price_store.path.is_file() and bool(price_store.ranges(ticker.upper()))


def _stored(ticker: str, store: PriceStore, options: LoadOptions) -> PriceHistory:
    """The store's best copy of ``ticker`` (e.g. imported files), asking no provider."""
    held = store.ranges(ticker)
    if not held:
        raise TickerNotFound(
            f"{ticker} is not in the store {store.path}; put it there with "
            "'stockpred data import FILE' or 'stockpred fetch'"
        )
    return _read_stored(store, ticker, held[0].source, options)


def _read_stored(store: PriceStore, ticker: str, source: str, options: LoadOptions) -> PriceHistory:
    """The stored observed rows, cleaned as a file of them would be."""
    start, end = options.start, options.end
    rows = store.read(ticker, source=source, start=start, end=end)
    if len(rows) < 2:
        raise InsufficientHistory(
            f"the store holds {len(rows)} {ticker} session(s) from {source} between "
            f"{start or 'the start'} and {end or 'today'}; widen start= and end="
        )
    return clean_history(rows, ticker, source, options)


def _from_store(
    ticker: str,
    providers: Sequence[Provider],
    store: PriceStore,
    retry: Retry | None,
    options: LoadOptions,
) -> PriceHistory:
    """Fetch what the store lacks, then read it; stale stored prices beat no prices."""
    from stockpred.data.sync import sessions_behind, update_first

    fetching = {k: v for k, v in options.cleaning().items() if k != "date_format"}
    try:
        source = update_first(store, ticker, providers, retry=retry, **fetching).source
    except ProviderError as exc:
        held = store.ranges(ticker)
        if not held:
            raise type(exc)(f"{exc}; and nothing is stored for {ticker} in {store.path}") from exc
        source = held[0].source
        behind = sessions_behind(held[0].last, options.exchange)
        warnings.warn(
            f"{exc}; using stored {source} prices for {ticker} up to {held[0].last.date()}, "
            f"{behind} trading session(s) old",
            StaleDataWarning,
            stacklevel=3,
        )
    return _read_stored(store, ticker, source, options)


def _panel(histories: list[PriceHistory]) -> pd.DataFrame:
    """Histories stacked into one long table, one row per (ticker, date)."""
    from stockpred.data.store import PANEL_COLUMNS

    parts = [h.frame.reset_index().assign(ticker=h.ticker) for h in histories]
    return pd.concat(parts, ignore_index=True)[list(PANEL_COLUMNS)]
