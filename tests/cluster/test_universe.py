"""A universe on Ray: the same leaderboard as the local backend, failures as rows, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ..cli.test_cli import TINY_ARGS, run_cli
from ..universe.test_runner import _folder

# Under xdist (`make test`) this folder's tests share one worker and its Ray cluster.
pytestmark = pytest.mark.xdist_group("ray")


@pytest.mark.slow
def test_ray_gives_the_local_leaderboard_keeps_failures_and_resumes(
    ray_cluster: Any, tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    prices = _folder(tmp_path, ("IBM", "MSFT"), broken=True, start="2012-01-01")
    common = ["run", "--csv", str(prices), "--days", "2", *TINY_ARGS]
    code, _, err = run_cli(
        [*common, "--out", str(tmp_path / "local"), "--workers", "1"], capsys, monkeypatch
    )
    assert code == 3, err
    code, _, err = run_cli(
        [*common, "--out", str(tmp_path / "ray"), "--backend", "ray"], capsys, monkeypatch
    )
    assert code == 3, err  # the broken and the short file failed alone, as locally
    local, ray = tmp_path / "local", tmp_path / "ray"
    pd.testing.assert_frame_equal(
        pd.read_csv(local / "leaderboard.csv"), pd.read_csv(ray / "leaderboard.csv")
    )
    pd.testing.assert_frame_equal(
        pd.read_csv(local / "failed.csv"), pd.read_csv(ray / "failed.csv")
    )
    assert (ray / "IBM" / "report.html").is_file()

    again = tmp_path / "again"
    shutil.copytree(ray, again)
    code, _, err = run_cli(
        [*common, "--out", str(again), "--backend", "ray", "--resume"], capsys, monkeypatch
    )
    assert code == 3, err
    assert json.loads((again / "universe.json").read_text())["tickers"]["resumed"] == 2
    pd.testing.assert_frame_equal(
        pd.read_csv(ray / "leaderboard.csv"), pd.read_csv(again / "leaderboard.csv")
    )
