from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory
from stockpred.evaluation.forecaster import Forecaster
from stockpred.exceptions import ConfigError
from stockpred.network.lstm import LSTMNet
from stockpred.training import loop
from stockpred.training.loop import (
    Adam,
    cpu_threads,
    cuda_settings,
    resolve_device,
    train_network,
    train_steps,
)
from stockpred.training.result import TrainResult

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


def test_bf16_is_refused_in_one_line_where_the_cpu_cannot_run_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(loop, "cpu_runs_bf16_lstm", lambda: False)
    for device in ("auto", "cpu"):
        with pytest.raises(ConfigError, match="bf16 needs a CUDA GPU or a CPU with bfloat16"):
            resolve_device(device, "bf16")
    assert resolve_device("cpu", "32").type == "cpu"
    monkeypatch.setattr(loop, "cpu_runs_bf16_lstm", lambda: True)
    assert resolve_device("auto", "bf16").type == "cpu"


def test_bf16_trains_on_cuda_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(loop, "cpu_runs_bf16_lstm", lambda: False)  # the GPU does not need it
    assert resolve_device("auto", "bf16").type == "cuda"
    assert resolve_device("cuda", "bf16").type == "cuda"


def test_bf16_on_this_cpu_trains_or_is_refused() -> None:
    """Where the probe says the CPU runs bf16, a fit does; where it says not, a fit would fail."""
    cfg = ForecastConfig(**{**TINY, "precision": "bf16"})
    if not loop.cpu_runs_bf16_lstm():
        with pytest.raises(RuntimeError):  # what resolve_device spares the user
            _fit(cfg, "cpu")
        return
    result, _ = _fit(cfg, "cpu")
    assert all(np.isfinite(e.val_loss) for e in result.history)


def test_precision_accepts_32_as_toml_writes_it_and_bf16_only() -> None:
    from pydantic import ValidationError

    assert ForecastConfig(precision=32).precision == "32"  # type: ignore[arg-type]
    assert ForecastConfig(precision="bf16").precision == "bf16"
    assert ForecastConfig().precision == "32"
    for bad in ("16", "fp8", True):
        with pytest.raises(ValidationError):
            ForecastConfig(precision=bad)  # type: ignore[arg-type]


def test_cudnn_settings_hold_for_a_cuda_fit_only_and_are_restored() -> None:
    cudnn = torch.backends.cudnn

    def flags() -> tuple[bool, bool, bool, bool]:
        return (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32)

    before = flags()
    with cuda_settings(torch.device("cuda")):
        assert flags() == (True, False, True, False)
    assert flags() == before
    with cuda_settings(torch.device("cpu")):
        assert flags() == before


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

    torch.manual_seed(0)
    ours = torch.nn.LSTM(1, 8, 2, batch_first=True)
    theirs = copy.deepcopy(ours)
    opt_ours = Adam(ours.parameters(), lr=1e-2)
    opt_theirs = torch.optim.Adam(theirs.parameters(), lr=1e-2)
    x = torch.randn(16, 10, 1)
    with cpu_threads(1):  # one thread, as training runs: two on a busy core crawl
        for _ in range(20):
            for net, opt in ((ours, opt_ours), (theirs, opt_theirs)):
                opt.zero_grad()
                out, _ = net(x)
                (out**2).mean().backward()
                opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


def test_training_restores_the_callers_thread_count() -> None:
    original = torch.get_num_threads()
    before = 3  # not 1, whatever the environment gives (make test runs with one thread)
    torch.set_num_threads(before)
    try:
        with cpu_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == before
        _train_tiny(ForecastConfig(**{**TINY, "threads": 1}))
        assert torch.get_num_threads() == before
    finally:
        torch.set_num_threads(original)


def test_on_epoch_sees_every_epoch() -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 3, "patience": 10})
    seen: list[int] = []
    _train_tiny(cfg, on_epoch=lambda log, net: seen.append(log.epoch))
    assert seen == [1, 2, 3]


def _train_tiny(cfg: ForecastConfig, **options: Any) -> None:
    """Train a fresh net on 64 random training and 16 validation windows, on the CPU."""
    data = (*_data(64, True), *_data(16, True))
    train_network(LSTMNet(cfg), data, cfg, device=torch.device("cpu"), progress=False, **options)


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_each_training_loss_learns_and_is_the_one_reported(loss: str) -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 15, "patience": 15, "learning_rate": 1e-2})
    x_val, y_val = _data(128, True)
    nets = {}
    for name in ("mse", loss):
        torch.manual_seed(0)
        nets[name] = LSTMNet(cfg)
        result = train_network(
            nets[name],
            (*_data(512, True), x_val, y_val),
            cfg.model_copy(update={"train_loss": name}),
            device=torch.device("cpu"),
            progress=False,
        )
        losses = [e.val_loss for e in result.history]
        assert result.best_val_loss < 0.5 * losses[0]
    pred = nets[loss](torch.from_numpy(x_val)).detach()
    reported = float(torch.nn.functional.l1_loss(pred, torch.from_numpy(y_val)))
    if loss == "mae":
        assert result.best_val_loss == pytest.approx(reported, rel=1e-5)
    assert not torch.equal(nets["mse"].head[1].weight, nets[loss].head[1].weight)


# ------------------------------------------------------------------ on a CUDA GPU only
def _fit(cfg: ForecastConfig, device: str, n: int = 512) -> tuple[TrainResult, LSTMNet]:
    """A fresh seeded network trained on the learnable toy data on ``device``."""
    torch.manual_seed(cfg.seed)
    net = LSTMNet(cfg)
    data = (*_data(n, True), *_data(n // 4, True))
    return train_network(net, data, cfg, device=torch.device(device), progress=False), net


@pytest.mark.cuda
def test_cuda_fit_agrees_with_the_cpu_fit_and_returns_the_network_on_the_cpu() -> None:
    # No dropout: CUDA and CPU draw dropout masks from different generators.
    cfg = ForecastConfig(**{**TINY, "epochs": 5, "patience": 5, "dropout": 0.0, "device": "cuda"})
    on_gpu, net = _fit(cfg, "cuda")
    on_cpu, net_cpu = _fit(cfg, "cpu")
    assert {p.device.type for p in net.parameters()} == {"cpu"}
    np.testing.assert_allclose(
        [e.val_loss for e in on_gpu.history], [e.val_loss for e in on_cpu.history], rtol=1e-3
    )
    for a, b in zip(net.parameters(), net_cpu.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)


@pytest.mark.cuda
def test_cuda_same_seed_same_weights() -> None:
    cfg = ForecastConfig(**{**TINY, "epochs": 3, "device": "cuda"})
    _, first = _fit(cfg, "cuda")
    _, second = _fit(cfg, "cuda")
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)


def _sync_debug_mode(mode: str) -> None:
    """torch's sync-debug switch, without its "prototype feature" warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Synchronization debug mode is a prototype")
        torch.cuda.set_sync_debug_mode(mode)


@pytest.mark.cuda
@pytest.mark.parametrize("precision", ["32", "bf16"])
def test_cuda_training_steps_never_wait_for_the_gpu(precision: str) -> None:
    cfg = ForecastConfig(**{**TINY, "device": "cuda", "precision": precision})
    device = torch.device("cuda")
    x, y = (torch.from_numpy(a).to(device) for a in _data(1024, True))
    net = LSTMNet(cfg).to(device)
    optimiser = Adam(net.parameters(), lr=cfg.learning_rate)
    order = torch.randperm(1024, device=device)
    with cuda_settings(device):
        # One step first: cuDNN's one-off set-up may wait, a step must not.
        train_steps(net, optimiser, x[:64], y[:64], torch.arange(64, device=device), cfg)
        torch.cuda.synchronize()
        try:
            _sync_debug_mode("error")  # any host sync now raises
            total = train_steps(net, optimiser, x, y, order, cfg)
        finally:
            _sync_debug_mode("default")
    assert total.device.type == "cuda"
    assert 0.0 < float(total) < float("inf")


@pytest.mark.cuda
def test_cuda_bf16_learns_as_well_as_float32() -> None:
    cfg = ForecastConfig(
        **{**TINY, "epochs": 15, "patience": 15, "learning_rate": 1e-2, "device": "cuda"}
    )
    full, _ = _fit(cfg, "cuda")
    half, _ = _fit(cfg.model_copy(update={"precision": "bf16"}), "cuda")
    assert half.best_val_loss < 0.5 * half.history[0].val_loss  # it learned
    assert half.best_val_loss < 1.5 * full.best_val_loss


@pytest.mark.cuda
def test_cuda_forecaster_saves_a_model_that_loads_and_predicts_the_same(
    msft: PriceHistory, tmp_path: Path
) -> None:
    fc = Forecaster(ForecastConfig(**{**TINY, "device": "cuda"})).fit(msft, progress=False)
    fc.save(tmp_path / "model")
    again = Forecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(fc.predict(msft, days=5), again.predict(msft, days=5))
