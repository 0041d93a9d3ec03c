"""A month of replay on a short slice of the sample, with a tiny model fitted once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stockpred.config import ForecastConfig
from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions
from stockpred.ledger.replay import DailyJob

from ..conftest import TINY

# Tiny and fitted once per replay (refit_every beyond the month): a replay takes seconds.
CONFIG = {k: v for k, v in TINY.items() if k != "layers"}
SESSIONS = 320  # of the sample's MSFT: enough for the 70/15/15 spans at window 10
MONTH = 21
DAYS = 2


def write_prices(folder: Path) -> tuple[Path, pd.DatetimeIndex]:
    """MSFT's last sessions as a CSV file, and the month of sessions to replay (its end)."""
    frame = load_prices("MSFT").frame.iloc[-SESSIONS:]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "MSFT.csv"
    frame.rename_axis("date").reset_index().to_csv(path, index=False)
    return path, frame.index[-MONTH - DAYS : -DAYS]


def job(csv: Path, store: Path, models: Path, month: pd.DatetimeIndex) -> DailyJob:
    """The month's replay of the file into ``store``."""
    return DailyJob(
        "MSFT",
        LoadOptions(csv=str(csv)),
        ForecastConfig(**CONFIG),
        models,
        store,
        refit_every=1000,
        days=DAYS,
        first=month[0],
        last=month[-1],
        replay=True,
    )


def cli_args(csv: Path, store: Path, models: Path, month: pd.DatetimeIndex) -> list[str]:
    """The same replay as ``job``, as ``stockpred replay`` arguments."""
    config = [f"--{k.replace('_', '-')}={v}" for k, v in CONFIG.items()]
    return [
        "replay", "--csv", str(csv), "--store", str(store), "--models", str(models),
        "--from", str(month[0].date()), "--to", str(month[-1].date()),
        "--days", str(DAYS), "--refit-every", "1000", "--quiet", *config,
    ]  # fmt: skip
