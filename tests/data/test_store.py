"""The DuckDB store and incremental updates: idempotence, ranges, re-adjustment, locking, damage."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred.data.calendar import sessions_between
from stockpred.data.files import read_price_file, write_price_file
from stockpred.data.providers import Retry
from stockpred.data.providers.memory import MemoryProvider
from stockpred.data.schema import clean_prices
from stockpred.data.store import PriceStore, default_store_path
from stockpred.data.sync import last_closed_session, sessions_behind, update, update_first
from stockpred.exceptions import ProviderError, ProviderUnavailable, StoreError, TickerNotFound

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "us-daily"
NOW = pd.Timestamp("2017-11-13 12:00")  # the Monday after the shared data's last session
NO_WAIT = Retry(attempts=2, sleep=lambda _: None)


def shared_raw(ticker: str) -> pd.DataFrame:
    path = SHARED / f"{ticker}.csv.gz"
    if not path.is_file():
        pytest.skip(f"{path} is absent: the real shared data lies beside the repo only")
    return pd.read_csv(path)


def synthetic_raw(first: str, last: str, scale: float = 1.0) -> pd.DataFrame:
    """Raw daily rows (Yahoo layout) on every XNYS session from ``first`` to ``last``."""
    days = sessions_between("XNYS", pd.Timestamp(first), pd.Timestamp(last))
    close = 100.0 + np.arange(len(days)) * 0.25
    return pd.DataFrame(
        {
            "Date": days.strftime("%Y-%m-%d"),
            "Open": close,
            "High": close + 1,
            "Low": close - 1,
            "Close": close,
            "Adj Close": close * scale,
            "Volume": 1000.0,
        }
    )


def frame_of(raw: pd.DataFrame) -> pd.DataFrame:
    return clean_prices(raw)[0]


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return PriceStore(tmp_path / "prices.duckdb", lock_timeout=5)


# --- paths ---------------------------------------------------------------------------------


def test_store_path_explicit_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("STOCKPRED_STORE", str(tmp_path / "env.duckdb"))
    assert PriceStore().path == tmp_path / "env.duckdb"
    assert PriceStore(tmp_path / "x.duckdb").path == tmp_path / "x.duckdb"
    monkeypatch.delenv("STOCKPRED_STORE")
    import platformdirs

    assert default_store_path() == platformdirs.user_data_path("stockpred") / "prices.duckdb"


def test_reading_a_missing_store_is_empty_and_creates_nothing(store):
    assert store.ranges() == []
    assert store.read("MSFT").empty
    assert not store.path.exists()


# --- upsert --------------------------------------------------------------------------------


def test_upsert_is_idempotent_and_keeps_fetched_at(store):
    frame = frame_of(synthetic_raw("2020-01-02", "2020-03-31"))
    first = pd.Timestamp("2021-01-01")
    assert store.write("msft", "yahoo", frame, now=first) == len(frame)
    assert store.write("MSFT", "yahoo", frame, now=pd.Timestamp("2021-06-01")) == 0
    [held] = store.ranges()
    assert (held.ticker, held.source, held.rows) == ("MSFT", "yahoo", len(frame))
    assert held.checked_at == pd.Timestamp("2021-06-01")
    with __import__("duckdb").connect(str(store.path), read_only=True) as con:
        stamps = con.execute("SELECT DISTINCT fetched_at FROM prices").fetchall()
    assert stamps == [(first.to_pydatetime(),)]
    pd.testing.assert_frame_equal(store.read("MSFT"), frame, check_freq=False)


def test_upsert_counts_only_changed_rows_and_keeps_sources_apart(store):
    frame = frame_of(synthetic_raw("2020-01-02", "2020-01-31"))
    store.write("MSFT", "yahoo", frame)
    changed = frame.copy()
    changed.iloc[-3:, changed.columns.get_loc("close")] += 1.0
    assert store.write("MSFT", "yahoo", changed) == 3
    assert store.write("MSFT", "stooq", frame.iloc[:5]) == 5
    assert [(r.source, r.rows) for r in store.ranges("MSFT")] == [("yahoo", 21), ("stooq", 5)]
    assert store.read("MSFT")["close"].iloc[-1] == changed["close"].iloc[-1]
    assert store.read("MSFT", source="stooq")["close"].iloc[-1] == frame["close"].iloc[4]


def test_read_range_and_panel_of_real_tickers(store):
    for ticker in ("MSFT", "IBM", "KO"):
        raw = shared_raw(ticker)
        store.write(ticker, "stooq", frame_of(raw[raw.Date >= "2009-01-01"]))
    panel = store.read_panel(["ibm", "KO", "MSFT", "NOPE"], start="2010-01-04", end="2010-12-31")
    assert list(panel.columns) == [
        "ticker",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
    ]
    assert sorted(panel["ticker"].unique()) == ["IBM", "KO", "MSFT"]
    assert (panel.groupby("ticker").size() == 252).all()
    assert panel["date"].min() == pd.Timestamp("2010-01-04")
    assert panel["date"].dtype == "datetime64[ns]"
    msft = store.read("MSFT", start="2010-01-04", end="2010-12-31")
    np.testing.assert_array_equal(msft["close"], panel.loc[panel.ticker == "MSFT", "close"])


# --- incremental update --------------------------------------------------------------------


def test_first_update_fetches_all_then_only_new_sessions(store):
    full = synthetic_raw("2017-06-01", "2017-11-10")
    provider = MemoryProvider({"ACME": full[full.Date <= "2017-10-31"]}, name="yahoo")
    first = update(store, "acme", provider, now=NOW)
    assert (first.action, first.rows_written) == ("full", 107)
    assert provider.requests == [("ACME", None, None)]

    provider.frames["ACME"] = full
    second = update(store, "ACME", provider, now=NOW)
    # Two overlapping sessions (Oct 30, 31) are asked again to spot re-adjusted history.
    assert provider.requests[-1] == ("ACME", pd.Timestamp("2017-10-30"), None)
    assert (second.action, second.rows_written) == ("incremental", 8)
    assert store.ranges("ACME")[0].last == pd.Timestamp("2017-11-10")

    third = update(store, "ACME", provider, now=NOW)
    assert (third.action, third.rows_written) == ("up to date", 0)
    assert len(provider.requests) == 2
    pd.testing.assert_frame_equal(store.read("ACME"), frame_of(full), check_freq=False)


def test_readjusted_history_is_refetched_and_replaced(store):
    old = synthetic_raw("2017-06-01", "2017-10-31")
    provider = MemoryProvider({"ACME": old}, name="yahoo")
    update(store, "ACME", provider, now=NOW)
    # A dividend on Nov 1 re-adjusts every earlier Adj Close by 2%.
    provider.frames["ACME"] = synthetic_raw("2017-06-01", "2017-11-10", scale=0.98)
    result = update(store, "ACME", provider, now=NOW)
    assert result.action == "refetched"
    assert provider.requests[-1] == ("ACME", None, None)
    stored = store.read("ACME")
    assert len(stored) == 115
    np.testing.assert_allclose(stored["adj_close"], stored["close"] * 0.98)


def test_start_before_stored_coverage_backfills_once(store):
    raw = synthetic_raw("2017-01-03", "2017-11-10")
    provider = MemoryProvider({"ACME": raw}, name="yahoo")
    update(store, "ACME", provider, start="2017-09-01", now=NOW)
    assert store.ranges("ACME")[0].first == pd.Timestamp("2017-09-01")
    assert update(store, "ACME", provider, start="2017-10-02", now=NOW).action == "up to date"
    result = update(store, "ACME", provider, start="2017-03-01", now=NOW)
    assert result.action == "full"
    assert provider.requests[-1] == ("ACME", pd.Timestamp("2017-03-01"), None)
    assert store.ranges("ACME")[0].first == pd.Timestamp("2017-03-01")


def test_failed_fetch_writes_nothing(store):
    provider = MemoryProvider({"ACME": synthetic_raw("2017-06-01", "2017-10-31")}, name="yahoo")
    update(store, "ACME", provider, now=NOW)
    before = store.read("ACME")
    provider.failures = [ProviderUnavailable("yahoo timed out fetching ACME")] * 2
    with pytest.raises(ProviderUnavailable):
        update(store, "ACME", provider, now=NOW, retry=NO_WAIT)
    pd.testing.assert_frame_equal(store.read("ACME"), before)


def test_update_first_falls_back_and_names_every_failure(store):
    down = MemoryProvider(name="yahoo", failures=[ProviderUnavailable("yahoo timed out")] * 2)
    backup = MemoryProvider({"ACME": synthetic_raw("2017-06-01", "2017-11-10")}, name="stooq")
    result = update_first(store, "ACME", [down, backup], now=NOW, retry=NO_WAIT)
    assert (result.source, result.action) == ("stooq", "full")
    unknown = [MemoryProvider(name="yahoo"), MemoryProvider(name="stooq")]
    with pytest.raises(TickerNotFound, match=r"no provider could fetch ZZZZ: yahoo .*; stooq"):
        update_first(store, "ZZZZ", unknown, now=NOW)
    mixed = [MemoryProvider(name="yahoo", failures=[ProviderError("yahoo: HTML")]), unknown[1]]
    with pytest.raises(ProviderError, match="yahoo: HTML") as info:
        update_first(store, "ZZZZ", mixed, now=NOW)
    assert not isinstance(info.value, TickerNotFound)


def test_staleness_in_sessions():
    assert last_closed_session("XNYS", NOW) == pd.Timestamp("2017-11-10")
    assert sessions_behind(pd.Timestamp("2017-11-10"), "XNYS", NOW) == 0
    assert sessions_behind(pd.Timestamp("2017-11-06"), "XNYS", NOW) == 4


# --- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trips_through_the_file_reader(store, tmp_path, fmt):
    frame = frame_of(synthetic_raw("2020-01-02", "2020-03-31"))
    store.write("ACME", "yahoo", frame)
    path = write_price_file(store.read("ACME"), tmp_path / f"out/acme.{fmt}", fmt)
    again, report = clean_prices(read_price_file(path))
    pd.testing.assert_frame_equal(again, frame, check_freq=False)
    assert report.messages() == []
    assert [p.name for p in path.parent.iterdir()] == [f"acme.{fmt}"]  # no temp file left


# --- damage and concurrency ----------------------------------------------------------------


def test_corrupt_file_is_a_store_error_and_left_untouched(tmp_path):
    path = tmp_path / "prices.duckdb"
    path.write_bytes(b"this is not a duckdb file\n" * 100)
    store = PriceStore(path)
    with pytest.raises(StoreError, match=r"cannot open the price store .*move it aside"):
        store.ranges()
    with pytest.raises(StoreError, match="not a valid DuckDB database file"):
        store.write("ACME", "yahoo", frame_of(synthetic_raw("2020-01-02", "2020-01-31")))
    assert path.read_bytes() == b"this is not a duckdb file\n" * 100


def run_python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


WRITER = """
import sys
import numpy as np, pandas as pd
from stockpred.data.store import PriceStore
path, ticker = sys.argv[1], sys.argv[2]
store = PriceStore(path, lock_timeout=30)
days = pd.bdate_range("2000-01-03", periods=2000, name="date")
values = np.linspace(10, 20, len(days))
frame = pd.DataFrame({c: values for c in ("open", "high", "low", "close", "adj_close")}, index=days)
frame["volume"] = 1.0
for chunk in range(20):  # 20 separate transactions of 100 rows each
    store.write(ticker, "yahoo", frame.iloc[chunk * 100:(chunk + 1) * 100])
print("done")
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "prices.duckdb")
    writers = [run_python(WRITER, path, ticker) for ticker in ("AAA", "BBB")]
    outputs = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    store = PriceStore(path)
    assert [(r.ticker, r.rows) for r in store.ranges()] == [("AAA", 2000), ("BBB", 2000)]
    panel = store.read_panel(["AAA", "BBB"])
    assert panel.groupby("ticker")["close"].apply(lambda s: s.is_monotonic_increasing).all()


def test_a_store_held_by_another_process_times_out_with_a_clear_error(tmp_path):
    path = tmp_path / "prices.duckdb"
    PriceStore(path).write("ACME", "yahoo", frame_of(synthetic_raw("2020-01-02", "2020-01-31")))
    holder = run_python(
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "time.sleep(30)\n",
        str(path),
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StoreError, match=r"stayed locked by another process for 0\.3 s"):
            PriceStore(path, lock_timeout=0.3).read("ACME")
    finally:
        holder.kill()
        holder.communicate()
    assert len(PriceStore(path).read("ACME")) == 21
