"""``--ensemble K`` and ``--interval-method quantile`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import TINY_ARGS, run_cli, train_then_predict


def test_an_ensemble_with_the_quantile_interval_trains_saves_and_predicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [
        "MSFT",
        "--ensemble",
        "2",
        "--interval-method",
        "quantile",
        "--out",
        str(tmp_path / "m"),
    ]
    model = train_then_predict(argv, capsys, monkeypatch)
    config = json.loads((model / "config.json").read_text())
    assert (config["ensemble"], config["interval_method"]) == (2, "quantile")
    state = json.loads((model / "state.json").read_text())
    assert len(state["train"]["members"]) == 2


def test_an_ensemble_for_the_global_model_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "u"
    argv = ["run", "MSFT", "AAPL", "--model", "global", "--ensemble", "3", "--out", str(out)]
    code, _, err = run_cli([*argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]
    assert "--ensemble 3 is for per-ticker models" in err
    assert not out.exists()
