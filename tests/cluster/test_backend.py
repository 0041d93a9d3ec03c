"""Ray: the backend's map (results, retries after a lost worker), tuning on Ray Tune, no noise."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stockpred.cluster.backend import RayBackend

from ..conftest import TINY

# Under xdist (`make test`) this folder's tests share one worker and its Ray cluster.
pytestmark = pytest.mark.xdist_group("ray")


def _square(x: int) -> int:
    return x * x


def _die_once(marker: Path, x: int) -> int:
    """Kill this worker the first time it runs (every time for 7): Ray must run the task
    again elsewhere, and give up on 7 after its retries."""
    flag = marker / f"{x}.started"
    if x == 7 or not flag.exists():
        flag.write_text("x")
        os._exit(1)
    return x + 100


def test_ray_map_yields_every_result(ray_cluster: Any) -> None:
    assert sorted(RayBackend().map(_square, [1, 2, 3, 4])) == [1, 4, 9, 16]


def test_a_lost_worker_is_retried_and_one_lost_every_time_loses_its_item_only(
    ray_cluster: Any, tmp_path: Path
) -> None:
    from functools import partial

    def lost(item: int, why: str) -> str:
        return f"{item}: {why}"

    results = RayBackend(max_retries=1).map(partial(_die_once, tmp_path), [1, 7], lost)
    assert sorted(map(str, results)) == [
        "101",
        "7: its Ray worker was lost 2 times (WorkerCrashedError)",
    ]


@pytest.mark.slow
def test_tune_on_ray_writes_the_same_folder(
    ray_cluster: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    from stockpred.config import ForecastConfig
    from stockpred.data.loading import load_prices
    from stockpred.runs import tuning_run
    from stockpred.tuning.space import Param, SearchSpace

    history = load_prices("MSFT", start="2011-06-01")
    base = ForecastConfig(**{**TINY, "epochs": 2})
    space = SearchSpace(
        {"hidden": Param(low=4, high=8), "learning_rate": Param(low=1e-3, high=1e-2)}
    )
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    run = tuning_run([history], base, space, tmp_path / "t", trials=3, backend="ray")
    # Ray Tune's own SIGINT handler is gone: Ctrl-C raises KeyboardInterrupt here again.
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    trials = pd.read_csv(tmp_path / "t" / "trials.csv")
    assert len(trials) == 3
    assert set(trials["state"]) <= {"complete", "pruned"}
    assert (trials["state"] == "complete").any()
    assert run.tuning.best.params["hidden"] in range(4, 9)
    assert (tmp_path / "t" / "best.toml").is_file()
    out, err = capfd.readouterr()
    assert (
        "Configuration for experiment" not in out + err
    )  # Ray Tune's tables stay off the terminal


@pytest.mark.slow
def test_backtest_folds_on_ray_give_the_same_numbers(ray_cluster: Any, tmp_path: Path) -> None:
    import importlib

    from threadpoolctl import threadpool_limits

    from stockpred.config import ForecastConfig
    from stockpred.data.loading import load_prices
    from stockpred.runs import BACKTEST, backtest_run
    from stockpred.training.loop import cpu_threads

    msft = load_prices("MSFT", start="2011-06-01")  # ~440 sessions: two folds of ~110
    cfg = ForecastConfig(**TINY)
    # Two torch and BLAS threads here, whatever the environment (make test runs with one): Ray's
    # workers run one, so a number that moved with the thread count would differ below. SciPy
    # brings its own BLAS: loaded first, so that the limit reaches it too.
    importlib.import_module("scipy.linalg")
    with cpu_threads(2), threadpool_limits(limits=2):
        local = backtest_run(msft, cfg, tmp_path / "local", folds=2)
    on_ray = backtest_run(msft, cfg, tmp_path / "ray", folds=2, backend="ray")
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "local" / BACKTEST), pd.read_csv(tmp_path / "ray" / BACKTEST)
    )
    assert local.to_dict() == on_ray.to_dict()


def test_without_ray_the_backend_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from stockpred.cluster.session import import_ray
    from stockpred.exceptions import ConfigError

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'stockpred\[ray\]'"):
        import_ray()


def test_a_ray_session_leaves_the_signal_handlers_as_it_found_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As ray.init (SIGTERM) and Ray Tune (SIGINT) do: handlers set inside are taken away."""
    from stockpred.cluster import session

    class FakeRay:
        up = False

        def is_initialized(self) -> bool:
            return self.up

        def init(self, **options: object) -> None:
            self.up = True
            signal.signal(signal.SIGTERM, lambda *_: None)

        def shutdown(self) -> None:
            self.up = False

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(session, "import_ray", FakeRay)
    with session.ray_session(None):
        signal.signal(signal.SIGINT, lambda *_: None)
        assert signal.getsignal(signal.SIGTERM) != before[1]  # the fake's init set one
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
