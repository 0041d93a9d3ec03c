"""forecast, replay, scorecard and ledger on the command line: bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stockpred.ledger.table import Ledger

from ..ledger.month import cli_args, write_prices
from ..ledger.test_table import rows
from .test_cli import _exit_code as run


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_replay_refuses_a_span_that_ends_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, month = write_prices(tmp_path)
    args = cli_args(csv, tmp_path / "s.duckdb", tmp_path / "m", month[::-1])
    assert run(args, monkeypatch) == 1
    assert "after --to" in one_error_line(capsys)
    assert not (tmp_path / "s.duckdb").exists()


def test_ledger_list_export_prune(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.duckdb"
    Ledger(store).append(rows("2024-01-02"))
    Ledger(store).append(rows("2024-01-03"))
    assert run(["ledger", "list", "--store", str(store)], monkeypatch) == 0
    assert "AAPL" in capsys.readouterr().out
    out = tmp_path / "ledger.parquet"
    assert run(["ledger", "export", str(out), "--store", str(store)], monkeypatch) == 0
    assert len(pd.read_parquet(out)) == 6
    assert run(["ledger", "export", str(out), "--store", str(store)], monkeypatch) == 1
    assert "exists" in one_error_line(capsys)
    prune = ["ledger", "prune", "--before", "2024-01-03", "--store", str(store)]
    assert run(prune, monkeypatch) == 0
    assert set(Ledger(store).read()["as_of"]) == {pd.Timestamp("2024-01-03")}


def test_scorecard_of_an_empty_ledger_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scorecard", "--store", str(tmp_path / "s.duckdb"), "--out", str(tmp_path / "o")]
    assert run(argv, monkeypatch) == 1
    assert "holds no forecasts" in one_error_line(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("span", "says"),
    [
        (
            ["--from", "2014-01-02", "--to", "2014-02-01"],
            "no session from 2014-01-02 to 2014-02-01",
        ),
        (["--as-of", "1990-01-02"], "fewer than two usable rows"),
    ],
)
def test_sessions_outside_the_prices_are_one_line(
    span: list[str],
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    csv, _ = write_prices(tmp_path)
    command = "replay" if "--from" in span else "forecast"
    argv = [command, "--csv", str(csv), "--store", str(tmp_path / "s.duckdb"), "--quiet", *span]
    assert run([*argv, "--models", str(tmp_path / "m")], monkeypatch) == 1
    assert says in one_error_line(capsys)
    assert not (tmp_path / "m").exists()
