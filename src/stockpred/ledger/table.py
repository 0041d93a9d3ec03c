"""The ledger: every forecast stockpred made, in a ``forecasts`` table beside the prices.

It lives in the price store's DuckDB file (its own tables; the ``prices`` table is the
store's and is only read through :class:`~stockpred.data.store.PriceStore`). One
``append`` is one transaction keyed on (ticker, as_of, model_id, step): a row is written
whole or not at all, and writing the same forecast again writes nothing. DuckDB lets one
process at a time open a file for writing; a second writer waits with backoff for up to
``lock_timeout`` seconds and then stops with one line, so two ``forecast`` runs take turns.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from stockpred.data.store import LOCK_TIMEOUT, DuckFile, PriceStore, connected
from stockpred.exceptions import ConfigError, StoreError

# Raised when the table's layout changes; a store with a higher number is refused.
SCHEMA_VERSION = 1
LEDGER_COLUMNS = (
    "ticker",
    "as_of",
    "model_id",
    "step",
    "target_date",
    "point",
    "lower",
    "upper",
    "level",
    "interval_method",
    "last_price",
    "price_column",
    "written_at",
)
KEY = ("ticker", "as_of", "model_id", "step")


@dataclass(frozen=True)
class PromiseRow:
    """A row of the ``promises`` table: a model's one-step record on its own test span."""

    model_id: str
    ticker: str
    trained_through: pd.Timestamp
    mae_vs_naive: float | None  # None when the test span held no real next price
    coverage: float | None
    level: float
    n_test: int


PROMISE_COLUMNS = tuple(f.name for f in fields(PromiseRow))
_SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS forecasts (
    ticker VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    model_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    target_date DATE NOT NULL,
    point DOUBLE NOT NULL,
    lower DOUBLE NOT NULL,
    upper DOUBLE NOT NULL,
    level DOUBLE NOT NULL,
    interval_method VARCHAR NOT NULL,
    last_price DOUBLE NOT NULL,
    price_column VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticker, as_of, model_id, step)
);
-- The model's promise: its one-step test-span MAE ÷ naive and interval coverage, as saved
-- with the model when it was trained; the scorecard sets the live record beside it.
CREATE TABLE IF NOT EXISTS promises (
    model_id VARCHAR PRIMARY KEY,
    ticker VARCHAR NOT NULL,
    trained_through DATE NOT NULL,
    mae_vs_naive DOUBLE,
    coverage DOUBLE,
    level DOUBLE NOT NULL,
    n_test INTEGER NOT NULL
);
"""
_VERSION = "SELECT value FROM ledger_meta WHERE key = 'schema_version'"
_INSERT = f"""
INSERT INTO forecasts SELECT {", ".join(LEDGER_COLUMNS)} FROM incoming
ON CONFLICT ({", ".join(KEY)}) DO NOTHING
"""
_PROMISE = f"""
INSERT INTO promises SELECT {", ".join(PROMISE_COLUMNS)} FROM promised
ON CONFLICT (model_id) DO NOTHING
"""


class Ledger:
    """The ``forecasts`` and ``promises`` tables of one store file."""

    def __init__(self, path: str | Path | None = None, *, lock_timeout: float = LOCK_TIMEOUT):
        self.path = PriceStore(path).path
        self.lock_timeout = lock_timeout

    def append(self, rows: pd.DataFrame, promises: Sequence[PromiseRow] = ()) -> int:
        """Write forecasts (and their models' promises) in one transaction; returns how many
        rows were new: 0 when the same forecasts are appended again."""
        return self.append_all([(rows, promises)])[0]

    def append_all(self, parts: Sequence[tuple[pd.DataFrame, Sequence[PromiseRow]]]) -> list[int]:
        """Several tickers' forecasts and promises in one transaction (a day of a watchlist:
        one open of the file, not one a ticker); how many rows of each part were new."""
        now = pd.Timestamp.now(tz="UTC").tz_localize(None)
        added = []
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for rows, promises in parts:
                    incoming = rows.assign(written_at=now)[list(LEDGER_COLUMNS)]
                    promised = pd.DataFrame(
                        [asdict(p) for p in promises], columns=list(PROMISE_COLUMNS)
                    )
                    con.register("incoming", incoming)
                    con.register("promised", promised)
                    before = _count(con)
                    con.execute(_INSERT)
                    con.execute(_PROMISE)
                    added.append(_count(con) - before)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return added

    def read(self, where: str = "TRUE", params: Sequence[Any] = ()) -> pd.DataFrame:
        """The forecasts matching an SQL condition, in key order (empty without a ledger)."""
        sql = f"SELECT * FROM forecasts WHERE {where} ORDER BY ticker, as_of, model_id, step"
        frame = self._select(sql, params, LEDGER_COLUMNS)
        for column in ("as_of", "target_date"):
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
        return frame

    def promises(self) -> pd.DataFrame:
        """Every model's promise, by model_id."""
        return self._select("SELECT * FROM promises ORDER BY model_id", (), PROMISE_COLUMNS)

    def done(self, ticker: str, steps: int) -> set[pd.Timestamp]:
        """The as_of dates for which ``ticker`` already has ``steps`` forecasts of one model."""
        sql = (
            "SELECT DISTINCT as_of FROM forecasts WHERE ticker = ? AND step <= ? "
            "GROUP BY as_of, model_id HAVING count(*) = ?"
        )
        found = self._select(sql, (ticker, steps, steps), ("as_of",))
        return {pd.Timestamp(d) for d in found["as_of"]}

    def export(self, path: Path) -> int:
        """Every forecast into a new CSV or Parquet file, written whole (temp, then rename)."""
        path = Path(path)
        if path.suffix not in (".csv", ".parquet"):
            raise ConfigError(f"{path}: export writes .csv or .parquet; name the file so")
        if path.exists():
            raise ConfigError(f"{path} exists; choose a new file name (nothing is overwritten)")
        rows = self.read()
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            if path.suffix == ".csv":
                rows.to_csv(tmp, index=False)
            else:
                rows.to_parquet(tmp, index=False)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return len(rows)

    def prune(self, before: pd.Timestamp, ticker: str | None = None) -> int:
        """Remove forecasts made before a date (of one ticker, or all); returns how many."""
        where, params = "as_of < ?", [pd.Timestamp(before).date()]
        if ticker is not None:
            where, params = f"{where} AND ticker = ?", [*params, ticker]
        return self.delete(where, params)

    def delete(self, where: str, params: Sequence[Any]) -> int:
        """Remove the forecasts matching a condition in one transaction; returns how many."""
        with self._connect(write=True) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                before = _count(con)
                con.execute(f"DELETE FROM forecasts WHERE {where}", list(params))
                removed = before - _count(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return removed

    def _select(self, sql: str, params: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
        """A read; a store without a ledger (or no file at all) reads as an empty table."""
        if self.path.exists():
            with self._connect(write=False) as con:
                if _has_ledger(con):
                    return con.execute(sql, list(params)).df()
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})

    def _connect(self, *, write: bool) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """Open the file (waiting while another process writes), check the schema version."""
        return connected(self._file(), write=write, prepare=self._prepare)

    def _prepare(self, con: duckdb.DuckDBPyConnection, write: bool) -> None:
        self._check_version(con)
        if write:
            con.execute(_SCHEMA)
            con.execute(
                "INSERT INTO ledger_meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )

    def _check_version(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse a ledger written by a newer stockpred: its rows may mean something else."""
        if not _has_ledger(con, "ledger_meta"):
            return
        row = con.execute(_VERSION).fetchone()
        version = int(row[0]) if row else SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the ledger in {self.path} was written by a newer stockpred (ledger schema "
                f"{version}, this one knows {SCHEMA_VERSION}); upgrade stockpred to use it"
            )

    def _file(self) -> DuckFile:
        return DuckFile(
            self.path,
            self.lock_timeout,
            name=f"the store {self.path}",
            if_damaged="move it aside or point --store elsewhere",
            failed=f"the ledger in {self.path}",
            remedy="export what you can with 'stockpred ledger export' and use a new --store",
        )


def _has_ledger(con: duckdb.DuckDBPyConnection, table: str = "forecasts") -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(found and found[0])


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM forecasts").fetchone()
    return int(row[0]) if row else 0
