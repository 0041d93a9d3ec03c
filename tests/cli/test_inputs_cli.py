"""Issue 20 from the command line: files whose numbers would be made of nothing or of the wrong
rows are refused in one line, in the CLI's own option words, with advice that can be followed."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from stockpred.data.store import PriceStore

from ..conftest import FIXED_TODAY, yahoo_frame
from ..data.test_schema_boundaries import raw_table
from .test_cli import TINY_ARGS, run_cli


def _one_line(code: int, out: str, err: str, *messages: str) -> None:
    assert code == 1, out + err
    for message in messages:
        assert message in err, err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err


def _write(raw: pd.DataFrame, path: Path) -> Path:
    raw.to_csv(path, index=False)
    return path


def _conflicting(tmp_path: Path, name: str = "DUP.csv") -> Path:
    """300 sessions, three of them given twice: first the right price, then one x1.5."""
    raw = yahoo_frame(300)
    again = raw.iloc[[10, 11, 12]].assign(**{"Adj Close": raw["Adj Close"].iloc[10:13] * 1.5})
    return _write(pd.concat([raw, again]), tmp_path / name)


def _gappy(tmp_path: Path, name: str = "GAP.csv") -> Path:
    """150 sessions, then a 10-session gap, then 40: only the first stretch can be run."""
    raw = raw_table(200)
    return _write(raw.drop(index=range(150, 160)), tmp_path / name)


def test_a_price_that_never_moves_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    flat = _write(raw_table(300).assign(Close=100.0, **{"Adj Close": 100.0}), tmp_path / "F.csv")
    code, out, err = run_cli(
        ["run", "--csv", str(flat), "--out", str(tmp_path / "o")], capsys, monkeypatch
    )
    _one_line(code, out, err, "is 100 on all 300 sessions: a price that never moves")
    assert not (tmp_path / "o").exists()


def test_conflicting_duplicates_are_refused_with_the_option_that_chooses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dup = _conflicting(tmp_path)
    code, out, err = run_cli(
        ["run", "--csv", str(dup), "--out", str(tmp_path / "o")], capsys, monkeypatch
    )
    _one_line(
        code,
        out,
        err,
        "3 date(s) appear more than once with different prices: 2021-01-19, 2021-01-20, "
        "2021-01-21;",
        "--duplicates first or --duplicates last",
    )


@pytest.mark.parametrize(("keep", "factor"), [("first", 1.0), ("last", 1.5)])
def test_duplicates_option_reaches_data_import_for_files_and_panels(
    keep: str,
    factor: float,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dup = _conflicting(tmp_path)
    panel = pd.read_csv(dup).assign(ticker="PAN")
    panel_file = _write(panel, tmp_path / "panel.csv")
    store = tmp_path / "s.duckdb"
    argv = ["data", "import", str(dup), str(panel_file), "--store", str(store)]
    code, _, err = run_cli([*argv, "--duplicates", keep], capsys, monkeypatch)
    assert code == 0, err
    expected = yahoo_frame(300)["Adj Close"].iloc[10] * factor
    for ticker in ("DUP", "PAN"):
        stored = PriceStore(store).read(ticker)
        assert stored["adj_close"].iloc[10] == pytest.approx(expected)


@pytest.mark.parametrize("command", ["run", "train", "backtest", "tune"])
def test_every_command_that_reads_files_takes_duplicates(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run_cli([command, "--help"], capsys, monkeypatch)
    assert code == 0
    assert "--duplicates" in out


def test_dates_after_today_are_one_line_naming_the_first_and_the_way_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = raw_table(300, start="2024-06-01")
    assert pd.Timestamp(raw["Date"].iloc[-1]) > FIXED_TODAY
    file = _write(raw, tmp_path / "FUT.csv")
    code, out, err = run_cli(["run", "--csv", str(file)], capsys, monkeypatch)
    _one_line(
        code,
        out,
        err,
        "dated in the future (after 2025-06-03; today is 2025-06-02), the first 2025-06-04;",
        "--end 2025-06-02",
    )


def test_gap_advice_is_in_option_words_and_leaves_enough_sessions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _gappy(tmp_path)
    raw = pd.read_csv(file)
    first, last = raw["Date"].iloc[0], raw["Date"].iloc[149]
    code, out, err = run_cli(["run", "--csv", str(file)], capsys, monkeypatch)
    _one_line(code, out, err, f"pass --start {first} and --end {last} (the longest", "--max-gap")
    assert "start=" not in err


def test_data_import_advises_only_options_it_has_and_they_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _gappy(tmp_path)
    store = str(tmp_path / "s.duckdb")
    code, out, err = run_cli(["data", "import", str(file), "--store", store], capsys, monkeypatch)
    assert code == 1
    line = next(line for line in out.splitlines() if line.startswith("GAP:"))
    assert "--start" in line
    assert "--max-gap" in line
    assert "start=" not in line
    advice = line.split("pass ")[1].split(" (the longest")[0].replace(" and ", " ").split()
    assert advice[0] == "--start"
    code, _, err = run_cli(
        ["data", "import", str(file), "--store", store, *advice], capsys, monkeypatch
    )
    assert code == 0, err
    assert len(PriceStore(store).read("GAP")) == 150
    many = _write(raw_table(200).iloc[::2], tmp_path / "HALF.csv")  # half the sessions missing
    code, out, _ = run_cli(["data", "import", str(many), "--store", store], capsys, monkeypatch)
    assert "--max-filled" in out
    code, _, err = run_cli(
        ["data", "import", str(many), "--store", store, "--max-filled", "60", "--max-gap", "1"],
        capsys,
        monkeypatch,
    )
    assert code == 0, err


def test_a_universe_says_its_failed_rows_in_option_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _gappy(folder, "A.csv")
    _gappy(folder, "B.csv")
    out = tmp_path / "u"
    code, _, _ = run_cli(
        ["run", "--csv", str(folder), "--out", str(out), "--workers", "1", *TINY_ARGS],
        capsys,
        monkeypatch,
    )
    assert code == 1
    failed = pd.read_csv(out / "failed.csv")["error"]
    assert failed.str.contains("--start").all()
    assert not failed.str.contains("start=").any()


def _xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    return path


@pytest.mark.parametrize("name", ["prices.xlsx", "prices.csv"])
def test_an_excel_workbook_is_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _xlsx(tmp_path / name)
    code, out, err = run_cli(["run", "--csv", str(book)], capsys, monkeypatch)
    _one_line(code, out, err, "is an Excel workbook, not a CSV file;", "save the sheet as CSV")


def test_cleaning_notes_are_in_metrics_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yahoo_frame(300)
    file = _write(pd.concat([raw, raw.iloc[[7]]]), tmp_path / "KO.csv")
    out = tmp_path / "r"
    code, _, err = run_cli(
        ["run", "--csv", str(file), "--out", str(out), "--days", "2", *TINY_ARGS],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    cleaning = json.loads((out / "metrics.json").read_text())["cleaning"]
    assert cleaning["identical_dropped"] == 1
    assert cleaning["messages"] == ["dropped 1 row(s) repeating an earlier row exactly"]
    code, _, err = run_cli(["evaluate", str(out)], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads((out / "metrics.json").read_text())["cleaning"] == cleaning
