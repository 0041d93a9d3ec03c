"""The command line end to end (tiny model), and every bad input as one clear line."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from stockpred.cli.main import main

from ..conftest import BASELINES, yahoo_frame

# Under xdist (`make test`) one worker runs this module: its tests share `run_dir`.
pytestmark = pytest.mark.xdist_group("cli-run")

TINY_ARGS = [
    "--epochs",
    "2",
    "--window",
    "10",
    "--hidden",
    "8",
    "--layers",
    "1",
    "--seed",
    "3",
    "--quiet",
    "--device",
    "cpu",
]


def _exit_code(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """``stockpred ARGV`` in this process, as a shell would see it end."""
    monkeypatch.setattr(sys, "argv", ["stockpred", *argv])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def run_cli(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    code = _exit_code(argv, monkeypatch)
    out, err = capsys.readouterr()
    return code, out, err


def run_cli_for_fixture(argv: list[str]) -> tuple[int, str, str]:
    """``run_cli`` for a module-scoped fixture, where capsys and monkeypatch are not at hand.

    In this process, not a new one: the fixtures' runs would each pay ~6 s of CPU for a fresh
    interpreter's imports (torch, statsmodels, matplotlib), which is not what they test.
    """
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out), redirect_stderr(err):
        code = _exit_code(argv, mp)
    return code, out.getvalue(), err.getvalue()


def train_then_predict(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """``stockpred train`` with ``argv`` (its --out last) and a tiny model, then ``predict``
    3 sessions from the saved folder; both must succeed. Returns the model folder."""
    code, _, err = run_cli(["train", *argv, *TINY_ARGS], capsys, monkeypatch)
    assert code == 0, err
    out = Path(argv[argv.index("--out") + 1])
    code, printed, err = run_cli(["predict", str(out), "--days", "3"], capsys, monkeypatch)
    assert code == 0, err
    assert "next 3 sessions" in printed
    return out / "model"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real `stockpred run` on the sample, shared by the read-only tests below."""
    out = tmp_path_factory.mktemp("runs") / "msft"
    argv = ["run", "MSFT", "--out", str(out), "--start", "2010-06-01", "--days", "5"]
    code, _, err = run_cli_for_fixture([*argv, *TINY_ARGS])
    assert code == 0, err
    return out


def test_run_writes_the_contract(run_dir: Path) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["price_column"] == "adj_close"
    assert set(metrics["models"]) == {"lstm", "lstm_raw", *BASELINES}
    assert 0 <= metrics["dm_vs_naive"]["squared"]["p_better"] <= 1
    assert "(DM p = " in metrics["verdict"]
    for model in metrics["models"].values():
        assert set(model) == {
            *("mse", "rmse", "mae", "mape", "mase", "directional_accuracy", "moved_share")
        }
    assert metrics["models"]["naive"]["directional_accuracy"] is None
    assert (
        pd.Timestamp(metrics["test_start"])
        < pd.Timestamp(metrics["test_end"])
        == pd.Timestamp("2013-03-01")
    )
    forecast = pd.read_csv(run_dir / "forecast.csv", parse_dates=["date"])
    assert list(forecast.columns) == ["date", "forecast", "lower", "upper"]
    assert len(forecast) == 5
    assert forecast["date"].min() > pd.Timestamp("2013-03-01")
    report = (run_dir / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 4
    assert "naive forecast" in report
    # the forecast's interval beside constant, not all five, and the page says so
    intervals = metrics["intervals"]
    assert (set(intervals["methods"]), intervals["compared"]) == ({"constant", "ewma"}, False)
    assert "beside the constant interval it is compared with" in report
    assert "garch =" not in report
    # a short history: the network learned from every window (train_windows did not cut)
    assert re.search(r"<dt>training windows</dt><dd>[\d,]+: every one of the training span", report)
    assert {p.name for p in (run_dir / "model").iterdir()} >= {
        "weights.safetensors",
        "config.json",
        "scaler.json",
        "fingerprint.json",
    }


def test_predict_and_evaluate_reload_the_run(
    run_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    target = tmp_path / "f.csv"
    code, out, _ = run_cli(
        ["predict", str(run_dir), "--days", "5", "--out", str(target), "--json"],
        capsys,
        monkeypatch,
    )
    assert code == 0
    assert pd.read_csv(target).equals(
        pd.read_csv(run_dir / "forecast.csv")
    )  # reload is bit-identical
    assert len(json.loads(out)) == 5
    before = json.loads((run_dir / "metrics.json").read_text())["models"]
    code, out, _ = run_cli(["evaluate", str(run_dir), "--json"], capsys, monkeypatch)
    assert code == 0
    assert json.loads(out)["models"] == before
    # --ticker names the model's own ticker, or is refused: it is for a global model.
    argv = ["predict", str(run_dir), "--days", "2", "--out", str(target)]
    code, _, err = run_cli([*argv, "--ticker", "msft"], capsys, monkeypatch)
    assert code == 0, err
    code, _, err = run_cli([*argv, "--ticker", "AAPL"], capsys, monkeypatch)
    assert code == 1
    assert err.strip() == (
        f"error: {run_dir} is a model of MSFT alone; --ticker is for a universe's "
        "global_lstm folder"
    )


def test_run_from_csv_models_close_when_no_adj_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "prices.csv"
    yahoo_frame(n=300).drop(columns="Adj Close").to_csv(csv, index=False)
    code, out, _ = run_cli(
        [
            "run",
            "--csv",
            str(csv),
            "--out",
            str(tmp_path / "r"),
            "--days",
            "3",
            "--json",
            *TINY_ARGS,
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["price_column"] == "close"
    assert doc["ticker"] == "PRICES"  # named after the file when no ticker is given


def test_several_tickers_write_a_leaderboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "many"
    code, _, _ = run_cli(
        [
            "run",
            "IBM",
            "AAPL",
            "--out",
            str(out),
            "--start",
            "2011-01-01",
            "--days",
            "2",
            *TINY_ARGS,
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["ticker"]) == {"IBM", "AAPL"}
    assert len(board) == 18  # 2 tickers x (lstm, lstm_raw + 7 baselines)
    assert (out / "IBM" / "metrics.json").is_file()
    assert (out / "AAPL" / "report.html").is_file()


def _bad_csv(tmp_path: Path, kind: str) -> Path:
    raw = yahoo_frame(n=300)
    if kind == "no_date":
        raw = raw.drop(columns="Date")
    elif kind == "no_price":
        raw = raw.drop(columns=["Close", "Adj Close"])
    elif kind == "bad_dates":
        raw.loc[10, "Date"] = "31/02/2021x"
    elif kind == "nan_prices":
        raw.loc[20:60, "Adj Close"] = float("nan")
    elif kind == "one_negative":
        raw.loc[20, "Close"] = -1.0
    elif kind == "short":
        raw = raw.iloc[:40]
    path = tmp_path / f"{kind}.csv"
    raw.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--csv", "{tmp}/missing.csv"], "no such file"),
        (["run", "--csv", "{no_date}"], "no date column"),
        (["run", "--csv", "{no_price}"], "no price column"),
        (["run", "--csv", "{bad_dates}"], "could not parse"),
        (["run", "--csv", "{nan_prices}"], "more than cleaning repairs"),
        (["run", "--csv", "{one_negative}", "--strict"], "--strict"),
        (["run", "--csv", "{short}"], "too short"),
        (["run", "NOPE", "--source", "sample"], "unknown ticker 'NOPE'"),
        (["predict", "{tmp}/no-such-run"], "no model folder"),
        (["run", "--exchange", "XXXX", "--csv", "{short}"], "unknown exchange"),
        (["run", "--config", "{tmp}/bad.toml"], "invalid hidden"),
    ],
)
def test_bad_input_is_one_line_no_traceback_no_folder(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "bad.toml").write_text("hidden = -3\n")
    names = {
        k: str(_bad_csv(tmp_path, k))
        for k in ("no_date", "no_price", "bad_dates", "nan_prices", "one_negative", "short")
    }
    argv = [a.format(tmp=tmp_path, **names) for a in argv]
    out_dir = tmp_path / "out"
    code, out, err = run_cli(
        [*argv, "--out", str(out_dir)] if argv[0] == "run" else argv, capsys, monkeypatch
    )
    assert code == 1
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    assert not out_dir.exists()


def test_bf16_where_it_cannot_run_is_one_line_and_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stockpred.training import loop

    monkeypatch.setattr(loop, "cpu_runs_bf16_lstm", lambda: False)  # as on an AVX2 CPU
    out_dir = tmp_path / "out"
    argv = ["run", "MSFT", "--device", "cpu", "--precision", "bf16", "--out", str(out_dir)]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    assert code == 1
    assert "bf16 needs a CUDA GPU or a CPU with bfloat16 units" in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    assert not out_dir.exists()


def test_unknown_option_value_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _out, err = run_cli(["run", "--target", "banana"], capsys, monkeypatch)
    assert code == 2
    assert "banana" in err
    assert "Traceback" not in err


def test_tampered_model_is_refused(
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / "model" / "scaler.json").write_text('{"x_mean": [0.0]}')
    code, _, err = run_cli(["predict", str(copy)], capsys, monkeypatch)
    assert code == 1
    assert "checksum mismatch" in err


def test_help_is_fast_to_import() -> None:
    code = "import sys, stockpred.cli.app; print(sorted(m for m in ('torch', 'matplotlib', 'pandas') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_imports_no_heavy_module(argv: list[str]) -> None:
    """The help path (the entry module, then the help itself) stays clear of the slow imports."""
    heavy = ("torch", "matplotlib", "pandas", "numpy", "exchange_calendars", "duckdb")
    code = (
        "import sys\n"
        "from stockpred.cli.main import app\n"
        f"try:\n    app({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_predict_from_a_saved_model_does_not_import_torch(run_dir: Path) -> None:
    code = (
        "import sys; from stockpred.evaluation.forecaster import Forecaster; "
        f"Forecaster.load({str(run_dir / 'model')!r}).predict(days=3); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
