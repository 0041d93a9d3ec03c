"""A universe on Ray: the same leaderboard as the local backend, failures as rows, Ctrl-C, resume."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stockpred.cluster.backend import RayBackend
from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions
from stockpred.universe import progress
from stockpred.universe.inputs import folder_sources
from stockpred.universe.options import UniverseOptions
from stockpred.universe.progress import Interrupted
from stockpred.universe.runner import run_universe

from ..cli.test_cli import TINY_ARGS, run_cli
from ..universe.test_runner import _folder

# Under xdist (`make test`) this folder's tests share one worker and its Ray cluster.
pytestmark = pytest.mark.xdist_group("ray")


@contextmanager
def _ctrl_c_after_the_first_finished(enabled: bool, total: int, what: str) -> Iterator[Any]:
    """The progress bar's place in the stream: Ctrl-C as the first ticker finishes (not as
    the first one's sessions are read for the calendar)."""

    def advance(ok: bool, fresh: bool) -> None:
        if ok and what == "tickers":
            raise KeyboardInterrupt

    yield advance


@pytest.mark.slow
def test_ray_interrupted_then_resumed_gives_the_local_leaderboard_and_failures(
    ray_cluster: Any, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Locally, then on Ray with a Ctrl-C as the first ticker finishes (what still runs is
    cancelled: the cluster's CPUs come back at once), then ``--resume`` on Ray: the local
    run's leaderboard and failures.

    A task already renaming its folder may finish before ``ray.cancel`` reaches it, so the
    test does not say which folders exist, only that each is complete and is reused."""
    prices = _folder(tmp_path, ("IBM", "MSFT"), broken=True, start="2012-01-01")
    common = ["run", "--csv", str(prices), "--days", "2", *TINY_ARGS]
    local, ray = tmp_path / "local", tmp_path / "ray"
    code, _, err = run_cli([*common, "--out", str(local), "--workers", "2"], capsys, monkeypatch)
    assert code == 3, err

    def finished() -> set[str]:
        return {p.name for p in ray.iterdir() if p.is_dir() and not p.name.startswith(".")}

    what_tiny_args_give = ForecastConfig(
        epochs=2, window=10, hidden=8, layers=1, seed=3, device="cpu"
    )  # so that the CLI's --resume below takes this run as its own
    options = UniverseOptions(what_tiny_args_give, ray, LoadOptions(), days=2)
    with monkeypatch.context() as patch:
        patch.setattr(progress, "_bar", _ctrl_c_after_the_first_finished)
        with pytest.raises(Interrupted, match="1 of 4 tickers finished"):
            run_universe(folder_sources(prices), options, RayBackend(), progress=False)
    deadline = time.monotonic() + 10
    while ray_cluster.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_cluster.available_resources().get("CPU", 0) == 2  # nothing left running
    done = finished()
    assert done
    assert all((ray / name / "stamp.json").is_file() for name in done)  # whole folders only

    code, _, err = run_cli(
        [*common, "--out", str(ray), "--backend", "ray", "--resume"], capsys, monkeypatch
    )
    assert code == 3, err  # the broken and the short file failed alone, as locally
    assert json.loads((ray / "universe.json").read_text())["tickers"]["resumed"] == len(done)
    pd.testing.assert_frame_equal(
        pd.read_csv(local / "leaderboard.csv"), pd.read_csv(ray / "leaderboard.csv")
    )
    pd.testing.assert_frame_equal(
        pd.read_csv(local / "failed.csv"), pd.read_csv(ray / "failed.csv")
    )
    assert (ray / "IBM" / "report.html").is_file()
    assert not [p for p in ray.iterdir() if p.name.startswith(".") and p.is_dir()]
