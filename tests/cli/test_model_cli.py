"""The model commands' small promises: run asks for a ticker, refuses options it would
ignore, and predict points a universe's folder to what it can forecast."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import TINY_ARGS, run_cli


def _usage_line(code: int, out: str, err: str, message: str) -> None:
    assert code == 2
    assert "Traceback" not in out + err
    assert err.strip() == f"error: {message}", err


def test_run_without_a_ticker_asks_for_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ran MSFT without a word."""
    code, out, err = run_cli(["run", "--out", str(tmp_path / "o"), *TINY_ARGS], capsys, monkeypatch)
    message = "name a ticker, e.g. `stockpred run MSFT` (the bundled sample), or --csv FILE"
    _usage_line(code, out, err, message)
    assert not (tmp_path / "o").exists()


def test_a_universe_refuses_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: silently ignored (a universe folder is never replaced, whatever --force says)."""
    argv = ["run", "MSFT", "AAPL", "--force", "--out", str(tmp_path / "o"), *TINY_ARGS]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    message = (
        "--force applies to one ticker's run folder; a universe folder is never replaced: "
        "finish it with --resume, or choose a new --out"
    )
    _usage_line(code, out, err, message)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "option",
    [
        ["--workers", "2"],
        ["--backend", "local"],
        ["--address", "ray://x:10001"],
        ["--embed", "4"],
        ["--resume"],
        ["--cost-bps", "10"],
    ],
)
def test_one_ticker_refuses_a_universe_option(
    option: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: silently ignored (issue 22)."""
    argv = ["run", "MSFT", *option, "--out", str(tmp_path / "o"), *TINY_ARGS]
    code, out, err = run_cli(argv, capsys, monkeypatch)
    message = (
        f"{option[0]} applies to a universe (several tickers, a folder or a panel file, or "
        "--model global/both); one ticker runs here alone: drop it, or name more tickers"
    )
    _usage_line(code, out, err, message)
    assert not (tmp_path / "o").exists()


def test_several_universe_options_are_named_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = tmp_path / "ko.csv"
    csv.write_text("date,close\n")  # never read: the refusal comes first
    argv = ["run", "--csv", str(csv), "--resume", "--workers", "3", *TINY_ARGS]
    code, _out, err = run_cli(argv, capsys, monkeypatch)
    assert code == 2
    assert "--workers and --resume apply to a universe" in err
    assert "drop them" in err


@pytest.mark.parametrize("with_global", [True, False])
def test_predict_on_a_universe_folder_points_to_a_ticker_or_global_lstm(
    with_global: bool,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: 'no model folder' without a word of global_lstm."""
    universe = tmp_path / "u"
    for name in ("IBM", "AAPL", *(["global_lstm"] if with_global else [])):
        (universe / name / "model").mkdir(parents=True)
    (universe / "universe.json").write_text("{}")
    code, out, err = run_cli(["predict", str(universe)], capsys, monkeypatch)
    assert code == 1
    assert "Traceback" not in out + err
    expected = (
        f"error: {universe} is a universe's folder; pass one ticker's folder ({universe}/AAPL)"
    )
    if with_global:
        expected += f" or its global model ({universe}/global_lstm --ticker AAPL)"
    assert err.strip() == expected


def test_predict_cleans_newer_prices_with_the_runs_loading_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: predict --csv kept only the run's exchange, so a file the run read with
    --max-filled 15 was refused at the default 2 %."""
    from ..conftest import yahoo_frame

    raw = yahoo_frame(n=400, start="2015-01-02")
    sparse = tmp_path / "SPARSE.csv"
    raw[~raw.index.isin(range(5, 400, 10))].to_csv(sparse, index=False)  # 10 % missing
    out = tmp_path / "run"
    argv = ["train", "--csv", str(sparse), "--max-filled", "15", "--out", str(out), *TINY_ARGS]
    code, _, err = run_cli(argv, capsys, monkeypatch)
    assert code == 0, err
    code, _, err = run_cli(
        ["predict", str(out), "--csv", str(sparse), "--days", "2"], capsys, monkeypatch
    )
    assert code == 0, err
    assert (out / "forecast.csv").is_file()


@pytest.mark.parametrize("tickers", [["MSFT"], ["AAPL", "MSFT"]])
def test_a_file_option_for_prices_that_are_no_file_is_refused_before_any_work(
    tickers: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Was: ignored (the sample's dates are typed); a universe now refuses it once, up front,
    not in every ticker's failed.csv row."""
    out = tmp_path / "o"
    argv = ["run", *tickers, "--date-format", "%d/%m/%Y", "--out", str(out), *TINY_ARGS]
    code, _, err = run_cli(argv, capsys, monkeypatch)
    assert code == 1
    assert err.strip() == (
        "error: --date-format reads a price file; these prices come from sample: drop it, "
        "or load the file with --csv"
    )
    assert not out.exists()
