"""The month replayed once, shared by the tests that compare other runs with it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stockpred.ledger.replay import run_daily

from .month import DAYS, job, write_prices

Replayed = tuple[Path, pd.DatetimeIndex, Path]


@pytest.fixture(scope="session")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """The month replayed once, uninterrupted: the ledger the other runs must equal."""
    root = tmp_path_factory.mktemp("replay")
    csv, month = write_prices(root / "prices")
    outcome = run_daily(job(csv, root / "a.duckdb", root / "models_a", month))
    assert outcome.ok, outcome.error
    assert outcome.written == len(month) * DAYS
    return csv, month, root / "a.duckdb"
