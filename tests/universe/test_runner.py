"""A universe end to end: failures stay local, exit codes, resume, lock, kill, Ctrl-C, the page."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred.data.loading import load_prices
from stockpred.stats import Loss, diebold_mariano

from ..cli.test_cli import TINY_ARGS, run_cli, run_cli_for_fixture
from ..conftest import CHROMIUM, chromium_flags, yahoo_frame

# Under xdist (`make test`) one worker runs this module: its tests share `universe`.
pytestmark = pytest.mark.xdist_group("universe-run")

GOOD = ("AAPL", "IBM", "MSFT")


def _folder(
    root: Path, tickers: tuple[str, ...] = GOOD, broken: bool = True, start: str = "2011-01-01"
) -> Path:
    """Good tickers from the sample (from ``start``), plus a broken and a too-short file."""
    folder = root / "prices"
    folder.mkdir()
    for ticker in tickers:
        frame = load_prices(ticker, start=start).frame
        frame.reset_index().to_csv(folder / f"{ticker.lower()}.csv", index=False)
    if broken:
        (folder / "broken.csv").write_text("this,is\nnot,prices\n")
        yahoo_frame(n=30).to_csv(folder / "short.csv.gz", index=False)
    return folder


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One real universe run over three good tickers, one broken and one too-short file."""
    root = tmp_path_factory.mktemp("universe")
    folder = _folder(root)
    out = root / "out"
    argv = ["run", "--csv", str(folder), "--out", str(out), "--workers", "2", "--days", "2"]
    code, _, err = run_cli_for_fixture([*argv, *TINY_ARGS])
    assert code == 3, err
    assert f"2 of 5 tickers failed; see {out / 'failed.csv'}" in err.replace("\n", " ")
    return folder, out


def test_a_broken_and_a_short_file_fail_alone(universe: tuple[Path, Path]) -> None:
    _, out = universe
    failed = pd.read_csv(out / "failed.csv").set_index("ticker")["error"]
    assert set(failed.index) == {"BROKEN", "SHORT"}
    assert "no date column" in failed["BROKEN"]
    assert "too short" in failed["SHORT"]
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["ticker"]) == set(GOOD)
    contract = "ticker, model, n_test, mae, rmse, mase, directional_accuracy, moved_share"
    contract += ", mae_vs_naive"
    assert list(board.columns) == [*contract.split(", "), "dm_p", "dm_q"]
    assert set(board["model"]) == {
        *("lstm", "lstm_raw", "naive", "drift", "moving_average", "linear_ar"),
        *("arima", "exp_smoothing", "theta"),
    }
    assert not (out / "BROKEN").exists()
    assert not (out / "SHORT").exists()
    for ticker in GOOD:
        assert (out / ticker / "report.html").is_file()
        assert (out / ticker / "model" / "manifest.json").is_file()


def test_ticker_folders_say_what_cleaning_did_in_metrics_json(universe: tuple[Path, Path]) -> None:
    folder, out = universe
    for ticker in GOOD:
        cleaning = json.loads((out / ticker / "metrics.json").read_text())["cleaning"]
        assert cleaning["rows_in"] == len(pd.read_csv(folder / f"{ticker.lower()}.csv"))
        assert cleaning["price_column"] == "adj_close"
        assert cleaning["messages"] == []


def test_universe_json_counts_and_says_it_honestly(universe: tuple[Path, Path]) -> None:
    _, out = universe
    doc = json.loads((out / "universe.json").read_text())
    assert doc["tickers"] == {"asked": 5, "done": 3, "failed": 2, "resumed": 0}
    assert doc["loss"] == "mae"  # the default verdict loss, named
    lstm = doc["models"]["lstm"]
    board = pd.read_csv(out / "leaderboard.csv")
    ratios = board.loc[board["model"] == "lstm", "mae_vs_naive"]
    assert lstm["median_loss_vs_naive"] == pytest.approx(ratios.median())
    assert lstm["beats_naive_p05"] == int(
        (board.loc[board["model"] == "lstm", "dm_p"] < 0.05).sum()
    )
    assert doc["sentences"][0].startswith(
        "The per-ticker LSTM beat the naive forecast significantly under absolute error on"
    )
    assert "before correcting for 3 tests" in doc["sentences"][0]
    seconds = doc["seconds"]  # the 3 fitted tickers: each phase's median and total
    for phase in ("load", "train", "evaluate", "report", "write"):
        assert 0 < seconds[f"median_{phase}"] < seconds[f"total_{phase}"] < seconds["wall"] * 4


def _dm_p_from_predictions(out: Path, board: pd.DataFrame, loss: Loss) -> pd.Series:
    """Each leaderboard row's DM p recomputed from the predictions.csv the run wrote:
    TICKER/predictions.csv, and global_lstm/predictions.csv for the global network (whose
    file, written by global_run, may still call its ungated column lstm_raw)."""
    frames = {t: pd.read_csv(out / t / "predictions.csv") for t in board["ticker"].unique()}
    pooled = out / "global_lstm" / "predictions.csv"
    pooled_frame = (
        pd.read_csv(pooled).rename(columns={"lstm_raw": "global_lstm_raw"})
        if pooled.is_file()
        else None
    )
    p = {}
    for row in board[board["model"] != "naive"].itertuples():
        model, frame = str(row.model), frames[str(row.ticker)]
        if model.startswith("global_"):
            assert pooled_frame is not None
            frame = pooled_frame[pooled_frame["ticker"] == row.ticker]
        errors = frame[model] - frame["actual"]
        p[row.Index] = diebold_mariano(errors, frame["naive"] - frame["actual"], loss=loss).p_better
    return pd.Series(p)


def test_dm_p_is_the_verdicts_test_under_absolute_error(universe: tuple[Path, Path]) -> None:
    _, out = universe
    board = pd.read_csv(out / "leaderboard.csv")
    expected = _dm_p_from_predictions(out, board, "absolute")
    np.testing.assert_allclose(board.loc[expected.index, "dm_p"], expected, rtol=1e-5)
    words = " ".join((out / "index.html").read_text().split())
    assert "beats naive under absolute error (the verdict's loss, --loss mae)" in words


@pytest.fixture(scope="module")
def both_mse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both networks on the good tickers, the verdict under squared error."""
    root = tmp_path_factory.mktemp("both")
    folder = _folder(root, broken=False)
    out = root / "out"
    argv = ["run", "--csv", str(folder), "--out", str(out), "--model", "both", "--days", "2"]
    code, _, err = run_cli_for_fixture([*argv, "--loss", "mse", "--workers", "1", *TINY_ARGS])
    assert code == 0, err
    return out


def test_each_network_keeps_its_own_name_and_numbers(both_mse: Path) -> None:
    board = pd.read_csv(both_mse / "leaderboard.csv")
    learned = board[board["model"].isin(["lstm", "lstm_raw", "global_lstm", "global_lstm_raw"])]
    assert set(learned["model"]) == {"lstm", "lstm_raw", "global_lstm", "global_lstm_raw"}
    assert len(learned) == 4 * len(GOOD)
    raw = learned.pivot(index="ticker", columns="model", values="mae")
    assert (raw["lstm_raw"] != raw["global_lstm_raw"]).all()
    doc = json.loads((both_mse / "universe.json").read_text())
    assert {"global_lstm_raw", "lstm_raw"} <= set(doc["models"]) & set(doc["cross_section"])
    assert "The global LSTM ungated beat" in " ".join(doc["sentences"])
    assert ">global_lstm_raw<" in (both_mse / "index.html").read_text()


def test_dm_p_is_the_verdicts_test_under_squared_error(both_mse: Path) -> None:
    board = pd.read_csv(both_mse / "leaderboard.csv")
    expected = _dm_p_from_predictions(both_mse, board, "squared")
    assert expected.index.size == (board["model"] != "naive").sum()
    np.testing.assert_allclose(board.loc[expected.index, "dm_p"], expected, rtol=1e-5)
    doc = json.loads((both_mse / "universe.json").read_text())
    assert doc["loss"] == "mse"
    assert "significantly under squared error on" in doc["sentences"][0]


def test_index_page_links_reports_and_lists_failures(universe: tuple[Path, Path]) -> None:
    _, out = universe
    page = (out / "index.html").read_text()
    for ticker in GOOD:
        assert f'href="{ticker}/report.html"' in page
    assert "BROKEN" in page
    assert 'class="table sortable"' in page
    assert page.count("<img") == 3
    assert "http" not in page.replace("http-equiv", "")


def test_resume_reuses_every_complete_ticker(
    universe: tuple[Path, Path], tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder, out = universe
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    code, _, err = run_cli(
        [
            "run",
            "--csv",
            str(folder),
            "--out",
            str(copy),
            "--resume",
            "--workers",
            "1",
            "--days",
            "2",
            *TINY_ARGS,
        ],
        capsys,
        monkeypatch,
    )
    assert code == 3, err
    doc = json.loads((copy / "universe.json").read_text())
    assert doc["tickers"]["resumed"] == 3
    before = pd.read_csv(out / "leaderboard.csv")
    after = pd.read_csv(copy / "leaderboard.csv")
    pd.testing.assert_frame_equal(before, after)


def test_another_config_is_refused_in_one_line(
    universe: tuple[Path, Path], tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder, out = universe
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    args = ["run", "--csv", str(folder), "--out", str(copy), "--days", "2", *TINY_ARGS]
    code, _, err = run_cli([*args, "--hidden", "9"], capsys, monkeypatch)
    assert code == 1
    assert "another config (differs in hidden)" in err
    assert len(err.strip().splitlines()) == 1


def test_a_second_run_on_a_locked_out_is_refused(
    universe: tuple[Path, Path], tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder, out = universe
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    fd = os.open(copy, os.O_RDONLY)  # as another process holding the folder does
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, _, err = run_cli(
            ["run", "--csv", str(folder), "--out", str(copy), *TINY_ARGS], capsys, monkeypatch
        )
    finally:
        os.close(fd)
    assert code == 1
    assert "is being written by another stockpred process" in err
    assert (copy / "universe.json").read_text() == (out / "universe.json").read_text()


def test_all_failed_exits_1(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.csv").write_text("a,b\n1,2\n")
    yahoo_frame(n=20).to_csv(folder / "y.csv", index=False)
    code, _, err = run_cli(
        ["run", "--csv", str(folder), "--out", str(tmp_path / "o"), *TINY_ARGS], capsys, monkeypatch
    )
    assert code == 1
    assert "all 2 tickers failed" in err


def test_a_panel_ticker_cannot_write_outside_out(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = load_prices("IBM", start="2011-01-01").frame.reset_index()
    panel = pd.concat([rows.assign(ticker="IBM"), rows.assign(ticker="../evil")])
    path = tmp_path / "panel.csv"
    panel.to_csv(path, index=False)
    out = tmp_path / "deep" / "out"
    code, _, _ = run_cli(
        ["run", "--csv", str(path), "--out", str(out), "--days", "2", *TINY_ARGS],
        capsys,
        monkeypatch,
    )
    assert code == 3
    assert not (tmp_path / "deep" / "EVIL").exists()
    assert not (tmp_path / "deep" / "evil").exists()
    failed = pd.read_csv(out / "failed.csv")
    assert failed["ticker"].tolist() == ["../EVIL"]
    assert "not a ticker name" in failed["error"].iloc[0]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["IBM"]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)")
def test_index_page_in_a_real_browser_sorts_on_a_click(
    universe: tuple[Path, Path], tmp_path: Path
) -> None:
    assert CHROMIUM is not None
    _, out = universe
    flags = chromium_flags(tmp_path)
    shot = tmp_path / "shot.png"
    url = (out / "index.html").resolve().as_uri()
    done = subprocess.run(  # one browser start: the screenshot and the page as loaded
        [CHROMIUM, *flags, f"--screenshot={shot}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert [line for line in done.stderr.splitlines() if "CONSOLE" in line] == []
    from matplotlib.image import imread

    assert imread(shot)[..., :3].std() > 0.1  # not a blank page

    def first_column(dom: str, column: int) -> list[str]:
        body = dom.split('id="leaderboard"', 1)[1].split("</table>", 1)[0]
        rows = body.split("<tbody>", 1)[1].split("</tr>")[:-1]
        return [r.split("<td>")[column + 1].split("</td>")[0] for r in rows]

    before = done.stdout
    clicked = tmp_path / "clicked.html"
    # the real page plus one line that clicks the mae_vs_naive header, as a user would
    clicked.write_text(
        (out / "index.html")
        .read_text()
        .replace(
            "</body>",
            "<script>document.querySelectorAll('#leaderboard th')[6].click()</script></body>",
        )
    )
    after = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", clicked.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    ratios_before = [float(v) for v in first_column(before, 6)]
    ratios_after = [float(v) for v in first_column(after, 6)]
    assert ratios_before != sorted(ratios_before)
    assert ratios_after == sorted(ratios_before)
