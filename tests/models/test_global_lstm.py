"""The global LSTM: no leakage across splits, same test days, one folder, unseen tickers."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.data.options import LoadOptions
from stockpred.evaluation.forecaster import evaluate
from stockpred.evaluation.metrics import Evaluation
from stockpred.models.global_lstm import GlobalLSTM
from stockpred.splits import chronological_split

from ..conftest import TINY

TICKERS = ("AAPL", "IBM", "MSFT")


@pytest.fixture(scope="module")
def histories() -> dict[str, PriceHistory]:
    return {t: load_prices(t, start="2011-01-01") for t in TICKERS}


@pytest.fixture(scope="module")
def fitted(histories: dict[str, PriceHistory]) -> GlobalLSTM:
    return GlobalLSTM(ForecastConfig(**TINY), embed=3).fit(histories)


def _evaluate(model: GlobalLSTM, history: PriceHistory) -> Evaluation:
    """The ticker's test span scored beside the baselines, as a universe run scores it."""
    evaluation = evaluate(model.for_ticker(history.ticker), history)
    evaluation.table = evaluation.table.rename(index={"lstm": "global_lstm"})
    evaluation.predictions = evaluation.predictions.rename(columns={"lstm": "global_lstm"})
    return evaluation


def _tripled_test_span(history: PriceHistory, cfg: ForecastConfig) -> PriceHistory:
    split = chronological_split(history.dates, cfg)
    frame = history.frame.copy()
    frame.iloc[split.val_end :, : frame.shape[1]] *= 3.0
    return PriceHistory(frame, history.ticker, history.source, history.price_column)


def test_tripling_every_test_price_changes_no_scaler_and_no_weight(
    histories: dict[str, PriceHistory], fitted: GlobalLSTM
) -> None:
    cfg = ForecastConfig(**TINY)
    tripled = {t: _tripled_test_span(h, cfg) for t, h in histories.items()}
    again = GlobalLSTM(cfg, embed=3).fit(tripled)
    for ticker in TICKERS:
        a, b = fitted.for_ticker(ticker).scaler_, again.for_ticker(ticker).scaler_
        for name in ("x_mean", "x_std", "y_mean", "y_std"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert fitted.weights_.keys() == again.weights_.keys()
    for key, value in fitted.weights_.items():
        np.testing.assert_array_equal(value, again.weights_[key])
    assert fitted.embeddings_ is not None
    np.testing.assert_array_equal(fitted.embeddings_, again.embeddings_)
    # and the test span did change what is scored: the check above is not vacuous
    assert not np.allclose(
        _evaluate(fitted, histories["IBM"]).predictions["actual"],
        _evaluate(again, tripled["IBM"]).predictions["actual"],
    )


def test_scored_on_exactly_the_per_ticker_test_sessions(
    histories: dict[str, PriceHistory], fitted: GlobalLSTM
) -> None:
    from stockpred.evaluation.forecaster import Forecaster

    ibm = histories["IBM"]
    per_ticker = Forecaster(ForecastConfig(**TINY)).fit(ibm, progress=False).evaluate(ibm)
    glob = _evaluate(fitted, ibm)
    assert glob.predictions.index.equals(per_ticker.predictions.index)
    assert "global_lstm" in glob.table.index
    np.testing.assert_array_equal(glob.predictions["naive"], per_ticker.predictions["naive"])


def test_one_folder_round_trip_and_an_unseen_ticker(
    histories: dict[str, PriceHistory], fitted: GlobalLSTM, tmp_path: Path
) -> None:
    fitted.save(tmp_path / "model")
    names = (p.name for p in (tmp_path / "model").iterdir())
    assert sorted(n for n in names if not n.startswith(".")) == [
        "config.json",
        "fingerprint.json",
        "manifest.json",
        "scaler.json",
        "state.json",
        "weights.safetensors",
    ]
    loaded = GlobalLSTM.load(tmp_path / "model")
    for ticker in TICKERS:
        np.testing.assert_array_equal(
            loaded.for_ticker(ticker).predict(days=5), fitted.for_ticker(ticker).predict(days=5)
        )
    unseen = load_prices("GOOG", start="2011-01-01")
    forecast = loaded.for_history(unseen).predict(unseen, days=3)
    assert len(forecast) == 3
    assert (forecast["lower"] < forecast["forecast"]).all()
    assert abs(forecast["forecast"].iloc[0] / unseen.prices[-1] - 1) < 0.1


def test_predict_command_forecasts_a_seen_and_an_unseen_ticker(
    fitted: GlobalLSTM, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from stockpred.cli.app import app

    fitted.save(tmp_path / "g" / "model")
    runner = CliRunner()
    seen = runner.invoke(app, ["predict", str(tmp_path / "g"), "--ticker", "ibm", "--days", "2"])
    assert seen.exit_code == 0, seen.output
    assert "IBM: next 2 sessions" in seen.output
    csv = tmp_path / "goog.csv"
    load_prices("GOOG", start="2011-01-01").frame.reset_index().to_csv(csv, index=False)
    unseen = runner.invoke(app, ["predict", str(tmp_path / "g"), "--csv", str(csv), "--days", "2"])
    assert unseen.exit_code == 0, unseen.output
    assert "GOOG: next 2 sessions" in unseen.output
    missing = runner.invoke(app, ["predict", str(tmp_path / "g"), "--ticker", "XYZ"])
    assert missing.exit_code == 1


def test_predict_several_tickers_writes_one_forecast_with_a_ticker_column(
    fitted: GlobalLSTM, tmp_path: Path
) -> None:
    """Was: one forecast.csv without a ticker column, each ticker overwriting the last."""
    import pandas as pd
    from typer.testing import CliRunner

    from stockpred.cli.app import app

    fitted.save(tmp_path / "g" / "model")
    argv = ["predict", str(tmp_path / "g"), "--ticker", "ibm", "--ticker", "MSFT", "--days", "2"]
    done = CliRunner().invoke(app, argv)
    assert done.exit_code == 0, done.output
    assert "IBM: next 2 sessions" in done.output
    assert "MSFT: next 2 sessions" in done.output
    written = pd.read_csv(tmp_path / "g" / "forecast.csv")
    assert list(written.columns) == ["ticker", "date", "forecast", "lower", "upper"]
    assert list(written["ticker"]) == ["IBM", "IBM", "MSFT", "MSFT"]
    for ticker in ("IBM", "MSFT"):
        alone = fitted.for_ticker(ticker).predict(days=2)
        got = written[written["ticker"] == ticker]
        np.testing.assert_allclose(got["forecast"], alone["forecast"], rtol=1e-6)
    # Written whole: no temporary left beside it.
    assert {p.name for p in (tmp_path / "g").iterdir()} == {"model", "forecast.csv"}
    both = CliRunner().invoke(app, [*argv, "--csv", str(tmp_path / "any.csv")])
    assert both.exit_code == 1
    assert "give at most one --ticker with it" in str(both.exception)


def test_a_global_universe_scored_in_two_workers_equals_the_in_process_model(
    histories: dict[str, PriceHistory], tmp_path: Path
) -> None:
    """The pool calibrates and scores each ticker; the numbers are the in-process model's."""
    import pandas as pd

    from stockpred.cluster.local import LocalBackend
    from stockpred.universe.inputs import folder_sources
    from stockpred.universe.options import UniverseOptions
    from stockpred.universe.runner import run_universe

    prices = tmp_path / "prices"
    prices.mkdir()
    for ticker, history in histories.items():
        history.frame.reset_index().to_csv(prices / f"{ticker}.csv", index=False)
    cfg = ForecastConfig(**TINY)
    options = UniverseOptions(cfg, tmp_path / "out", LoadOptions(), days=2, model="global")
    sources = folder_sources(prices)
    result = run_universe(sources, options, LocalBackend(2), progress=False)
    assert result.exit_code == 0
    saved = pd.read_csv(tmp_path / "out" / "global_lstm" / "predictions.csv", parse_dates=["date"])
    assert list(saved["ticker"].unique()) == [s.ticker for s in sources]  # the universe's order
    loaded_histories = {s.ticker: s.load(LoadOptions()) for s in sources}
    here = GlobalLSTM(cfg).fit(loaded_histories)
    for ticker, history in loaded_histories.items():
        expected = _evaluate(here, history).predictions
        got = saved[saved["ticker"] == ticker].drop(columns="ticker").set_index("date")
        np.testing.assert_allclose(got["global_lstm"], expected["global_lstm"], rtol=1e-9)
        np.testing.assert_allclose(got["arima"], expected["arima"], rtol=1e-9)
    reloaded = GlobalLSTM.load(tmp_path / "out" / "global_lstm" / "model")
    assert reloaded.for_ticker("IBM").gate_ == here.for_ticker("IBM").gate_


def test_a_tickers_model_saves_loads_and_copies_like_any_lstm(
    histories: dict[str, PriceHistory], fitted: GlobalLSTM, tmp_path: Path
) -> None:
    """Was: one ticker's view raised on save and failed on new(); now a plain LSTMForecaster."""
    from stockpred.models.forecaster import LSTMForecaster

    ibm = fitted.for_ticker("IBM")
    assert type(ibm) is LSTMForecaster
    ibm.save(tmp_path / "ibm")
    loaded = LSTMForecaster.load(tmp_path / "ibm")
    history = histories["IBM"]
    origins = np.arange(len(history) - 30, len(history) - 1)
    np.testing.assert_array_equal(
        loaded.predict_origins(history, origins, 1), ibm.predict_origins(history, origins, 1)
    )
    np.testing.assert_array_equal(loaded.predict(days=3), ibm.predict(days=3))
    assert ibm.new().get_params() == ibm.get_params()


def test_the_global_model_refuses_a_ticker_twice_and_a_split_for_several(
    histories: dict[str, PriceHistory],
) -> None:
    from stockpred.exceptions import ConfigError

    ibm, msft = histories["IBM"], histories["MSFT"]
    with pytest.raises(ConfigError, match="got IBM twice; give each ticker once"):
        GlobalLSTM(ForecastConfig(**TINY)).fit([ibm, msft, ibm])
    split = chronological_split(ibm.dates, ForecastConfig(**TINY))
    with pytest.raises(ConfigError, match="a split holds one history's positions, not 2's"):
        GlobalLSTM(ForecastConfig(**TINY)).fit([ibm, msft], split)


def test_a_tickers_view_travels_as_a_typed_record(
    histories: dict[str, PriceHistory], fitted: GlobalLSTM
) -> None:
    """What a worker sends back for a ticker is a ViewState (its fingerprint a Fingerprint),
    and attaching it rebuilds the ticker's model exactly."""
    from stockpred.models.state import Fingerprint, ViewState

    view = fitted.calibrated_view("IBM", histories["IBM"])
    state = GlobalLSTM.view_state(view)
    assert isinstance(state, ViewState)
    assert isinstance(state.meta, Fingerprint)
    assert state.meta.ticker == "IBM"
    assert state.calibration["gate"]["n"] == view.gate_.n
    model = copy.copy(fitted)
    model.views_ = {}
    model.add_view("IBM", state)
    history = histories["IBM"]
    origins = np.arange(len(history) - 30, len(history) - 1)
    np.testing.assert_array_equal(
        model.for_ticker("IBM").predict_origins(history, origins, 1),
        view.predict_origins(history, origins, 1),
    )
    assert model.for_ticker("IBM").meta_ == view.meta_
