from __future__ import annotations

import numpy as np
import pytest
import torch

from stockpred.config import ForecastConfig
from stockpred.network.lstm import LSTMNet
from stockpred.network.numpy_lstm import lstm_forward


@pytest.mark.parametrize(
    "shape",
    [
        {"layers": 1, "hidden": 32, "bidirectional": False},
        {"layers": 2, "hidden": 16, "bidirectional": False},
        {"layers": 2, "hidden": 8, "bidirectional": True, "horizon": 3, "features": ("volume",)},
    ],
)
def test_numpy_forward_matches_torch(shape: dict[str, object]) -> None:
    cfg = ForecastConfig(window=15, **shape)  # type: ignore[arg-type]
    torch.manual_seed(0)
    net = LSTMNet(cfg).eval()
    x = np.random.default_rng(0).normal(size=(64, 15, cfg.n_features)).astype(np.float32)
    with torch.inference_mode():
        expected = net(torch.from_numpy(x)).numpy()
    weights = {k: v.numpy() for k, v in net.state_dict().items()}
    got = lstm_forward(weights, cfg, x)
    assert got.shape == (64, cfg.horizon)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
