"""Shared fixtures: tiny CPU-only models and small slices of the bundled sample."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_flags(tmp_path: Path) -> list[str]:
    """Headless Chromium that talks to no one and logs page console errors to stderr."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1200,3000",
        "--enable-logging=stderr",
        "--v=0",
    ]


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Every evaluation's baselines, in table order.
BASELINES = ("naive", "drift", "moving_average", "linear_ar", "arima", "exp_smoothing", "theta")

# Small enough that a fit takes well under a second on 2 cores.
TINY = {
    "window": 10,
    "hidden": 8,
    "layers": 1,
    "epochs": 3,
    "batch_size": 64,
    "patience": 2,
    "device": "cpu",
}


# The longest stretches first, so that under xdist (make test: --no-loadscope-reorder keeps this
# order) the short tests fill the cores around them: the Ray group, mostly waiting on Ray's own
# processes, then the interrupt tests, each a real CLI process killed mid-run, then the groups
# that share a module fixture (a whole group runs on one worker: last, it would leave the other
# worker idle for its length) and the other modules over ~5 s.
LONGEST_FIRST = (
    "tests/cluster/",
    "tests/universe/test_interrupts.py",
    "tests/universe/test_runner.py",
    "tests/cli/test_cli.py",
    "tests/docs/test_examples.py",
    "tests/models/test_global_lstm.py",
    "tests/test_atomic_writes.py",
    "tests/data/test_store.py",
    "tests/cli/test_backtest_cli.py",
    "tests/evaluation/test_backtest.py",
    "tests/cli/test_market_cli.py",
)


def _longest_first(item: pytest.Item) -> int:
    return next(
        (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
        len(LONGEST_FIRST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest tests first (a stable sort); skip ``@pytest.mark.cuda`` tests, saying why,
    where torch sees no CUDA GPU."""
    items.sort(key=_longest_first)
    if not any(item.get_closest_marker("cuda") for item in items):
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="no CUDA GPU here (benchmarks/gpu/gpu.sh runs these on one)")
    for item in items:
        if item.get_closest_marker("cuda"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch the network: an accidental connection fails loudly and at once."""
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a test tried to open a network connection")

    local_connect = socket.socket.connect

    def refuse_unless_local(sock: socket.socket, address: object) -> None:
        """Unix sockets stay open: worker processes talk to their fork server over one."""
        if sock.family != socket.AF_UNIX:
            refuse()
        local_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", refuse_unless_local)
    monkeypatch.setattr(socket, "create_connection", refuse)


# A fixed Monday: every test sees the same "today" (the calendar then ends a year later).
FIXED_TODAY = pd.Timestamp("2025-06-02")


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing depends on the day the tests run: staleness, calendars, "recent" all use this."""
    monkeypatch.setattr("stockpred.data.clock.today", lambda: FIXED_TODAY)


@pytest.fixture
def tiny_config() -> ForecastConfig:
    """A network small enough to train in a test."""
    return ForecastConfig(**TINY)


@pytest.fixture(scope="session")
def msft() -> PriceHistory:
    """MSFT from the bundled sample, last ~600 sessions."""
    return load_prices("MSFT", start="2010-08-01")


# A tiny model with the sample's AAPL as its ``market`` index.
MARKET = {**TINY, "market": "AAPL"}


@pytest.fixture(scope="session")
def aapl() -> PriceHistory:
    """AAPL from the bundled sample, the index of the ``market`` input tests."""
    return load_prices("AAPL", start="2010-06-01")


@pytest.fixture(scope="session")
def market_fitted(msft: PriceHistory, aapl: PriceHistory) -> Any:
    """A tiny Forecaster fitted on MSFT with AAPL as the market index."""
    from stockpred.data.market import with_market
    from stockpred.evaluation.forecaster import Forecaster

    return Forecaster(ForecastConfig(**MARKET)).fit(with_market(msft, aapl), progress=False)


def shared_file(kind: str, ticker: str) -> Path:
    """A real file from ../shared/data, or skip the test where that folder is absent."""
    path = SHARED_DATA / kind / f"{ticker}.csv.gz"
    if not path.is_file():
        pytest.skip(f"{path} not present (the shared real-data folder is beside the repo only)")
    return path


def yahoo_frame(n: int = 30, start: str = "2021-01-04") -> pd.DataFrame:
    """A clean raw table in Yahoo's CSV layout over real XNYS sessions."""
    import numpy as np

    from stockpred.data.calendar import sessions_between

    dates = sessions_between(
        "XNYS", pd.Timestamp(start), pd.Timestamp(start) + pd.Timedelta(days=3 * n)
    )[:n]
    close = 100.0 * np.exp(np.cumsum(np.full(n, 0.001)))
    return pd.DataFrame(
        {
            "Date": dates.strftime("%Y-%m-%d"),
            "Open": close,
            "High": close * 1.01,
            "Low": close * 0.99,
            "Close": close,
            "Adj Close": close * 0.5,
            "Volume": np.arange(n) + 1000,
        }
    )
