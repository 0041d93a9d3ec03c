"""The daily loop: no peeking past as_of, idempotent, and safe to kill and run again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from stockpred.ledger.replay import DailyOutcome, append_pending, run_daily
from stockpred.ledger.table import Ledger

from ..cli.test_ledger_cli import run
from .conftest import Replayed
from .month import DAYS, cli_args, job, write_prices
from .test_table import rows

SRC = Path(__file__).resolve().parents[2] / "src"


def forecasts(store: Path) -> pd.DataFrame:
    """The ledger's forecasts without the time they were written."""
    return Ledger(store).read().drop(columns="written_at")


def test_no_forecast_reads_a_price_after_its_as_of(replayed: Replayed, tmp_path: Path) -> None:
    csv, month, store = replayed
    change = month[len(month) // 2]
    prices = pd.read_csv(csv, parse_dates=["date"])
    later = prices["date"] > change
    columns = ["open", "high", "low", "close", "adj_close"]
    prices.loc[later, columns] = prices.loc[later, columns] * 3.0
    tripled = tmp_path / "tripled" / "MSFT.csv"
    tripled.parent.mkdir()
    prices.to_csv(tripled, index=False)
    assert run_daily(job(tripled, tmp_path / "b.duckdb", tmp_path / "models_b", month)).ok
    original, changed = forecasts(store), forecasts(tmp_path / "b.duckdb")
    before = original["as_of"] <= change
    assert before.sum() == (month <= change).sum() * DAYS
    # Bit for bit, every column, model name included: nothing after as_of was read.
    pd.testing.assert_frame_equal(
        original[before].reset_index(drop=True),
        changed[changed["as_of"] <= change].reset_index(drop=True),
        check_exact=True,
    )
    # The models those forecasts came from promised the same: their test spans end by as_of.
    used = original[before]["model_id"].unique()
    promised = [
        Ledger(s).promises().set_index("model_id").loc[used] for s in (store, tmp_path / "b.duckdb")
    ]
    pd.testing.assert_frame_equal(*promised, check_exact=True)
    # Every forecast came from a model trained on nothing after its as_of.
    trained = original["model_id"].map(
        Ledger(store).promises().set_index("model_id")["trained_through"]
    )
    assert (pd.to_datetime(trained) <= original["as_of"]).all()
    # And the change is seen once it is history: the test would catch a model that peeked.
    after = changed[changed["as_of"] > change]["last_price"].to_numpy()
    assert np.allclose(after, 3.0 * original[~before]["last_price"].to_numpy())


def test_replaying_again_writes_nothing(replayed: Replayed, tmp_path: Path) -> None:
    csv, month, store = replayed
    before = forecasts(store)
    again = run_daily(job(csv, store, tmp_path / "other_models", month))
    assert again.ok
    assert (again.written, again.skipped) == (0, len(month))
    assert again.model_ids == []  # no model was even needed
    pd.testing.assert_frame_equal(forecasts(store), before, check_exact=True)


def test_a_killed_replay_run_again_ends_with_the_uninterrupted_ledger(
    replayed: Replayed, tmp_path: Path
) -> None:
    csv, month, store = replayed
    killed = tmp_path / "c.duckdb"
    Ledger(killed).append(rows().iloc[:0])  # the ledger's tables, no row: the test can hold it
    args = cli_args(csv, killed, tmp_path / "models_c", month)
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1"}
    with _held(killed) as hold:
        child = subprocess.Popen([sys.executable, "-m", "stockpred", *args], env=env)
        written = _let_it_write(hold, child)
        child.send_signal(signal.SIGKILL)  # while it waits for the store: mid-replay, surely
        child.wait()
    partial = len(forecasts(killed))
    assert 0 < partial < len(month) * DAYS, "the kill should land mid-replay"
    assert written == partial
    assert run_daily(job(csv, killed, tmp_path / "models_c", month)).ok
    pd.testing.assert_frame_equal(forecasts(killed), forecasts(store), check_exact=True)


class _Hold:
    """The test's own connection to a store: while it is open, no other process writes."""

    def __init__(self, store: Path) -> None:
        self.store, self.con = store, _connect(store)

    def rows(self) -> int:
        found = self.con.execute("SELECT count(*) FROM forecasts").fetchone()
        return int(found[0]) if found else 0

    def release_for(self, seconds: float) -> None:
        self.con.close()
        time.sleep(seconds)
        self.con = _connect(self.store)


@contextmanager
def _held(store: Path) -> Iterator[_Hold]:
    hold = _Hold(store)
    try:
        yield hold
    finally:
        hold.con.close()


def _connect(store: Path, timeout: float = 60.0) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(store))
        except duckdb.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.002)


def _let_it_write(hold: _Hold, child: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    """Open the store to the child in short windows until it has written two sessions; the
    test holds the store between windows, so the child cannot run to the end unseen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None:
        if hold.rows() >= 2 * DAYS:
            return hold.rows()
        hold.release_for(0.03)
    raise AssertionError("the replay wrote nothing in time (or finished before it was killed)")


def test_forecast_twice_as_of_one_session_writes_once(
    replayed: Replayed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    csv, month, store = replayed
    models = tmp_path / "models"
    shutil.copytree(store.parent / "models_a", models)  # trained as of month[0]: reused
    argv = cli_args(csv, tmp_path / "s.duckdb", models, month)
    argv = [a for a in argv if a not in ("replay",)]
    at = argv.index("--from")
    argv = ["forecast", *argv[:at], "--as-of", str(month[1].date()), *argv[at + 4 :]]
    model = Ledger(store).read()["model_id"].iloc[0]
    assert run(argv, monkeypatch) == 0
    first = capsys.readouterr().out
    assert (
        f"MSFT: 1 session(s) to {month[1].date()}, 2 new forecast row(s) (model {model})" in first
    )
    assert run(argv, monkeypatch) == 0
    assert "0 new forecast row(s)" in capsys.readouterr().out
    assert len(Ledger(tmp_path / "s.duckdb").read()) == 2


def test_a_days_forecasts_go_in_at_once_each_ticker_counted(tmp_path: Path) -> None:
    def day() -> list[DailyOutcome]:
        aapl, msft = rows("2024-01-02"), rows("2024-01-02").assign(ticker="MSFT")
        return [
            DailyOutcome("AAPL", pending=[(aapl, [])]),
            DailyOutcome("MSFT", pending=[(msft, [])]),
        ]

    first = day()
    append_pending(first, tmp_path / "s.duckdb")
    assert [o.written for o in first] == [3, 3]
    assert all(not o.pending for o in first)
    again = day()
    append_pending(again, tmp_path / "s.duckdb")
    assert [o.written for o in again] == [0, 0]
    assert len(Ledger(tmp_path / "s.duckdb").read()) == 6


def test_a_replay_appends_in_batches_of_sessions(
    replayed: Replayed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An append opens the store (51 ms): a session at a time, a third of a replay's time."""
    from stockpred.ledger import replay

    csv, month, store = replayed
    sizes: list[int] = []
    append_all = Ledger.append_all

    def counted(self: Ledger, parts: list[replay.Made]) -> list[int]:
        sizes.append(len(parts))
        return append_all(self, parts)

    monkeypatch.setattr(Ledger, "append_all", counted)
    shutil.copytree(store.parent / "models_a", tmp_path / "models")
    assert run_daily(job(csv, tmp_path / "d.duckdb", tmp_path / "models", month)).ok
    assert sizes == [replay.REPLAY_BATCH, replay.REPLAY_BATCH, len(month) - 2 * replay.REPLAY_BATCH]
    pd.testing.assert_frame_equal(
        forecasts(tmp_path / "d.duckdb"), forecasts(store), check_exact=True
    )


def test_a_bug_in_one_tickers_replay_is_its_outcome_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv, month = write_prices(tmp_path / "prices")

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("close")

    monkeypatch.setattr("stockpred.ledger.replay.load_history", broken)
    outcome = run_daily(job(csv, tmp_path / "a.duckdb", tmp_path / "models", month))
    assert outcome.error == "unexpected KeyError: 'close'"  # as a universe ticker's would read
