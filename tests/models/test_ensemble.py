"""Seed ensembles: ``ensemble = k`` averages k networks seeded seed, seed+1, ..., seed+k-1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stockpred import ForecastConfig, Forecaster
from stockpred.data.history import PriceHistory
from stockpred.features import Dataset, input_signals, windows
from stockpred.network.lstm import LSTMNet
from stockpred.network.numpy_lstm import lstm_forward
from stockpred.splits import chronological_split
from stockpred.training.loop import train_network

from ..conftest import TINY

CFG = ForecastConfig(**{**TINY, "epochs": 2})


def _single_network(history: PriceHistory, cfg: ForecastConfig) -> dict[str, np.ndarray]:
    """One LSTMNet fitted the way a model was fitted before ensembles existed."""
    import torch

    split = chronological_split(history.dates, cfg)
    torch.manual_seed(cfg.seed)
    net = LSTMNet(cfg)
    train_network(
        net,
        Dataset.build(history, cfg, split).arrays(),
        cfg,
        device=torch.device("cpu"),
        progress=False,
    )
    return {k: v.detach().numpy() for k, v in net.state_dict().items()}


@pytest.fixture(scope="module")
def trio(msft: PriceHistory) -> Forecaster:
    return Forecaster(CFG.model_copy(update={"ensemble": 3})).fit(msft, progress=False)


def _test_windows(fc: Forecaster, history: PriceHistory) -> np.ndarray:
    signals = fc.scaler_.scale_x(input_signals(history.frame, history.price_column, fc.config))
    return windows(signals, fc.split_.test_origins(), fc.config.window)


def test_one_network_is_the_model_as_it_was_bit_for_bit(msft: PriceHistory) -> None:
    fc = Forecaster(CFG).fit(msft, progress=False)
    single = _single_network(msft, CFG)
    assert fc.weights_.keys() == single.keys()  # no member prefixes: the same file as before
    for key, value in single.items():
        np.testing.assert_array_equal(fc.weights_[key], value, err_msg=key)
    x = _test_windows(fc, msft)
    before = fc.scaler_.unscale_y(lstm_forward(single, CFG, x).astype(np.float64))
    np.testing.assert_array_equal(fc._outputs(x), before)
    assert fc.train_result_.members == []


def test_the_ensemble_averages_networks_seeded_seed_to_seed_plus_k_minus_1(
    trio: Forecaster, msft: PriceHistory
) -> None:
    assert {k.split(".")[0] for k in trio.weights_} == {"lstm", "head", "member1", "member2"}
    x = _test_windows(trio, msft)
    outputs = []
    for member in range(3):
        cfg = CFG.model_copy(update={"seed": member})
        single = _single_network(msft, cfg)
        prefix = "" if member == 0 else f"member{member}."
        for key, value in single.items():
            np.testing.assert_array_equal(trio.weights_[prefix + key], value, err_msg=prefix + key)
        outputs.append(lstm_forward(single, cfg, x).astype(np.float64))
    np.testing.assert_allclose(trio._outputs(x), trio.scaler_.unscale_y(np.mean(outputs, axis=0)))
    assert len(trio.train_result_.members) == 3


def test_same_seed_same_ensemble_forecasts_and_another_seed_differs(
    trio: Forecaster, msft: PriceHistory
) -> None:
    origins = trio.split_.test_origins()
    raw = trio.predict_origins(msft, origins, 1, raw=True)
    again = Forecaster(CFG.model_copy(update={"ensemble": 3})).fit(msft, progress=False)
    np.testing.assert_array_equal(again.predict_origins(msft, origins, 1, raw=True), raw)
    other = Forecaster(CFG.model_copy(update={"ensemble": 3, "seed": 5})).fit(msft, progress=False)
    assert not np.allclose(other.predict_origins(msft, origins, 1, raw=True), raw)


def test_an_ensemble_reloads_bit_identical(trio: Forecaster, tmp_path: Path) -> None:
    trio.save(tmp_path / "m")
    loaded = Forecaster.load(tmp_path / "m")
    assert loaded.weights_.keys() == trio.weights_.keys()
    assert loaded.predict(days=5).equals(trio.predict(days=5))
    assert loaded.train_result_.members == trio.train_result_.members
