"""`stockpred backtest` end to end on a tiny model, and its report in a real browser."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import CHROMIUM, chromium_flags
from .test_cli import TINY_ARGS, run_cli, run_cli_for_fixture

# Under xdist (`make test`) one worker runs this module: its tests share `backtest_dir`.
pytestmark = pytest.mark.xdist_group("cli-backtest")


@pytest.fixture(scope="module")
def backtest_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bt") / "msft"
    argv = ["backtest", "MSFT", "--start", "2010-08-01", "--folds", "2", "--horizon", "2"]
    argv += ["--compare-intervals"]  # every interval method, side by side
    loud = [a for a in TINY_ARGS if a != "--quiet"]  # progress asked for, but not a terminal
    code, _, err = run_cli_for_fixture([*argv, "--out", str(out), *loud])
    assert code == 0, err
    assert "" not in err.splitlines(), "a progress bar left a blank line where no one sees it"
    return out


def test_backtest_writes_table_summary_and_report(backtest_dir: Path) -> None:
    table = pd.read_csv(backtest_dir / "backtest.csv")
    assert list(table.columns) == ["fold", "model", "step", "metric", "value"]
    assert set(table["fold"].astype(str)) == {"1", "2", "all"}
    assert set(table["step"]) == {1, 2}
    summary = json.loads((backtest_dir / "summary.json").read_text())
    assert "naive forecast on MSFT (DM p = " in summary["verdict"]
    for key in ("diebold_mariano", "direction", "lag_detector", "signal_backtest", "intervals"):
        assert key in summary
    assert set(summary["intervals"]["methods"]) == {
        "constant",
        "garch",
        "volatility",
        "ewma",
        "quantile",
    }
    assert summary["intervals"]["compared"]
    assert set(summary["models"]) >= {"lstm", "lstm_raw", "naive"}
    page = (backtest_dir / "report.html").read_text()
    assert summary["verdict"] in page
    assert page.count("<img") == 4
    assert "http" not in page
    assert "lstm_raw" in page
    assert "<td>quantile</td>" in page or ">quantile<" in page


def test_backtest_json_and_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["backtest", "MSFT", "--start", "2011-06-01", "--folds", "2", "--json"]
    code, out, err = run_cli([*args, "--out", str(tmp_path / "b"), *TINY_ARGS], capsys, monkeypatch)
    assert code == 0
    assert json.loads(out)["ticker"] == "MSFT"
    assert "DM p = " in err
    code, _, err = run_cli([*args, "--folds", "50", *TINY_ARGS], capsys, monkeypatch)
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: 50 folds over the last half")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)")
def test_report_renders_in_a_real_browser(backtest_dir: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    shot = tmp_path / "shot.png"
    flags = chromium_flags(tmp_path)
    url = (backtest_dir / "report.html").resolve().as_uri()
    done = subprocess.run(  # one browser start: the screenshot and the page as loaded
        [CHROMIUM, *flags, f"--screenshot={shot}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    console_errors = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console_errors == []
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] >= 2000
    assert pixels[..., :3].std() > 0.1  # not a blank page
    dom = done.stdout
    assert dom.count("<img") == 4
    assert "walk-forward backtest" in dom
