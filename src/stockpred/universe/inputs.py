"""A universe's inputs: a folder of files, a long panel file or ticker names → one source each.

Each :class:`TickerSource` is small and picklable: the worker that fits the ticker loads it,
so reading and cleaning run in parallel too, and one broken file fails one ticker only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stockpred.data.files import refuse_excel
from stockpred.data.loading import PriceHistory, Where, check_applies, load_history
from stockpred.data.options import LoadOptions
from stockpred.data.tickers import PRICE_SUFFIXES, check_ticker, ticker_from_path
from stockpred.exceptions import ConfigError, ValidationError

PANEL_KEYS = ("ticker", "symbol")


def ticker_folder(out: Path, ticker: str) -> Path:
    """``out/TICKER`` for a valid ticker name (data.tickers), refused when it would be hidden
    (the universe's temporaries are) or resolve anywhere else."""
    name = check_ticker(ticker)
    folder = Path(out) / name
    if name.startswith(".") or folder.resolve().parent != Path(out).resolve():
        raise ValidationError(f"ticker {ticker!r} cannot name a folder in {out}; rename it")
    return folder


@dataclass(frozen=True)
class TickerSource:
    """Where one ticker's prices come from; ``load`` gives its cleaned history."""

    ticker: str
    path: str | None = None  # a file holding this ticker only
    rows: pd.DataFrame | None = None  # this ticker's raw rows of a long panel

    def load(self, options: LoadOptions) -> PriceHistory:
        """Read and clean this ticker's prices exactly as a single run would."""
        return load_history(self.ticker, self.options(options), Where(rows=self.rows))

    def check(self, options: LoadOptions) -> None:
        """Refuse an option that cannot act on where this ticker's prices come from."""
        if self.rows is None:
            check_applies(self.ticker, self.options(options))

    def options(self, options: LoadOptions) -> LoadOptions:
        """The run's options with this ticker's own file (a folder's, or the panel)."""
        if self.path is None:
            return options
        return options.model_copy(update={"csv": self.path, "source": None})


def universe_market(
    name: str | None, sources: Sequence[TickerSource], options: LoadOptions
) -> PriceHistory | None:
    """The ``market`` index for every ticker, loaded once: one of the universe's own tickers
    (a panel's or a folder's), else the sample, the store, a provider or a file."""
    if name is None:
        return None
    from stockpred.data.market import load_market

    for source in sources:
        if source.ticker == name.upper():
            return source.load(options)
    return load_market(name, options)


def market_stamp(market: PriceHistory | None) -> dict[str, str]:
    """The index's hash for a resume stamp: a folder fitted with another index is not reused."""
    return {} if market is None else {"market_sha": market.fingerprint(len(market))}


def with_universe_market(history: PriceHistory, market: PriceHistory | None) -> PriceHistory:
    """``history`` with the index aligned on its sessions, when the universe has one."""
    from stockpred.data.market import with_market

    return history if market is None else with_market(history, market)


def universe_sources(tickers: Sequence[str], csv: Path | None) -> list[TickerSource]:
    """One source per ticker: from a folder, a panel file, one file, or ticker names."""
    if csv is None:
        return [TickerSource(t.upper()) for t in dict.fromkeys(tickers)]
    if csv.is_dir():
        return only(tickers, folder_sources(csv), csv)
    key = panel_key(csv)
    if key is not None:
        return only(tickers, panel_sources(csv, key), csv)
    if len(tickers) > 1:
        raise ConfigError(
            f"{csv} holds one ticker: give at most one ticker name with it, or point --csv at "
            "a folder of files or a panel file with a ticker column"
        )
    return [TickerSource((tickers[0] if tickers else ticker_from_path(csv)).upper(), str(csv))]


def only(tickers: Sequence[str], sources: list[TickerSource], where: Path) -> list[TickerSource]:
    """The sources of the tickers asked for, in that order (every one when none is): a name the
    folder or panel does not hold is refused, with a few it does."""
    if not tickers:
        return sources
    held = {source.ticker: source for source in sources}
    asked = list(dict.fromkeys(t.upper() for t in tickers))
    missing = [t for t in asked if t not in held]
    if missing:
        names = sorted(held)
        some = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        raise ConfigError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in {where}, "
            f"which holds {some}; check the name(s), or drop them to run every ticker"
        )
    return [held[t] for t in asked]


def folder_sources(folder: Path) -> list[TickerSource]:
    """Every price file in ``folder`` (not recursive), sorted by ticker."""
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.lower().endswith(PRICE_SUFFIXES) and not p.name.startswith(".")
    )
    if not files:
        raise ValidationError(
            f"no .csv, .csv.gz or .parquet files in {folder}; point --csv at a folder of price files"
        )
    seen: dict[str, Path] = {}
    for file in files:
        ticker = ticker_from_path(file)
        if ticker in seen:
            raise ValidationError(
                f"{seen[ticker].name} and {file.name} both name ticker {ticker}; rename or move "
                "one of them"
            )
        seen[ticker] = file
    return [TickerSource(t, str(seen[t])) for t in sorted(seen)]


def panel_key(path: Path) -> str | None:
    """The ticker column of a long panel file (``ticker`` or ``symbol``), or None."""
    if not path.is_file():
        raise ValidationError(f"no such file or folder: {path}; check the path given to --csv")
    refuse_excel(path)
    try:
        if path.name.lower().endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            columns = list(pq.read_schema(path).names)
        else:
            columns = list(pd.read_csv(path, nrows=0).columns)
    except Exception as exc:
        raise ValidationError(f"cannot read {path} as a price table: {exc}") from exc
    for column in columns:
        if str(column).strip().lower() in PANEL_KEYS:
            return str(column)
    return None


def panel_sources(path: Path, key: str) -> list[TickerSource]:
    """A long panel split by its ticker column, one source per ticker, in first-seen order."""
    from stockpred.data.files import read_price_file

    table = read_price_file(path)
    table = table[table[key].notna()]
    names = table[key].astype(str).str.strip()
    return [
        TickerSource(str(name).upper(), str(path), rows.drop(columns=[key]))
        for name, rows in table.groupby(names, sort=False)
    ]
