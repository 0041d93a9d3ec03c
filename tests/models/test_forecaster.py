"""The shared model check: fit → predict shapes → save/load → same seed, same output → errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.calendar import next_sessions
from stockpred.data.history import PriceHistory
from stockpred.exceptions import ArtifactError, ConfigError, DataError, NotFittedError

from ..conftest import BASELINES, TINY


@pytest.fixture(scope="module")
def fitted(msft: PriceHistory) -> Forecaster:
    return Forecaster(ForecastConfig(**TINY)).fit(msft, progress=False)


def _weights(fc: Forecaster) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in fc.weights_.items()}


def test_predict_before_fit_is_refused() -> None:
    with pytest.raises(NotFittedError):
        Forecaster().predict(days=3)


def test_predict_dates_are_the_next_sessions(fitted: Forecaster, msft: PriceHistory) -> None:
    out = fitted.predict(msft, days=7)
    assert list(out.columns) == ["forecast", "lower", "upper"]
    assert out.index.equals(next_sessions("XNYS", msft.dates[-1], 7))
    assert (out["lower"] < out["forecast"]).all()
    assert (out["forecast"] < out["upper"]).all()
    widths = (out["upper"] - out["lower"]).to_numpy()
    assert (np.diff(widths) > 0).all()  # uncertainty grows with the step


def test_same_seed_same_weights(msft: PriceHistory, fitted: Forecaster) -> None:
    again = Forecaster(ForecastConfig(**TINY)).fit(msft, progress=False)
    for key, value in _weights(fitted).items():
        assert np.array_equal(value, again.weights_[key])
    other = Forecaster(ForecastConfig(**{**TINY, "seed": 1})).fit(msft, progress=False)
    assert not np.array_equal(other.weights_["head.1.weight"], fitted.weights_["head.1.weight"])


def test_save_load_gives_bit_identical_predictions(
    fitted: Forecaster, msft: PriceHistory, tmp_path: Path
) -> None:
    fitted.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(
        fitted.predict(msft, days=12), loaded.predict(days=12), check_exact=True
    )
    origins = np.arange(100, 120)
    np.testing.assert_array_equal(
        fitted.predict_origins(msft, origins, 1), loaded.predict_origins(msft, origins, 1)
    )
    assert not list(tmp_path.glob(".*"))  # no temp folders left behind


def test_leakage_changing_test_prices_changes_nothing_learned(
    msft: PriceHistory, fitted: Forecaster
) -> None:
    frame = msft.frame.copy()
    test_rows = frame.index[fitted.split_.val_end :]
    frame.loc[test_rows, ["open", "high", "low", "close", "adj_close"]] *= 3.0
    changed = PriceHistory(frame, msft.ticker, msft.source, msft.price_column)
    refit = Forecaster(ForecastConfig(**TINY)).fit(changed, progress=False)
    assert refit.scaler_.to_dict() == fitted.scaler_.to_dict()
    for key, value in _weights(fitted).items():
        assert np.array_equal(value, refit.weights_[key])


def test_evaluate_scores_only_unseen_sessions(fitted: Forecaster, msft: PriceHistory) -> None:
    ev = fitted.evaluate(msft)
    assert ev.predictions.index[0] == msft.dates[fitted.split_.val_end]
    assert ev.predictions.index[-1] == msft.dates[-1]
    assert set(ev.table.index) == {"lstm", "lstm_raw", *BASELINES}
    np.testing.assert_array_equal(ev.predictions["naive"], ev.predictions["previous"])


def test_evaluate_refuses_different_training_data(fitted: Forecaster, msft: PriceHistory) -> None:
    frame = msft.frame.copy()
    frame.iloc[5, frame.columns.get_loc("adj_close")] *= 1.01
    with pytest.raises(DataError, match="differ from the ones the model was trained on"):
        fitted.evaluate(PriceHistory(frame, "MSFT", "sample", "adj_close"))


def test_price_target_and_multi_step_horizon(msft: PriceHistory) -> None:
    fc = Forecaster(ForecastConfig(**{**TINY, "target": "price", "horizon": 3})).fit(
        msft, progress=False
    )
    assert fc.predict_origins(msft, np.array([200, 201]), 3).shape == (2, 3)
    assert len(fc.predict(msft, days=2)) == 2  # direct outputs
    assert len(fc.predict(msft, days=5)) == 5  # fed back beyond the horizon
    assert np.isfinite(fc.evaluate(msft).table.to_numpy(dtype=float)[:, :5]).all()


@pytest.mark.parametrize("damage", ["delete", "edit_weights", "edit_json", "garbage_json"])
def test_tampered_model_folder_is_refused(fitted: Forecaster, tmp_path: Path, damage: str) -> None:
    folder = fitted.save(tmp_path / "m")
    if damage == "delete":
        (folder / "scaler.json").unlink()
    elif damage == "edit_weights":
        data = bytearray((folder / "weights.safetensors").read_bytes())
        data[-1] ^= 0xFF
        (folder / "weights.safetensors").write_bytes(bytes(data))
    elif damage == "edit_json":
        cfg = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**cfg, "hidden": 99}))
    else:
        (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ArtifactError):
        Forecaster.load(folder)


def test_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no model folder"):
        Forecaster.load(tmp_path / "nope")


def test_loaded_model_forecasts_on_the_saved_calendar(
    fitted: Forecaster, msft: PriceHistory, tmp_path: Path
) -> None:
    loaded = Forecaster.load(fitted.save(tmp_path / "m"))
    out = loaded.predict(days=250)
    assert out.index.equals(next_sessions("XNYS", msft.dates[-1], 250))


def test_library_errors_name_the_api_parameter(fitted: Forecaster, msft: PriceHistory) -> None:
    from stockpred.splits import plan_folds

    with pytest.raises(ConfigError, match=r"^days must be at least 1$"):
        fitted.predict(days=0)
    with pytest.raises(ConfigError, match=r"^folds must be at least 1$"):
        plan_folds(len(msft), fitted.config, 0, "expanding")


def test_every_interval_from_the_saved_context_equals_the_whole_historys(
    fitted: Forecaster, msft: PriceHistory
) -> None:
    """predict() without prices reads only the last window + 1 sessions and the scales'
    variances saved at their start: the bounds must be the whole history's, bit for bit
    (every method: tests/models/test_intervals.py)."""
    context = fitted.context_
    point = np.full((1, 5), msft.prices[-1])
    assert fitted.intervals_.methods == ("constant", "ewma")
    for method in fitted.intervals_.methods:
        whole = fitted.intervals_.bounds(method, point, msft.prices, np.array([len(msft) - 1]))
        tail = fitted.intervals_.bounds(
            method, point, context.prices, np.array([len(context) - 1]), fitted.context_start_
        )
        for ours, theirs in zip(tail, whole, strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_a_saved_model_holds_only_the_intervals_it_fitted(
    fitted: Forecaster, tmp_path: Path
) -> None:
    """Was: every method's parameters, GARCH's context variance and the quantile head's arrays."""
    from safetensors.numpy import load_file

    folder = fitted.save(tmp_path / "m")
    state = json.loads((folder / "state.json").read_text())
    assert set(state["intervals"]) == {
        *("level", "default", "methods", "constant", "ewma", "ewma_scaled")
    }
    assert state["intervals"]["methods"] == ["constant", "ewma"]
    assert "context_variance" not in state
    assert not any(
        k.startswith("quantile_head.") for k in load_file(folder / "weights.safetensors")
    )


def test_the_fingerprint_is_a_typed_record_saved_field_for_field(
    fitted: Forecaster, msft: PriceHistory, tmp_path: Path
) -> None:
    """fingerprint.json is the Fingerprint's fields; it and the calibration load back equal."""
    from stockpred.artifacts import to_json
    from stockpred.models.state import Fingerprint

    fitted.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert isinstance(loaded.meta_, Fingerprint)
    assert loaded.meta_ == fitted.meta_
    assert loaded.meta_.train_end_date == str(msft.dates[fitted.split_.train_end - 1].date())
    assert json.loads((tmp_path / "m" / "fingerprint.json").read_text()) == to_json(fitted.meta_)
    assert loaded.calibration_to_dict() == fitted.calibration_to_dict()
    assert loaded.train_result_.to_dict() == fitted.train_result_.to_dict()


def test_a_model_folder_saved_before_loads_and_forecasts_as_it_did(msft: PriceHistory) -> None:
    """A folder from when every method was fitted (tests/models/fixtures/README.md): it
    reads its own method (quantile) and constant, and forecasts bit for bit as then."""
    fixtures = Path(__file__).parent / "fixtures"
    want = json.loads((fixtures / "model_before.json").read_text())
    loaded = Forecaster.load(fixtures / "model_before")
    assert loaded.intervals_.methods == ("constant", "quantile")
    assert (loaded.meta_.ticker, loaded.meta_.val_end_date) == ("MSFT", "2012-10-05")
    assert loaded.predict(days=5).to_dict(orient="list") == want["predict"]
    assert loaded.predict(msft, days=5).to_dict(orient="list") == want["predict_history"]
    origins = np.array(want["origins"])
    point = loaded.predict_origins(msft, origins, 1)
    for method in ("constant", "quantile"):
        bounds = loaded.intervals_.bounds(method, point, msft.prices, origins)
        assert [b[:, 0].tolist() for b in bounds] == want["bounds"][method]
