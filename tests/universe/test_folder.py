"""The universe's --out folder and its writers under the one folder policy: nothing of the
user's is ever deleted, a refusal writes nothing, and every failure leaves the folder as it was."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.loading import load_prices
from stockpred.data.options import LoadOptions
from stockpred.exceptions import ConfigError
from stockpred.run_folder import MARKER, check_output, output_folder, read_marker
from stockpred.universe import job as job_module
from stockpred.universe.folder import RUN_RECORD, locked_out
from stockpred.universe.inputs import TickerSource
from stockpred.universe.job import TickerJob, run_ticker
from stockpred.universe.options import RunRecord
from stockpred.universe.result import TickerCounts, UniverseResult, UniverseSummary
from stockpred.universe.runner import write_universe_files

from ..cli.test_cli import TINY_ARGS, run_cli
from ..conftest import TINY
from ..folder_checks import USER_HIDDEN, plant, snapshot

RECORD = RunRecord("a" * 64, {"hidden": 8})
OTHER = RunRecord("b" * 64, {"hidden": 9})


def _prices(root: Path) -> Path:
    folder = root / "prices"
    folder.mkdir()
    for ticker in ("IBM", "MSFT"):
        frame = load_prices(ticker, start="2011-01-01").frame
        frame.reset_index().to_csv(folder / f"{ticker.lower()}.csv", index=False)
    return folder


@pytest.mark.parametrize(
    "files",
    [USER_HIDDEN, {"notes.txt": b"mine"}, {"leaderboard.csv": b"my own board"}],
    ids=["hidden-files", "a-file", "a-name-stockpred-uses"],
)
def test_a_universe_into_a_users_folder_is_refused_and_it_stays_byte_identical(
    tmp_path: Path,
    files: dict[str, bytes],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prices = _prices(tmp_path)
    home = tmp_path / "home"
    plant(home, files)
    before = snapshot(tmp_path)
    argv = ["run", "--csv", str(prices), "--out", str(home), "--days", "2", *TINY_ARGS]
    code, _, err = run_cli(argv, capsys, monkeypatch)
    assert code == 1
    assert "stockpred did not write" in err
    assert "choose an empty or new" in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before  # not even a lock file


def test_a_rerun_keeps_the_users_hidden_files_and_removes_only_stockpreds_temporaries(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with locked_out(out, RECORD):
        pass
    plant(out, {**USER_HIDDEN, ".MSFT.x1y2z3/data.json": b"not named as stockpred names"})
    plant(out, {".stockpred-tmp-MSFT.abc/data.json": b"{}", ".stockpred-old-IBM.7/x": b""})
    with locked_out(out, RECORD):
        pass
    after = snapshot(out)
    assert {name: after[name][1] for name in USER_HIDDEN} == USER_HIDDEN
    assert after[".MSFT.x1y2z3/data.json"][1] == b"not named as stockpred names"
    assert not [name for name in after if name.startswith((".stockpred-tmp", ".stockpred-old"))]


def test_a_refused_config_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with locked_out(out, RECORD):
        pass
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="another config"), locked_out(out, OTHER):
        pytest.fail("must not get here")
    assert snapshot(tmp_path) == before


def _fail_after_a_ticker(target: Path) -> None:
    with locked_out(target, RECORD) as out:
        plant(out / "MSFT", {MARKER: b'{"kind": "run", "files": []}'})
        raise RuntimeError("killed after a ticker finished")


def test_a_folder_made_for_a_failed_run_goes_unless_it_holds_results(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), locked_out(tmp_path / "new" / "out", RECORD):
        raise RuntimeError("the market index failed to load")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RuntimeError):
        _fail_after_a_ticker(tmp_path / "out")
    assert (tmp_path / "out" / "MSFT").is_dir()  # kept for --resume


def test_a_universe_folder_from_before_the_marker_is_still_recognised(tmp_path: Path) -> None:
    out = tmp_path / "out"
    plant(out, {RUN_RECORD: b'{"config_sha": "' + b"a" * 64 + b'"}', ".stockpred.lock": b""})
    plant(out, {"leaderboard.csv": b"old", "MSFT/stamp.json": b"{}"})
    assert (read_marker(out) or {}).get("kind") == "universe"
    check_output(out, "universe")
    with locked_out(out, replace(RECORD, settings={})):
        pass
    assert not (out / ".stockpred.lock").exists()  # the empty lock file earlier versions left
    assert json.loads((out / MARKER).read_text())["kind"] == "universe"
    assert (out / "MSFT" / "stamp.json").is_file()


def _earlier_ticker(out: Path) -> Path:
    with output_folder(out / "MSFT", "run") as tmp:
        plant(tmp, {"metrics.json": b'{"mae": 1}', "model/weights.safetensors": b"w"})
    return out / "MSFT"


def test_a_failing_ticker_job_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = _earlier_ticker(out)
    before = snapshot(tmp_path)

    def write_then_fail(tmp: Path) -> None:
        plant(tmp, {"metrics.json": b"half", "model/weights.safetensors": b"half"})
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), output_folder(folder, "run") as tmp:
        write_then_fail(tmp)
    assert snapshot(tmp_path) == before


def test_a_ticker_whose_pipeline_fails_is_reported_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _earlier_ticker(out)
    before = snapshot(tmp_path)

    def save_half_then_fail(model: object, path: Path) -> None:
        plant(path, {"weights.safetensors": b"half"})
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(job_module.Forecaster, "save", save_half_then_fail)
    job = TickerJob(ForecastConfig(**TINY), str(out), 2, LoadOptions(), RECORD.config_sha)
    outcome = run_ticker(job, TickerSource("MSFT"))
    assert outcome.error is not None
    assert "No space left on device" in outcome.error
    assert snapshot(tmp_path) == before


def test_a_users_folder_named_as_a_ticker_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    plant(out, {"MSFT/notes.txt": b"mine"})
    before = snapshot(tmp_path)
    fitted: list[object] = []
    monkeypatch.setattr(job_module.Forecaster, "fit", lambda *args, **kw: fitted.append(args))
    job = TickerJob(ForecastConfig(**TINY), str(out), 2, LoadOptions(), RECORD.config_sha)
    outcome = run_ticker(job, TickerSource("MSFT"))
    assert outcome.error is not None
    assert "stockpred did not write" in outcome.error
    assert fitted == []  # refused before any work
    assert snapshot(tmp_path) == before


def test_the_universe_files_are_all_made_before_any_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    plant(out, dict.fromkeys(("leaderboard.csv", "universe.json", "failed.csv"), b"earlier"))
    before = snapshot(tmp_path)

    def render_fails(result: UniverseResult) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("stockpred.universe.page.render_index", render_fails)
    counts = TickerCounts(1, 0, 1, 0)
    summary = UniverseSummary("mae", counts, (), {}, {}, {})
    result = UniverseResult(
        out, 1, {}, {"X": "broken"}, pd.DataFrame({"model": ["naive"]}), summary
    )
    with pytest.raises(OSError, match="No space"):
        write_universe_files(result)
    assert snapshot(tmp_path) == before


def test_a_universe_onto_a_run_folder_is_refused_without_advice_it_cannot_follow(
    tmp_path: Path,
) -> None:
    with output_folder(tmp_path / "run", "run") as tmp:
        plant(tmp, {"metrics.json": b"{}"})
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="holds a stockpred run folder") as refused:
        check_output(tmp_path / "run", "universe")
    assert "force" not in str(refused.value)
    assert snapshot(tmp_path) == before


def test_the_universe_files_go_in_together_and_replace_only_their_namesakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr("stockpred.universe.page.render_index", lambda result: "<p>index")
    summary = UniverseSummary("mae", TickerCounts(1, 0, 1, 0), (), {}, {}, {})
    result = UniverseResult(
        out, 1, {}, {"X": "broken"}, pd.DataFrame({"model": ["naive"]}), summary
    )
    with locked_out(out, RECORD):
        plant(out, {"MSFT/stamp.json": b"{}"})
        write_universe_files(result)
    assert {RUN_RECORD, "MSFT", "index.html", "failed.csv"} <= {p.name for p in out.iterdir()}
    before = snapshot(tmp_path)

    def disk_full(src: object, dst: object) -> None:
        if Path(str(dst)).name == "failed.csv":
            raise OSError(28, "No space left on device")
        real_rename(src, dst)

    real_rename = os.rename
    monkeypatch.setattr(os, "replace", disk_full)  # how each file used to be put in place
    monkeypatch.setattr(Path, "rename", disk_full)  # how the folder writer moves entries
    with locked_out(out, RECORD), pytest.raises(OSError, match="No space"):
        write_universe_files(replace(result, board=pd.DataFrame({"model": ["lstm"]}), failed={}))
    assert snapshot(tmp_path) == before  # not two new files beside two old ones
