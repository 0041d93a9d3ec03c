"""Issue 8 from the command line: no foreign file deleted, no misread file, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred.exceptions import StaleDataWarning
from stockpred.run_folder import MARKER

from ..conftest import yahoo_frame
from ..test_run_folder import hold
from .test_cli import TINY_ARGS, run_cli


def _csv(tmp_path: Path, n: int = 300, drift: float = 0.001, name: str = "KO.csv") -> Path:
    raw = yahoo_frame(n)
    close = 100.0 * np.exp(np.cumsum(np.full(n, drift)) + 0.01 * np.sin(np.arange(n)))
    raw["Close"], raw["Open"], raw["Adj Close"] = close, close, close
    raw["High"], raw["Low"] = close * 1.01, close * 0.99
    path = tmp_path / name
    raw.to_csv(path, index=False)
    return path


def _one_line_error(code: int, out: str, err: str, message: str) -> None:
    assert code == 1
    assert message in err, err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1, err


def test_out_onto_a_users_folder_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    important = tmp_path / "important"
    (important / "sub").mkdir(parents=True)
    (important / "notes.txt").write_text("mine")
    code, out, err = run_cli(
        ["run", "--csv", str(_csv(tmp_path)), "--out", str(important), *TINY_ARGS],
        capsys,
        monkeypatch,
    )
    _one_line_error(code, out, err, "files stockpred did not write")
    assert sorted(p.name for p in important.iterdir()) == ["notes.txt", "sub"]


def test_backtest_onto_a_run_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    (run / "model" / "weights.safetensors").write_text("w")
    (run / MARKER).write_text(json.dumps({"kind": "run", "files": ["model"]}))
    code, out, err = run_cli(
        ["backtest", "--csv", str(_csv(tmp_path)), "--out", str(run), *TINY_ARGS],
        capsys,
        monkeypatch,
    )
    _one_line_error(code, out, err, "holds a stockpred run folder")
    assert (run / "model" / "weights.safetensors").is_file()


def test_an_existing_file_as_out_is_refused_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    target.write_text("keep")
    csv = _csv(tmp_path)
    code, out, err = run_cli(
        ["train", "--csv", str(csv), "--out", str(target), *TINY_ARGS], capsys, monkeypatch
    )
    _one_line_error(code, out, err, "is a file")
    assert target.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KO.csv", "out"]


def test_a_second_process_writing_the_same_out_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bt"
    csv = _csv(tmp_path)
    with hold(target):  # another stockpred job has reserved the folder
        code, out, err = run_cli(
            ["backtest", "--csv", str(csv), "--out", str(target), *TINY_ARGS], capsys, monkeypatch
        )
    _one_line_error(code, out, err, "is being written by another stockpred process")


def test_out_dot_writes_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: a traceback (PosixPath('.') has an empty name) after training, and a temp folder."""
    csv = _csv(tmp_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, _out, err = run_cli(
        ["train", "--csv", str(csv), "--out", ".", *TINY_ARGS], capsys, monkeypatch
    )
    assert code == 0, err
    assert sorted(p.name for p in here.iterdir()) == [MARKER, "data.json", "model"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KO.csv", "here"]


def test_a_ticker_name_cannot_leave_the_runs_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = _csv(tmp_path)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code, out, err = run_cli(
        ["run", "../../ESCAPE2", "--csv", str(csv), *TINY_ARGS], capsys, monkeypatch
    )
    _one_line_error(code, out, err, "'../../ESCAPE2' is not a ticker name")
    assert not (tmp_path / "ESCAPE2").exists()
    assert not (work / "runs").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--test-start", "banana"], "--test-start: 'banana' is not a date (YYYY-MM-DD)"),
        (["--start", "banana"], "--start: 'banana' is not a date (YYYY-MM-DD)"),
        (
            ["--start", "x", "--test-start", "y"],
            "--start: 'x' is not a date (YYYY-MM-DD); --test-start: 'y' is not a date",
        ),
        (
            ["--test-start", "2030-01-01"],
            "--test-start 2030-01-01 is after the last session, 2013-03-01",
        ),
        (
            ["--val-start", "2012-06-01", "--test-start", "2012-01-03"],
            "--val-start 2012-06-01 is not before --test-start 2012-01-03",
        ),
        (["--val-start", "2013-02-01"], "--val-start 2013-02-01 is not before the test start"),
    ],
)
def test_date_options_are_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run_cli(
        ["run", "MSFT", *argv, "--out", str(out_dir), *TINY_ARGS], capsys, monkeypatch
    )
    _one_line_error(code, out, err, message)
    assert not out_dir.exists()


def test_evaluate_from_another_folder_finds_the_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: data.json held the relative --csv path, so evaluate elsewhere blamed a --csv."""
    _csv(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_cli(
        ["train", "--csv", "KO.csv", "--out", "r", *TINY_ARGS], capsys, monkeypatch
    )
    assert code == 0, err
    assert Path(json.loads((tmp_path / "r" / "data.json").read_text())["csv"]).is_absolute()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = run_cli(["evaluate", str(tmp_path / "r"), "--json"], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(out)["loss"] == "mae"
    (tmp_path / "KO.csv").unlink()
    code, out, err = run_cli(["evaluate", str(tmp_path / "r")], capsys, monkeypatch)
    _one_line_error(code, out, err, "which is no longer there; pass --csv FILE")


def test_price_target_out_of_range_is_warned_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = _csv(tmp_path, n=300, drift=0.003)
    out_dir = tmp_path / "r"
    code, _out, err = run_cli(
        [
            "run",
            "--csv",
            str(csv),
            "--target",
            "price",
            "--out",
            str(out_dir),
            "--days",
            "3",
            *TINY_ARGS,
        ],
        capsys,
        monkeypatch,
    )
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.startswith("warning: --target price")]
    assert len(lines) == 1, err
    assert "the default --target return is made for this" in lines[0]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["warnings"]
    assert "training prices" in metrics["warnings"][0]
    # metrics.json and report.html come from the library, in the API's words.
    assert metrics["warnings"][0].startswith("target=price: ")
    assert "warning: target=price: " in (out_dir / "report.html").read_text()


def test_warnings_print_as_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: 'cli.py:147: StaleDataWarning: …' and then the source line."""

    def stale(*_args: object, **_kwargs: object) -> None:
        warnings.warn("stored prices are 3 sessions old", StaleDataWarning, stacklevel=2)
        raise SystemExit(0)

    monkeypatch.setattr("stockpred.cli.model._load", stale)
    code, _out, err = run_cli(["train", "MSFT"], capsys, monkeypatch)
    assert code == 0
    assert err.strip() == "warning: stored prices are 3 sessions old"


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from stockpred import __version__

    code, out, _err = run_cli(["--version"], capsys, monkeypatch)
    assert code == 0
    assert out.strip() == f"stockpred {__version__}"


def test_config_reads_toml_without_tomllib(tmp_path: Path) -> None:
    """Python 3.10 has no tomllib: the config reader falls back to tomli (a declared dependency)."""
    import tomllib

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "tomli>=1.1; python_version < '3.11'" in project["project"]["dependencies"]
    (tmp_path / "c.toml").write_text("hidden = 7\n")
    code = (
        "import sys; sys.modules['tomllib'] = None\n"
        "from stockpred.config import make_config\n"
        f"print(make_config({{}}, {str(tmp_path / 'c.toml')!r}).hidden)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "7"


def test_sample_ticker_in_a_given_store_is_read_from_the_store(tmp_path: Path) -> None:
    """Was: --store was ignored for AAPL, MSFT, IBM…: they loaded from the 2000-2013 sample."""
    from stockpred.data import loading
    from stockpred.data.providers import Retry
    from stockpred.data.providers.memory import MemoryProvider
    from stockpred.data.schema import clean_prices
    from stockpred.data.store import PriceStore
    from stockpred.exceptions import ProviderUnavailable

    frame, _ = clean_prices(yahoo_frame(60, start="2016-01-04"))
    store = PriceStore(tmp_path / "prices.duckdb")
    store.write("MSFT", "stooq", frame)
    offline = MemoryProvider(name="stooq", failures=[ProviderUnavailable("offline")] * 5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loading, "get_provider", lambda *_a, **_k: offline)
        with pytest.warns(StaleDataWarning):
            history = loading.load_prices(  # every retry, none of the waiting between them
                "MSFT", store=tmp_path / "prices.duckdb", retry=Retry(sleep=lambda _: None)
            )
    assert history.source == "stooq"
    assert history.dates[0] == pd.Timestamp("2016-01-04")
    assert loading.load_prices("MSFT").source == "sample"  # without --store: the sample
