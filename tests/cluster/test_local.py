"""The local process pool: a worker that dies loses at most its own item, never the run."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from stockpred.cluster.local import LocalBackend
from stockpred.exceptions import WorkerLost
from stockpred.universe.job import TickerOutcome
from stockpred.universe.progress import stream

pytestmark = pytest.mark.xdist_group("pool")


def _times_ten_or_die(item: tuple[int, str]) -> int:
    """SIGKILL this worker (as the out-of-memory killer would) on the items marked to die;
    a marker given as a file path dies only the first time, when the file does not exist."""
    number, die = item
    if die == "always" or (die and not Path(die).exists()):
        if die != "always":
            Path(die).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return number * 10


def _lost(item: tuple[int, str], why: str) -> str:
    return f"lost {item[0]}: {why}"


def test_a_worker_killed_on_one_item_loses_that_item_only() -> None:
    items = [(n, "always" if n == 3 else "") for n in range(6)]
    results = list(LocalBackend(2).map(_times_ten_or_die, items, _lost))
    assert sorted(r for r in results if isinstance(r, int)) == [0, 10, 20, 40, 50]
    assert [r for r in results if isinstance(r, str)] == [
        "lost 3: its worker process died (killed, or out of memory?), twice, the second time alone"
    ]


def test_a_worker_killed_once_is_retried_and_nothing_is_lost(tmp_path: Path) -> None:
    marker = tmp_path / "died-once"
    items = [(n, str(marker) if n == 1 else "") for n in range(4)]
    results = list(LocalBackend(2).map(_times_ten_or_die, items, _lost))
    assert marker.exists()  # it did die once
    assert sorted(results) == [0, 10, 20, 30]  # type: ignore[type-var]


def test_without_a_lost_answer_a_dead_worker_is_one_clear_error() -> None:
    with pytest.raises(WorkerLost, match=r"worker process died.*try fewer --workers"):
        list(LocalBackend(1).map(_times_ten_or_die, [(0, "always")]))


@dataclass(frozen=True)
class _Item:
    ticker: str


def _ok_unless_bad(item: _Item) -> TickerOutcome:
    if item.ticker == "BAD":
        os.kill(os.getpid(), signal.SIGKILL)
    return TickerOutcome(item.ticker)


def test_a_ticker_whose_worker_dies_streams_back_as_failed(tmp_path: Path) -> None:
    items = [_Item(t) for t in ("AAA", "BAD", "CCC", "DDD")]
    outcomes = stream(
        LocalBackend(2), _ok_unless_bad, items, tmp_path, progress=False, failed=TickerOutcome
    )
    assert sorted(t for t, o in outcomes.items() if o.ok) == ["AAA", "CCC", "DDD"]
    assert "worker process died" in str(outcomes["BAD"].error)


def _imported(module: str) -> bool:
    import sys

    return module in sys.modules


def test_workers_start_without_what_the_defaults_never_use() -> None:
    """arch (GARCH intervals, off by default) cost every run's fork server 0.47 CPU-s; the
    classical baselines' statsmodels, which every evaluation uses, is imported there once."""
    modules = ["arch", "statsmodels.tsa.arima.model"]
    assert list(LocalBackend(1).map(_imported, modules)) == [False, True]
