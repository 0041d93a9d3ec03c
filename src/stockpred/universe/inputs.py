"""A universe's inputs: a folder of files, a long panel file or ticker names → one source each.

Each :class:`TickerSource` is small and picklable: the worker that fits the ticker loads it,
so reading and cleaning run in parallel too, and one broken file fails one ticker only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.data.files import refuse_excel
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.data.schema import clean_prices
from stockpred.data.tickers import check_ticker
from stockpred.exceptions import ConfigError, ValidationError

# Longest first: "x.csv.gz" is ticker "x", not "x.csv".
PRICE_SUFFIXES = (".csv.gz", ".csv", ".parquet", ".pq")
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

    def load(self, data_args: dict[str, Any]) -> PriceHistory:
        """Read and clean this ticker's prices exactly as a single run would."""
        args = {k: v for k, v in data_args.items() if k not in ("csv", "source")}
        if self.rows is not None:
            kept = ("strict", "max_gap", "max_filled", "date_format", "duplicates", "start", "end")
            frame, report = clean_prices(
                self.rows,
                exchange=args.get("exchange", "XNYS"),
                **{k: args[k] for k in kept if k in args},
            )
            exchange = args.get("exchange", "XNYS")
            return PriceHistory(
                frame, self.ticker, "csv", report.price_column, exchange, report, self.path
            )
        if self.path is not None:
            return load_prices(self.ticker, csv=self.path, **args)
        return load_prices(self.ticker, source=data_args.get("source"), **args)


def universe_market(
    name: str | None, sources: Sequence[TickerSource], data_args: dict[str, Any]
) -> PriceHistory | None:
    """The ``market`` index for every ticker, loaded once: one of the universe's own tickers
    (a panel's or a folder's), else the sample, the store, a provider or a file."""
    if name is None:
        return None
    from stockpred.data.market import load_market

    for source in sources:
        if source.ticker == name.upper():
            return source.load(data_args)
    return load_market(name, data_args)


def market_stamp(market: PriceHistory | None) -> dict[str, str]:
    """The index's hash for a resume stamp: a folder fitted with another index is not reused."""
    return {} if market is None else {"market_sha": market.fingerprint(len(market))}


def with_universe_market(history: PriceHistory, market: PriceHistory | None) -> PriceHistory:
    """``history`` with the index aligned on its sessions, when the universe has one."""
    from stockpred.data.market import with_market

    return history if market is None else with_market(history, market)


def file_ticker(path: Path) -> str:
    """The ticker a file stands for: its name without the price-file extensions."""
    name = path.name
    for suffix in PRICE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def universe_sources(tickers: Sequence[str], csv: Path | None) -> list[TickerSource]:
    """One source per ticker: from a folder, a panel file, one file, or ticker names."""
    if csv is None:
        return [TickerSource(t.upper()) for t in dict.fromkeys(tickers)]
    if tickers and (csv.is_dir() or len(tickers) > 1):
        raise ConfigError("--csv with a folder or panel names its tickers itself; drop them")
    if csv.is_dir():
        return folder_sources(csv)
    key = panel_key(csv)
    if key is None:
        return [TickerSource((tickers[0] if tickers else file_ticker(csv)).upper(), str(csv))]
    return panel_sources(csv, key)


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
        ticker = file_ticker(file).upper()
        if ticker in seen:
            raise ValidationError(
                f"{seen[ticker].name} and {file.name} are both ticker {ticker}; keep one"
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
