"""What the CLI prints: user text and library messages are never read as rich markup, and a
table at 60 or 80 columns never cuts a number."""

from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from rich.console import Console

from stockpred.cli.show import (
    forecast_table,
    interval_table,
    make_console,
    metrics_table,
    pooled_table,
    say_data,
)
from stockpred.data.loading import load_prices
from stockpred.evaluation.intervals import MethodScores
from stockpred.evaluation.summary import DMPair, DMStep
from stockpred.exceptions import StockpredWarning
from stockpred.stats import DMResult

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


MODELS = ("lstm", "lstm_raw", "naive", "drift", "arima", "ets", "theta", "garch_interval_model")
# The widest each metric's numbers plausibly get, negative, tiny and huge among them.
VALUES = {
    "MSE": (12345.678, 4.79e-158, 0.5),
    "RMSE": (111.11, 0.00123, 3.0),
    "MAE": (-0.00123, 98.765, 1e-5),
    "MAPE %": (1.2345, 123.45, 0.0),
    "MASE": (1.0012, 0.99876, 12.0),
    "dir. acc.": (0.5123, 0.49876, 1.0),
    "moved": (0.2512, 1.0, 0.0),
}


def _rows() -> dict[str, dict[str, float]]:
    return {m: {k: v[i % 3] for k, v in VALUES.items()} for i, m in enumerate(MODELS)}


def _evaluation() -> SimpleNamespace:
    return SimpleNamespace(
        ticker="BRK-B",
        test_start="2017-01-03",
        test_end="2017-11-10",
        predictions=range(215),
        table=pd.DataFrame.from_dict(_rows(), orient="index"),
    )


def _summary() -> SimpleNamespace:
    test = DMResult(None, 4.79e-158, 1.0, 215, "squared")
    dm = {m: (DMStep(1, DMPair(test, test), {}),) for m in MODELS[1:]}
    return SimpleNamespace(
        ticker="MSFT",
        first_test_date="2015-01-02",
        last_test_date="2017-11-10",
        folds=range(5),
        loss="squared",
        dm_loss="squared",
        models=_rows(),
        diebold_mariano=dm,
    )


def _intervals() -> dict[str, MethodScores]:
    method = MethodScores(0.9512, (1.0, None, 0.801), (70, 70, 75), 12345.6, 4.79e-158)
    return dict.fromkeys(("conformal", "quantile_regression_long_name", "garch"), method)


def _forecast() -> pd.DataFrame:
    dates = pd.bdate_range("2017-11-13", periods=3)
    values = [[123456.789, -0.001, 98765432.1]] * 3
    return pd.DataFrame(values, index=dates, columns=["forecast", "lower", "upper"])


METRIC_NUMBERS = [f"{v:.4g}" for values in VALUES.values() for v in values]
TABLES = {
    "metrics": (lambda: metrics_table(_evaluation()), METRIC_NUMBERS),
    "pooled": (lambda: pooled_table(_summary()), [*METRIC_NUMBERS, "4.79e-158"]),
    "intervals": (
        lambda: interval_table(_intervals(), 0.9, "conformal", True),
        ["95.1", "100.0", "80.1", "12345.6", "0.0"],
    ),
    "forecast": (
        lambda: forecast_table(_forecast(), "MSFT: next 3 sessions"),
        ["123456.79", "-0.00", "98765432.10", "2017-11-13", "2017-11-15"],
    ),
}


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("name", TABLES)
def test_a_narrow_terminal_never_cuts_a_number(name: str, width: int) -> None:
    """Was: '4.79e-1…' for 4.79e-158 at 80 columns, read as 0.479."""
    make, numbers = TABLES[name]
    console = Console(width=width, record=True, file=io.StringIO(), markup=False)
    console.print(make())
    text = console.export_text()
    assert "…" not in text, text
    assert max(len(line) for line in text.splitlines()) <= width
    words = {w.strip("│┃") for w in text.split()}
    for number in numbers:
        assert number in words, f"{number} is not whole at {width} columns:\n{text}"


def test_the_interval_table_says_when_it_holds_only_the_forecasts_method() -> None:
    """Without --compare-intervals the table is the forecast's interval beside constant."""
    console = Console(width=200, record=True, file=io.StringIO(), markup=False)
    methods = dict(list(_intervals().items())[:2])
    console.print(interval_table(methods, 0.8, "ewma", False))
    text = " ".join(console.export_text().split())
    assert "the forecast's interval (ewma) beside the constant interval" in text
    assert "--compare-intervals scores every method" in text
    console.print(interval_table(_intervals(), 0.8, "ewma", True))
    assert "every interval method, the forecast's (ewma) among them" in " ".join(
        console.export_text().split()
    )
