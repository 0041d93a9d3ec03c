"""Issue 20 from the command line: --out is checked before any work, by one policy for every
command; a refusal is one line and leaves the folder byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..folder_checks import open_tmp, plant, snapshot, unwritable
from .test_cli import TINY_ARGS, run_cli
from .test_trust_cli import _csv, _one_line_error

# Each command with --out in an unwritable folder RO, its inputs under ROOT.
COMMANDS = {
    "run": ["run", "--csv", "{ROOT}/KO.csv", "--out", "{RO}"],
    "run-new-folder": ["run", "--csv", "{ROOT}/KO.csv", "--out", "{RO}/new/run"],
    "train": ["train", "--csv", "{ROOT}/KO.csv", "--out", "{RO}"],
    "backtest": ["backtest", "--csv", "{ROOT}/KO.csv", "--out", "{RO}", "--folds", "2"],
    "universe": ["run", "--csv", "{ROOT}/prices", "--out", "{RO}"],
    "tune": ["tune", "--csv", "{ROOT}/KO.csv", "--out", "{RO}", "--trials", "1"],
    "predict": ["predict", "{ROOT}/no-run-needed", "--out", "{RO}/forecast.csv"],
    "evaluate": ["evaluate", "{RO}"],
    "data-export": ["data", "export", "KO", "--out", "{RO}/KO.csv", "--store", "{ROOT}/s.db"],
}


def _never_train(*args: object, **kwargs: object) -> None:
    raise AssertionError("trained before the output folder was checked")


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unwritable_out_is_refused_in_one_line_before_any_work(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("stockpred.training.loop.fit_weights", _never_train)
    with open_tmp() as root:
        _csv(root)
        (root / "prices").mkdir()
        for name in ("KO", "PEP"):
            _csv(root / "prices", name=f"{name}.csv")
        ro = root / "ro"
        ro.mkdir()
        argv = [a.replace("{ROOT}", str(root)).replace("{RO}", str(ro)) for a in COMMANDS[command]]
        tiny = [] if argv[0] in ("predict", "evaluate", "data") else TINY_ARGS
        before = snapshot(root)
        with unwritable(ro):
            code, out, err = run_cli([*argv, *tiny], capsys, monkeypatch)
        _one_line_error(code, out, err, "cannot be written")
        assert snapshot(root) == before


@pytest.mark.parametrize(
    ("command", "files"),
    [
        ("run", {"report.html": b"my report", "model/keras.h5": b"my weights"}),
        ("backtest", {"report.html": b"my report"}),
        ("train", {".env": b"KEY=1", ".git/HEAD": b"ref"}),
    ],
)
def test_an_unmarked_folder_is_refused_even_with_force_and_stays_byte_identical(
    command: str,
    files: dict[str, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csv = _csv(tmp_path)
    userdir = tmp_path / "userdir"
    plant(userdir, files)
    before = snapshot(tmp_path)
    for force in ([], ["--force"]):
        argv = [command, "--csv", str(csv), "--out", str(userdir), *force, *TINY_ARGS]
        code, out, err = run_cli(argv, capsys, monkeypatch)
        _one_line_error(code, out, err, "stockpred did not write")
        assert "choose an empty or new folder" in err
        assert snapshot(tmp_path) == before
