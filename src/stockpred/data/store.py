"""The local price store: one DuckDB file keyed by (ticker, date, source), safe across processes.

The store holds what a source said and nothing else: the observed sessions, cleaned of bad
rows but never forward-filled, and no ``adj_close`` where the source had none. Every read is
cleaned again with the caller's options (``data.loading``), so a stored ticker becomes the
same history, with the same filled sessions and the same modelled column, as its file.

DuckDB lets one process at a time open a file for writing. Every operation here opens the
file, does its work in one transaction and closes it again; a process that finds the file
locked waits with backoff up to ``lock_timeout`` seconds and then raises ``StoreError``.
So two ``stockpred fetch`` runs take turns instead of failing, and no write is half-done.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from stockpred.data.schema import PRICE_COLUMNS, CleaningReport
from stockpred.exceptions import StoreError

T = TypeVar("T")
Result = duckdb.DuckDBPyConnection

STORE_ENV = "STOCKPRED_STORE"
DEFAULT_FILE = "prices.duckdb"
LOCK_TIMEOUT = 30.0
PANEL_COLUMNS = ("ticker", "date", *PRICE_COLUMNS)
# Version 2 keeps observed sessions only; version 1 (no store_format table) stored
# forward-filled sessions as ordinary rows, which can no longer be told apart.
FORMAT_VERSION = 2

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS store_format (version INTEGER NOT NULL);
INSERT INTO store_format SELECT {FORMAT_VERSION} WHERE NOT EXISTS (SELECT * FROM store_format);
CREATE TABLE IF NOT EXISTS prices (
    ticker VARCHAR NOT NULL,
    date DATE NOT NULL,
    source VARCHAR NOT NULL,
    open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, adj_close DOUBLE, volume DOUBLE,
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticker, date, source)
);
-- since: the earliest start ever asked of this source (NULL: its whole history), so a later
-- request inside that span is not refetched just because the ticker listed later.
CREATE TABLE IF NOT EXISTS coverage (
    ticker VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    since DATE,
    checked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticker, source)
);
"""
_VALUES = ", ".join(PRICE_COLUMNS)
_CHANGED = f"""
SELECT count(*) FROM incoming i
LEFT JOIN prices p ON p.ticker = i.ticker AND p.date = i.date AND p.source = i.source
WHERE p.ticker IS NULL OR ({", ".join(f"p.{c}" for c in PRICE_COLUMNS)})
    IS DISTINCT FROM ({", ".join(f"i.{c}" for c in PRICE_COLUMNS)})
"""
# Unchanged rows keep their fetched_at: re-fetching the same range changes nothing.
_UPSERT = f"""
INSERT INTO prices SELECT ticker, date, source, {_VALUES}, fetched_at FROM incoming
ON CONFLICT (ticker, date, source) DO UPDATE SET
    {", ".join(f"{c} = excluded.{c}" for c in PRICE_COLUMNS)}, fetched_at = excluded.fetched_at
WHERE ({", ".join(f"prices.{c}" for c in PRICE_COLUMNS)})
    IS DISTINCT FROM ({", ".join(f"excluded.{c}" for c in PRICE_COLUMNS)})
"""
_COVER = """
INSERT INTO coverage VALUES ($ticker, $source, $since, $now)
ON CONFLICT (ticker, source) DO UPDATE SET
    since = CASE WHEN $replace THEN excluded.since
                 WHEN coverage.since IS NULL OR excluded.since IS NULL THEN NULL
                 ELSE least(coverage.since, excluded.since) END,
    checked_at = excluded.checked_at
"""
_RANGES = """
SELECT p.ticker, p.source, min(p.date) AS first, max(p.date) AS last, count(*) AS rows,
       any_value(c.since) AS since, any_value(c.checked_at) AS checked_at
FROM prices p LEFT JOIN coverage c ON c.ticker = p.ticker AND c.source = p.source
WHERE ($ticker IS NULL OR p.ticker = $ticker) AND ($source IS NULL OR p.source = $source)
GROUP BY p.ticker, p.source
ORDER BY p.ticker, last DESC, rows DESC, p.source
"""
# One query for any number of tickers: each ticker's best source (newest data, then most
# rows) unless a source is named.
_PANEL = f"""
WITH best AS (
    SELECT ticker, source FROM prices
    WHERE list_contains($tickers, ticker) AND ($source IS NULL OR source = $source)
    GROUP BY ticker, source
    QUALIFY row_number() OVER (
        PARTITION BY ticker ORDER BY max(date) DESC, count(*) DESC, source) = 1
)
SELECT p.ticker, p.date, {_VALUES} FROM prices p JOIN best USING (ticker, source)
WHERE ($start IS NULL OR p.date >= $start) AND ($end IS NULL OR p.date <= $end)
ORDER BY p.ticker, p.date
"""


def default_store_path() -> Path:
    """``$STOCKPRED_STORE`` if set, else ``prices.duckdb`` in the user's data directory."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path("stockpred") / DEFAULT_FILE


@dataclass(frozen=True)
class StoredRange:
    """What the store holds for one (ticker, source)."""

    ticker: str
    source: str
    first: pd.Timestamp
    last: pd.Timestamp
    rows: int
    since: pd.Timestamp | None
    checked_at: pd.Timestamp | None


class PriceStore:
    """Daily prices of many tickers from many sources in one DuckDB file."""

    def __init__(self, path: str | Path | None = None, *, lock_timeout: float = LOCK_TIMEOUT):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.lock_timeout = lock_timeout

    def write(
        self,
        ticker: str,
        source: str,
        frame: pd.DataFrame,
        *,
        since: pd.Timestamp | None = None,
        replace: bool = False,
        now: pd.Timestamp | None = None,
    ) -> int:
        """Upsert rows in one transaction; ``replace`` drops the old rows first.

        Give it :func:`observed_rows` of a cleaned frame: what is written is read back as
        observed prices. Returns how many rows were new or changed (0 when the same bars are written again).
        """
        key = ticker.upper()
        stamp = now or pd.Timestamp.now(tz="UTC").tz_localize(None)
        rows = _rows(key, source, frame, stamp)
        with self._connect(write=True) as con:
            con.register("incoming", rows)
            con.execute("BEGIN TRANSACTION")
            try:
                if replace:
                    con.execute("DELETE FROM prices WHERE ticker = ? AND source = ?", [key, source])
                changed = _one(con.execute(_CHANGED))
                con.execute(_UPSERT)
                con.execute(
                    _COVER,
                    {
                        "ticker": key,
                        "source": source,
                        "since": None if since is None else pd.Timestamp(since).date(),
                        "now": stamp.to_pydatetime(),
                        "replace": replace,
                    },
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return changed

    def ranges(self, ticker: str | None = None, source: str | None = None) -> list[StoredRange]:
        """Stored spans per (ticker, source), best source of each ticker first."""
        params = {"ticker": ticker.upper() if ticker else None, "source": source}
        rows = self._query(_RANGES, params, lambda result: result.fetchall())
        return [
            StoredRange(
                ticker,
                source,
                pd.Timestamp(first),
                pd.Timestamp(last),
                int(n),
                None if since is None else pd.Timestamp(since),
                None if checked is None else pd.Timestamp(checked),
            )
            for ticker, source, first, last, n, since, checked in rows
        ]

    def read_panel(
        self,
        tickers: Sequence[str],
        *,
        source: str | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """A long table ``ticker, date, open, high, low, close, adj_close, volume``."""
        params = {
            "tickers": [t.upper() for t in tickers],
            "source": source,
            "start": None if start is None else pd.Timestamp(start).date(),
            "end": None if end is None else pd.Timestamp(end).date(),
        }
        panel = self._query(_PANEL, params, lambda result: result.df())
        if panel.empty:
            panel = pd.DataFrame({c: pd.Series(dtype="float64") for c in PANEL_COLUMNS})
        panel["ticker"] = panel["ticker"].astype(str)
        panel["date"] = pd.to_datetime(panel["date"]).astype("datetime64[ns]")
        return panel

    def read(
        self,
        ticker: str,
        *,
        source: str | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        """One ticker's observed rows (empty when nothing is stored); a column the source did
        not have (``adj_close``, ``volume``) is left out, as it was absent from its file."""
        panel = self.read_panel([ticker], source=source, start=start, end=end)
        frame = panel.drop(columns="ticker").set_index("date")
        return frame if frame.empty else frame.dropna(axis=1, how="all")

    def _query(self, sql: str, params: Mapping[str, object], read: Callable[[Result], T]) -> T:
        """Run a read-only query; a store that does not exist yet reads as empty."""
        if self.path.exists():
            with self._connect(write=False) as con:
                try:
                    return read(con.execute(sql, params))
                except duckdb.CatalogException:  # a DuckDB file without our tables (yet)
                    pass
        with duckdb.connect(":memory:") as empty:
            empty.execute(_SCHEMA)
            return read(empty.execute(sql, params))

    def _connect(self, *, write: bool) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """The store opened (waiting while another process writes), its format checked."""
        return connected(self._file(), write=write, prepare=self._prepare)

    def _prepare(self, con: duckdb.DuckDBPyConnection, write: bool) -> None:
        self._check_format(con)
        if write:
            con.execute(_SCHEMA)

    def _check_format(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse a store written before filled sessions were kept out of it."""
        tables = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if "prices" in tables and "store_format" not in tables:
            raise StoreError(
                f"the price store {self.path} was written by an older stockpred that stored "
                f"forward-filled sessions as real prices; move it aside (mv {self.path} "
                f"{self.path}.old) and fill a new one with 'stockpred data import' or "
                "'stockpred fetch'"
            )

    def _file(self) -> DuckFile:
        return DuckFile(
            self.path,
            self.lock_timeout,
            name=f"the price store {self.path}",
            if_damaged=f"if it is damaged, move it aside and fetch again, or point store= or "
            f"{STORE_ENV} elsewhere",
            failed=f"the price store {self.path}",
            remedy=f"move it aside and fetch again, or point store= or {STORE_ENV} elsewhere",
        )


@dataclass(frozen=True)
class DuckFile:
    """A DuckDB file of stockpred's and how its one-line errors name it and say what to do."""

    path: Path
    lock_timeout: float
    name: str  # in the errors of opening it
    if_damaged: str  # what to do when it cannot be opened
    failed: str  # in the error of a statement that failed on it
    remedy: str  # what to do then


@contextmanager
def connected(
    file: DuckFile,
    *,
    write: bool,
    prepare: Callable[[duckdb.DuckDBPyConnection, bool], None],
) -> Iterator[duckdb.DuckDBPyConnection]:
    """``file`` opened (waiting while another process writes) and ``prepare``d (checked; its
    tables made to write); a DuckDB failure inside is one StoreError line; always closed."""
    if write:
        file.path.parent.mkdir(parents=True, exist_ok=True)
    con = open_waiting(
        file.path,
        write=write,
        lock_timeout=file.lock_timeout,
        name=file.name,
        if_damaged=file.if_damaged,
    )
    try:
        prepare(con, write)
        yield con
    except duckdb.Error as exc:
        raise StoreError(
            f"{file.failed} failed: {_first_line(exc)}; it may be damaged: {file.remedy}"
        ) from exc
    finally:
        con.close()


def open_waiting(
    path: Path, *, write: bool, lock_timeout: float, name: str, if_damaged: str
) -> duckdb.DuckDBPyConnection:
    """Connect to a DuckDB file, waiting with backoff while another process holds it (DuckDB
    lets one process write a file); ``name`` and ``if_damaged`` word the one-line errors."""
    deadline = time.monotonic() + lock_timeout
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=not write)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open {name}: {_first_line(exc)}; {if_damaged}") from exc
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{name} stayed locked by another process for {lock_timeout:g} s; wait "
                    "for it to finish and retry"
                ) from exc
        # Jitter so two waiting processes do not retry in lockstep.
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 0.25)


def observed_rows(frame: pd.DataFrame, report: CleaningReport | None) -> pd.DataFrame:
    """What the store keeps of a cleaned frame: no forward-filled session, and no
    ``adj_close`` the cleaning copied from ``close`` (no report: nothing was changed)."""
    if report is None:
        return frame
    dropped = ["adj_close"] if report.price_column == "close" else []
    return frame.drop(index=pd.DatetimeIndex(report.filled_dates), columns=dropped)


def _rows(key: str, source: str, frame: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    rows = frame.reindex(columns=list(PRICE_COLUMNS)).astype("float64")
    rows = rows.rename_axis("date").reset_index()
    rows.insert(0, "ticker", key)
    rows.insert(2, "source", source)
    rows["date"] = pd.to_datetime(rows["date"]).dt.normalize()
    rows["fetched_at"] = now
    return rows


def _one(result: Result) -> int:
    row = result.fetchone()
    return int(row[0]) if row else 0


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
