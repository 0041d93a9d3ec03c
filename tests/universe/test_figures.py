"""A universe's figures from saved predictions: the same whatever the tickers are called,
and the leaderboard's DM test under the verdict's loss."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.options import LoadOptions
from stockpred.evaluation.metrics import METRICS, point_metrics
from stockpred.stats import diebold_mariano
from stockpred.universe.inputs import TickerSource
from stockpred.universe.job import TickerOutcome
from stockpred.universe.options import UniverseOptions
from stockpred.universe.result import UniverseResult
from stockpred.universe.runner import _finish

from ..conftest import TINY

N_TICKERS, N_DATES = 8, 300


def _predictions(shut: np.ndarray, seed: int = 3) -> dict[int, pd.DataFrame]:
    """Random-walk tickers with naive, drift, a gated ``lstm`` (no change where ``shut``,
    date × ticker) and its ungated ``lstm_raw``, one frame a ticker."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-02", periods=N_DATES)
    out = {}
    for i in range(N_TICKERS):
        prices = 50.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, N_DATES + 1)))
        previous, actual = prices[:-1], prices[1:]
        raw = previous * (1 + 0.3 * (actual / previous - 1) + rng.normal(0, 0.01, N_DATES))
        out[i] = pd.DataFrame(
            {
                "actual": actual,
                "previous": previous,
                "naive": previous,
                "drift": previous * (1 + 0.0002 * (i + 1)),
                "lstm": np.where(shut[:, i], previous, raw),
                "lstm_raw": raw,
            },
            index=dates,
        )
    return out


def _outcome(ticker: str, predictions: pd.DataFrame) -> TickerOutcome:
    actual, prev = predictions["actual"].to_numpy(), predictions["previous"].to_numpy()
    models = [c for c in predictions.columns if c not in ("actual", "previous")]
    rows = {m: point_metrics(actual, predictions[m].to_numpy(), prev, 1.0) for m in models}
    table = pd.DataFrame.from_dict(rows, orient="index")[list(METRICS)].astype(float)
    return TickerOutcome(ticker, table, predictions)


def _universe(names: list[str], frames: dict[int, pd.DataFrame], loss: str) -> UniverseResult:
    """The universe's figures as the runner computes them, its sources in name order (as a
    folder lists them)."""
    options = UniverseOptions(ForecastConfig(**TINY, loss=loss), Path("unused"), LoadOptions())
    named = {names[i]: frame.copy() for i, frame in frames.items()}
    sources = [TickerSource(t) for t in sorted(named)]
    outcomes = {t: _outcome(t, named[t]) for t in named}
    return _finish(sources, options, outcomes, {})


def _shut_pattern(open_tickers: int | None) -> np.ndarray:
    """Gates open on the first ``open_tickers`` tickers only, or (None) shut on two whole
    tickers and on a scattered fifth of the rest: ties at a predicted return of 0."""
    if open_tickers is not None:
        return np.arange(N_TICKERS)[None, :].repeat(N_DATES, axis=0) >= open_tickers
    shut = np.random.default_rng(5).random((N_DATES, N_TICKERS)) < 0.2
    shut[:, [0, 5]] = True
    return shut


def _board(result: UniverseResult, rename: dict[str, str]) -> pd.DataFrame:
    board = result.board.assign(ticker=result.board["ticker"].map(rename))
    return board.sort_values(["ticker", "model"]).reset_index(drop=True)


@pytest.mark.parametrize("open_tickers", [None, 0, 1])
def test_every_figure_is_the_same_whatever_the_tickers_are_called(
    open_tickers: int | None,
) -> None:
    """Renamed so that their order reverses, the tickers give the same book, IC, placebo,
    leaderboard and sentences; with every gate shut, or all but one, the gated model has
    too few views to trade (the old book ranked the ties by name: long the last tickers)."""
    frames = _predictions(_shut_pattern(open_tickers))
    forward = [f"A{i}" for i in range(N_TICKERS)]
    backward = [f"Z{N_TICKERS - i}" for i in range(N_TICKERS)]  # sorts in reverse
    a, b = _universe(forward, frames, "mae"), _universe(backward, frames, "mae")
    assert json.dumps(asdict(a.summary)) == json.dumps(asdict(b.summary))
    pd.testing.assert_frame_equal(
        _board(a, dict(zip(forward, backward, strict=True))), _board(b, {t: t for t in backward})
    )
    for model, series in a.series.items():
        pd.testing.assert_frame_equal(series, b.series[model])
    lstm = a.summary.cross_section["lstm"]
    if open_tickers is not None:
        assert lstm.dates_traded == lstm.dates == 0
        assert lstm.long_short.cumulative_return is None
        assert "its long/short book made no trade" in " ".join(a.summary.sentences)
    else:
        assert 0 < lstm.dates_traded < N_DATES
        assert lstm.placebo.p05 < lstm.placebo.p95


@pytest.mark.parametrize(
    ("loss", "dm_loss", "words"),
    [("mae", "absolute", "absolute error"), ("mse", "squared", "squared error")],
)
def test_the_leaderboard_tests_under_the_verdicts_loss(loss: str, dm_loss: Any, words: str) -> None:
    frames = _predictions(_shut_pattern(None))
    names = [f"T{i}" for i in range(N_TICKERS)]
    result = _universe(names, frames, loss)
    for row in result.board[result.board["model"] != "naive"].itertuples():
        frame = frames[names.index(str(row.ticker))]
        errors = frame[str(row.model)] - frame["actual"]
        expected = diebold_mariano(errors, frame["naive"] - frame["actual"], loss=dm_loss)
        assert row.dm_p == pytest.approx(expected.p_better, rel=1e-12)
    assert result.summary.loss == loss
    assert f"significantly under {words} on" in result.summary.sentences[0]


def test_the_page_links_a_scorecard_written_beside_it(tmp_path: Path) -> None:
    """The ledger's scorecard in OUT/scorecard/ is linked from the universe's page."""
    from dataclasses import replace

    from stockpred.universe.page import SCORECARD, render_index

    names = [f"T{i}" for i in range(8)]
    result = replace(_universe(names, _predictions(_shut_pattern(None)), "mae"), out=tmp_path)
    assert SCORECARD not in render_index(result)
    (tmp_path / "scorecard").mkdir()
    (tmp_path / SCORECARD).write_text("<html></html>")
    assert f'href="{SCORECARD}"' in render_index(result)
