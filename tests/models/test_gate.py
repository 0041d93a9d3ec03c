"""The validation gate: shut on noise, open with α near 1 on a learnable signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stockpred.artifacts import from_json
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.models.gate import Gate, fit_gate, shrinkage

N = 400


def _moves(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Previous prices and the actual next-day moves of a random walk."""
    rng = np.random.default_rng(seed)
    prev = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, N)))
    return prev, prev * rng.normal(0, 0.01, N)


@pytest.mark.parametrize("loss", ["absolute", "squared"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noise_forecasts_shut_the_gate_and_keep_nothing(loss: str, seed: int) -> None:
    prev, move = _moves(seed)
    noise = prev * np.random.default_rng(seed + 100).normal(0, 0.01, N)
    gate = fit_gate(prev + noise, prev, prev + move, loss)  # type: ignore[arg-type]
    assert not gate.open
    assert gate.alpha == 0.0
    assert gate.p_value > 0.05
    np.testing.assert_array_equal(gate.apply(prev + noise, prev), prev)
    # the loss-optimal weight on noise is near zero even without the gate
    assert shrinkage(prev + noise, prev, prev + move, loss) < 0.15  # type: ignore[arg-type]


@pytest.mark.parametrize("loss", ["absolute", "squared"])
def test_a_learnable_signal_opens_the_gate_with_alpha_near_one(loss: str) -> None:
    prev, move = _moves(3)
    rng = np.random.default_rng(4)
    signal = prev + move + prev * rng.normal(0, 0.003, N)  # knows most of the move
    gate = fit_gate(signal, prev, prev + move, loss)  # type: ignore[arg-type]
    assert gate.open
    assert gate.p_value < 0.05
    assert 0.85 < gate.alpha <= 1.0


def test_two_thirds_are_kept_when_the_network_overshoots_every_move_by_half() -> None:
    prev, move = _moves(5)
    for loss in ("squared", "absolute"):
        gate = fit_gate(prev + 1.5 * move, prev, prev + move, loss)  # type: ignore[arg-type]
        assert gate.alpha == pytest.approx(2.0 / 3.0)
        assert "kept: 67%" in gate.sentence()


def test_a_network_worse_than_naive_is_refused_in_words() -> None:
    prev, move = _moves(6)
    gate = fit_gate(prev - move, prev, prev + move, "absolute")
    assert not gate.open
    assert gate.sentence().startswith(
        "the network did not beat tomorrow = today on the validation span (p = "
    )
    assert gate.sentence().endswith("forecasting the last price")


def test_gate_round_trips_through_json() -> None:
    gate = Gate(True, 0.0123, 0.6, "absolute", 321)
    assert from_json(Gate, gate.to_dict()) == gate


def _synthetic(returns: np.ndarray) -> PriceHistory:
    dates = pd.bdate_range("2015-01-01", periods=len(returns), name="date")
    p = 50.0 * np.exp(np.cumsum(returns))
    columns = dict.fromkeys(("open", "high", "low", "close", "adj_close"), p)
    frame = pd.DataFrame(columns | {"volume": 1e6}, index=dates)
    return PriceHistory(frame, "SYN", "test", "adj_close", "XNYS", None)


SMALL = ForecastConfig(window=5, hidden=8, epochs=15, batch_size=64, patience=3, device="cpu")


def test_the_network_keeps_its_signal_on_a_learnable_series_and_none_on_a_random_walk() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 0.01, 900)
    reverting = noise.copy()
    for t in range(1, len(reverting)):  # each return undoes 60 % of the last one: learnable
        reverting[t] = -0.6 * reverting[t - 1] + noise[t]
    learnt = Forecaster(SMALL, progress=False).fit(_synthetic(reverting))
    assert learnt.gate_.open
    assert learnt.gate_.alpha > 0.8
    walk = Forecaster(SMALL, progress=False).fit(_synthetic(rng.normal(0.0, 0.01, 900)))
    assert not walk.gate_.open
    assert walk.gate_.alpha == 0.0
    origins = np.arange(700, 720)
    np.testing.assert_array_equal(
        walk.predict_origins(_synthetic(noise), origins, 1)[:, 0],
        _synthetic(noise).prices[origins],
    )
