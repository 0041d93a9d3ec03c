"""Writes under failure: a step that fails inside any writer (run, train, backtest, predict,
tune, data export) leaves no folder, no temporary file or folder, and what was there before
byte for byte (and mode for mode) as it was."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.files import write_price_file
from stockpred.data.history import PriceHistory
from stockpred.data.options import LoadOptions
from stockpred.run_folder import output_folder
from stockpred.runs import (
    FORECAST,
    REPORT,
    backtest_run,
    run_pipeline,
    train_only,
    tuning_run,
    write_forecast,
)
from stockpred.tuning.outputs import write_tuning
from stockpred.tuning.space import SearchSpace
from stockpred.tuning.study import TrialRecord, TuneResult

from .conftest import TINY
from .folder_checks import snapshot

# Under xdist (`make test`) one worker runs this module: its tests share `previous`.
pytestmark = pytest.mark.xdist_group("atomic-writes")

CFG = ForecastConfig(**{**TINY, "epochs": 1})


class DiskFull(OSError):
    """The failure we inject: what a full disk or a vanished mount raises mid-write."""


def fail_writing(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make writing a file called ``name`` fail, wherever it is written."""
    real = Path.write_text

    def write_text(self: Path, *args: object, **kwargs: object) -> int:
        if self.name == name:
            raise DiskFull(28, "No space left on device")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", write_text)


def fail_saving_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def save(self: Forecaster, path: object) -> Path:
        raise DiskFull(28, "No space left on device")

    monkeypatch.setattr(Forecaster, "save", save)


def write_then_fail(target: Path, error: BaseException) -> None:
    """Start writing a run folder through output_folder, then fail half-way."""
    with output_folder(target, "run") as tmp:
        (tmp / "metrics.json").write_text("{")
        raise error


def test_output_folder_leaves_nothing_when_a_new_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(DiskFull):
        write_then_fail(tmp_path / "run", DiskFull(28, "No space left on device"))
    assert list(tmp_path.iterdir()) == []


def test_output_folder_leaves_an_existing_folder_byte_identical(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with output_folder(target, "run") as tmp:
        (tmp / "model").mkdir()
        (tmp / "metrics.json").write_text('{"mae": 1.0}')
        (tmp / "model" / "weights.safetensors").write_bytes(b"\x00\x01weights")
    before = snapshot(tmp_path)
    with pytest.raises(KeyboardInterrupt):  # an interrupted run too
        write_then_fail(target, KeyboardInterrupt())
    assert snapshot(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


RunStep = Callable[[PriceHistory, Path], object]
STEPS: dict[str, RunStep] = {
    "run": lambda h, out: run_pipeline(
        Forecaster(CFG, progress=False), h, out, days=3, loading=LoadOptions()
    ),
    "train": lambda h, out: train_only(Forecaster(CFG, progress=False), h, out, LoadOptions()),
    "backtest": lambda h, out: backtest_run(h, CFG, out, folds=2),
}
FAILURES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "model-save": fail_saving_the_model,
    "report-write": lambda mp: fail_writing(mp, REPORT),
    "data.json-write": lambda mp: fail_writing(mp, "data.json"),
}
CASES = [
    ("run", "model-save"),
    ("run", "report-write"),
    ("train", "data.json-write"),
    ("backtest", "report-write"),
]


def plain_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip drawing the report's charts: what is tested is how it is written, not drawn."""
    monkeypatch.setattr("stockpred.report.holdout.render_report", lambda *a, **kw: "<html></html>")
    monkeypatch.setattr(
        "stockpred.report.backtest.render_backtest_report", lambda *a, **kw: "<html/>"
    )


@pytest.fixture(scope="module")
def previous(msft: PriceHistory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A complete earlier folder of each kind (a run, a backtest), copied into each test."""
    folders = {}
    with pytest.MonkeyPatch.context() as mp:
        plain_report(mp)
        for step in ("run", "backtest"):
            folders[step] = tmp_path_factory.mktemp("previous") / "out"
            STEPS[step](msft, folders[step])
    assert (folders["run"] / "model" / "manifest.json").is_file()
    return folders


@pytest.mark.parametrize(("step", "failure"), CASES)
def test_a_failing_step_leaves_no_run_folder_and_no_temporary_folder(
    msft: PriceHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, failure: str
) -> None:
    plain_report(monkeypatch)
    FAILURES[failure](monkeypatch)
    with pytest.raises(DiskFull):
        STEPS[step](msft, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("step", "failure"), CASES)
def test_a_failing_step_leaves_the_previous_run_byte_identical(
    msft: PriceHistory,
    previous: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    failure: str,
) -> None:
    out = tmp_path / "out"
    shutil.copytree(previous["backtest" if step == "backtest" else "run"], out)
    before = snapshot(tmp_path)
    plain_report(monkeypatch)
    FAILURES[failure](monkeypatch)
    with pytest.raises(DiskFull):
        STEPS[step](msft, out)
    assert snapshot(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _disk_full_on_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last step of an atomic write fails: the temporary file is whole, the rename is not."""

    def replace(*args: object, **kwargs: object) -> None:
        raise DiskFull(28, "No space left on device")

    monkeypatch.setattr(os, "replace", replace)


def test_predict_failing_to_write_its_forecast_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / FORECAST).write_text("date,forecast\n2025-06-03,1.0\n")
    before = snapshot(tmp_path)
    forecast = pd.DataFrame({"forecast": [2.0]}, index=pd.DatetimeIndex(["2025-06-04"]))
    _disk_full_on_replace(monkeypatch)
    with pytest.raises(DiskFull):
        write_forecast(tmp_path / FORECAST, forecast.rename_axis("date"))
    assert snapshot(tmp_path) == before


def test_tune_failing_to_write_its_folder_leaves_the_earlier_one_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "tune"
    with output_folder(out, "tune") as tmp:
        (tmp / "best.toml").write_text("hidden = 8\n")
        (tmp / "trials.csv").write_text("trial\n0\n")
    before = snapshot(tmp_path)
    trial = TrialRecord(0, {"hidden": 16}, 0.5, 2, 0.1, "complete")
    result = TuneResult(CFG, SearchSpace({}), [trial], "local")
    test = pd.DataFrame({"model": ["tuned"], "mae_vs_naive": [0.9]})
    fail_writing(monkeypatch, "tuning.html")  # after best.toml, trials.csv and test.csv
    with pytest.raises(DiskFull):
        write_tuning(out, result, test, "<html/>")
    assert snapshot(tmp_path) == before


def test_data_export_failing_leaves_the_folder_as_it_was(
    msft: PriceHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "MSFT.csv").write_text("an earlier export\n")
    before = snapshot(tmp_path)
    _disk_full_on_replace(monkeypatch)
    with pytest.raises(DiskFull):
        write_price_file(msft.frame.iloc[:20], tmp_path / "MSFT.csv", "csv")
    with pytest.raises(DiskFull):
        write_price_file(msft.frame.iloc[:20], tmp_path / "new" / "dir" / "MSFT.csv", "csv")
    assert snapshot(tmp_path) == before


@contextmanager
def ray_writing_its_log(
    backend: str, address: object, log_file: Path, device: str
) -> Iterator[None]:
    """What a Ray session does around a backtest's folds: write its log (the folds run here)."""
    log_file.write_text("ray: started\n")
    yield None


def test_a_backtest_on_ray_moves_its_log_in_and_leaves_none_beside_the_folder(
    msft: PriceHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain_report(monkeypatch)
    monkeypatch.setattr("stockpred.runs.fold_backend", ray_writing_its_log)
    backtest_run(msft, CFG, tmp_path / "done", folds=2, backend="ray")
    assert (tmp_path / "done" / "ray.log").read_text() == "ray: started\n"
    fail_writing(monkeypatch, REPORT)
    with pytest.raises(DiskFull):
        backtest_run(msft, CFG, tmp_path / "failed", folds=2, backend="ray")
    assert [p.name for p in tmp_path.iterdir()] == ["done"]


def test_a_failing_tuning_run_on_ray_leaves_no_log_beside_its_folder(
    msft: PriceHistory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def search_writing_its_log(*args: object, ray_options: dict[str, Path], **kw: object) -> None:
        ray_options["log_file"].write_text("ray: started\n")
        raise DiskFull(28, "No space left on device")

    monkeypatch.setattr("stockpred.tuning.search.tune", search_writing_its_log)
    with pytest.raises(DiskFull):
        tuning_run([msft], CFG, SearchSpace({}), tmp_path / "tune", trials=1, backend="ray")
    assert list(tmp_path.iterdir()) == []
