"""The forecasts table: idempotent, whole-row appends; newer schemas and held locks refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from stockpred.exceptions import StoreError
from stockpred.ledger.table import LEDGER_COLUMNS, SCHEMA_VERSION, Ledger, PromiseRow


def rows(as_of: str = "2024-01-02", model: str = "m1", steps: int = 3) -> pd.DataFrame:
    """A day's forecasts of one model, as the daily loop makes them."""
    return pd.DataFrame(
        {
            "ticker": "AAPL",
            "as_of": pd.Timestamp(as_of),
            "model_id": model,
            "step": np.arange(1, steps + 1, dtype=np.int32),
            "target_date": pd.bdate_range(
                pd.Timestamp(as_of) + pd.Timedelta(days=1), periods=steps
            ),
            "point": [100.0, 101.0, 102.0][:steps],
            "lower": 95.0,
            "upper": 105.0,
            "level": 0.8,
            "interval_method": "ewma",
            "last_price": 99.0,
            "price_column": "adj_close",
        }
    )


def test_append_is_idempotent_per_ticker_as_of_model_and_step(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "s.duckdb")
    assert ledger.append(rows()) == 3
    assert ledger.append(rows()) == 0  # the same forecasts again: nothing written
    assert ledger.append(rows(model="m2")) == 3  # another model's forecasts are new
    table = ledger.read()
    assert len(table) == 6
    assert list(table.columns) == list(LEDGER_COLUMNS)
    assert ledger.done("AAPL", 3) == {pd.Timestamp("2024-01-02")}
    assert ledger.done("AAPL", 4) == set()


def test_a_failed_append_writes_no_row(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "s.duckdb")
    # The forecasts insert goes through; the promise after it fails (no ticker): neither stays.
    promise = PromiseRow("m1", None, pd.Timestamp("2024-01-02"), None, None, 0.8, 5)
    with pytest.raises(StoreError):
        ledger.append(rows(), [promise])
    assert ledger.read().empty
    assert ledger.promises().empty


def test_a_ledger_from_a_newer_version_is_refused_in_one_line(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "s.duckdb")
    ledger.append(rows())
    with duckdb.connect(str(ledger.path)) as con:
        con.execute("UPDATE ledger_meta SET value = ?", [str(SCHEMA_VERSION + 1)])
    for use in (ledger.read, lambda: ledger.append(rows(model="m3"))):
        with pytest.raises(StoreError, match="newer stockpred") as caught:
            use()
        assert "\n" not in str(caught.value)


def test_a_second_writer_waits_then_stops_in_one_line(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "s.duckdb", lock_timeout=0.2)
    ledger.append(rows())
    holder = _hold_lock(ledger.path)
    try:
        with pytest.raises(StoreError, match="stayed locked") as caught:
            ledger.append(rows(model="m9"))
        assert "\n" not in str(caught.value)
    finally:
        holder.kill()
        holder.communicate()
    assert ledger.append(rows(model="m9")) == 3  # the lock gone, the append goes through


def _hold_lock(path: Path) -> subprocess.Popen[bytes]:
    """Another process holding the file open for writing, as a second forecast run would."""
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "print('held', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"held"
    return proc


def test_prune_deletes_only_matching_rows(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "s.duckdb")
    ledger.append(rows("2024-01-02"))
    ledger.append(rows("2024-01-03"))
    assert ledger.delete("as_of < ?", [pd.Timestamp("2024-01-03").date()]) == 3
    assert set(ledger.read()["as_of"]) == {pd.Timestamp("2024-01-03")}
