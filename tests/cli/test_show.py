"""What the CLI prints: user text and library messages are never read as rich markup, and a
table at 60 or 80 columns never cuts a number."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from stockpred.cli.show import make_console, say_data
from stockpred.data.loading import load_prices
from stockpred.exceptions import StockpredWarning

from .test_cli import TINY_ARGS, run_cli


def _one_line(code: int, out: str, err: str, message: str) -> None:
    assert code == 1
    assert "Traceback" not in out + err, err
    assert err.strip() == f"error: {message}", err


@pytest.mark.parametrize("folder", ["x[/y]", "arch[old]", "[bold]b[/bold]"])
def test_a_bracketed_csv_path_is_named_whole(
    folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: 'x[/y]' ended in a MarkupError traceback, 'arch[old]/' printed as 'arch/'."""
    path = tmp_path / folder / "prices.csv"
    code, out, err = run_cli(["run", "--csv", str(path), *TINY_ARGS], capsys, monkeypatch)
    _one_line(code, out, err, f"no such file or folder: {path}; check the path given to --csv")


def test_the_data_line_names_a_bracketed_file_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "arch[old]" / "[red]prices.csv"
    path.parent.mkdir()
    load_prices("MSFT", start="2012-01-01").frame.reset_index().to_csv(path, index=False)
    say_data(make_console(), load_prices(None, csv=path))
    assert f"from {path}; modelling" in capsys.readouterr().out.replace("\n", "")


def test_install_hints_keep_their_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: pip install 'stockpred' (rich took [tune] and [ray] for style tags)."""
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna: ImportError
    argv = ["tune", "MSFT", "--trials", "1", "--out", str(tmp_path / "t"), *TINY_ARGS]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    _one_line(code, "", err, "stockpred tune needs Optuna: pip install 'stockpred[tune]'")
    monkeypatch.setitem(sys.modules, "ray", None)
    argv = ["run", "AAPL", "MSFT", "--backend", "ray", "--out", str(tmp_path / "u"), *TINY_ARGS]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    _one_line(code, out, err, "--backend ray needs Ray: pip install 'stockpred[ray]'")


def test_a_bracketed_warning_is_printed_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def warn(*_args: object, **_kwargs: object) -> None:
        warnings.warn("prices in [old]/ and [/y] look stale", StockpredWarning, stacklevel=2)
        raise SystemExit(0)

    monkeypatch.setattr("stockpred.cli.model._load", warn)
    code, _out, err = run_cli(["train", "MSFT"], capsys, monkeypatch)
    assert code == 0
    assert err.strip() == "warning: prices in [old]/ and [/y] look stale"
