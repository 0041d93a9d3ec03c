from __future__ import annotations

import numpy as np
import pytest
import torch

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError
from stockpred.models.lstm import LSTMNet
from stockpred.training.loop import resolve_device, train_network

from ..conftest import TINY


def test_device_auto_and_cpu_resolve_on_a_cpu_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu"
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_device_auto_prefers_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"
    assert resolve_device("cuda").type == "cuda"


def _data(n: int, signal: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 10, 1)).astype(np.float32)
    y = (x[:, -1, :] * (1.0 if signal else 0.0) + 0.1 * rng.normal(size=(n, 1))).astype(np.float32)
    return x, y


def test_training_learns_a_learnable_signal_and_keeps_the_best_epoch() -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 15, "patience": 15, "learning_rate": 1e-2})
    net = LSTMNet(cfg)
    result = train_network(
        net, (*_data(512, True), *_data(128, True)), cfg, device=torch.device("cpu"), progress=False
    )
    losses = [e.val_loss for e in result.history]
    assert result.best_val_loss == min(losses)
    assert result.best_val_loss < 0.5 * losses[0]  # it learned, so the test can fail if it breaks


def test_early_stopping_stops_on_noise() -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 200, "patience": 2})
    result = train_network(
        LSTMNet(cfg),
        (*_data(256, False), *_data(64, False)),
        cfg,
        device=torch.device("cpu"),
        progress=False,
    )
    assert result.stopped_early
    assert len(result.history) < 200
    assert len(result.history) == result.best_epoch + cfg.patience


def test_adam_matches_torch_optim_adam() -> None:
    import copy

    from stockpred.training.loop import Adam

    torch.manual_seed(0)
    ours = torch.nn.LSTM(1, 8, 2, batch_first=True)
    theirs = copy.deepcopy(ours)
    opt_ours = Adam(ours.parameters(), lr=1e-2)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    x = torch.randn(16, 10, 1)
    for _ in range(20):
        for net, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            out, _ = net(x)
            (out**2).mean().backward()
            opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_training_restores_the_callers_thread_count() -> None:
    from stockpred.training.loop import cpu_threads

    before = torch.get_num_threads()
    with cpu_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    cfg = ForecastConfig(**{**TINY, "threads": 1})
    train_network(
        LSTMNet(cfg),
        (*_data(64, True), *_data(16, True)),
        cfg,
        device=torch.device("cpu"),
        progress=False,
    )
    assert torch.get_num_threads() == before


def test_on_epoch_sees_every_epoch() -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 3, "patience": 10})
    seen: list[int] = []
    train_network(
        LSTMNet(cfg),
        (*_data(64, True), *_data(16, True)),
        cfg,
        device=torch.device("cpu"),
        progress=False,
        on_epoch=lambda log, net: seen.append(log.epoch),
    )
    assert seen == [1, 2, 3]
