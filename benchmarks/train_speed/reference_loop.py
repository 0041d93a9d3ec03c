"""The plain PyTorch reference the peers are measured against, with no stockpred code.

What a typical tutorial or peer library does: a 2-layer ``nn.LSTM`` (hidden 64, dropout 0.2)
over the last 60 prices, min-max scaling of the price level fitted on the training span,
target = next price (min-max scaled), batch 64, Adam 1e-3, MSE, a plain per-batch loop.

To keep the comparison about the *method and defaults*, not about input plumbing, batches are
index slices of one contiguous float32 tensor (no DataLoader, no per-sample Python) — the same
data path stockpred uses. The reference is therefore a strong one: a DataLoader over a
TensorDataset is slower still.

The benchmark gives it the same price series and the same origins (sample indices) as
stockpred: an origin ``t`` is the last known session, the target is the price at ``t + 1``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn


class ReferenceLSTM(nn.Module):
    """``nn.LSTM`` → last hidden state of the top layer → dropout → ``nn.Linear``."""

    def __init__(self, hidden: int = 64, layers: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, layers, batch_first=True, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(x)
        return self.head(self.drop(h_n[-1]))


@dataclass
class MinMax:
    """Min-max scaling of the price level, fitted on the training span only."""

    lo: float
    hi: float

    def scale(self, v: np.ndarray) -> np.ndarray:
        return (v - self.lo) / (self.hi - self.lo)

    def unscale(self, v: np.ndarray) -> np.ndarray:
        return v * (self.hi - self.lo) + self.lo


def make_windows(
    prices: np.ndarray, origins: np.ndarray, window: int, scaler: MinMax
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs ``[n, window, 1]`` (prices ``t-window+1 .. t``) and targets ``[n, 1]`` (price ``t+1``)."""
    scaled = scaler.scale(prices).astype(np.float32)
    idx = origins[:, None] + np.arange(-window + 1, 1)[None, :]
    x = torch.from_numpy(np.ascontiguousarray(scaled[idx][:, :, None]))
    y = torch.from_numpy(np.ascontiguousarray(scaled[origins + 1][:, None]))
    return x, y


@dataclass
class EpochRecord:
    epoch: int
    seconds: float  # training pass + validation pass
    val_loss: float  # MSE on min-max scaled prices
    val_mae: float  # MAE in price units


@dataclass
class Reference:
    """A fitted-or-fitting reference model with everything the benchmark reads."""

    net: ReferenceLSTM
    scaler: MinMax
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    history: list[EpochRecord] = field(default_factory=list)
    best_state: dict[str, torch.Tensor] | None = None

    def __post_init__(self) -> None:
        self.optimiser = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        self.generator = torch.Generator().manual_seed(self.seed)

    @classmethod
    def build(
        cls,
        prices: np.ndarray,
        train_end: int,
        train_origins: np.ndarray,
        val_origins: np.ndarray,
        *,
        window: int = 60,
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.2,
        batch_size: int = 64,
        lr: float = 1e-3,
        seed: int = 0,
    ) -> Reference:
        scaler = MinMax(float(prices[:train_end].min()), float(prices[:train_end].max()))
        torch.manual_seed(seed)
        net = ReferenceLSTM(hidden, layers, dropout)
        x_tr, y_tr = make_windows(prices, train_origins, window, scaler)
        x_va, y_va = make_windows(prices, val_origins, window, scaler)
        return cls(net, scaler, x_tr, y_tr, x_va, y_va, batch_size, lr, seed)

    def train_epoch(self) -> float:
        """One shuffled pass, one optimiser step per batch; returns the mean training loss."""
        self.net.train()
        order = torch.randperm(len(self.x_train), generator=self.generator)
        total = 0.0
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            self.optimiser.zero_grad()
            loss = nn.functional.mse_loss(self.net(self.x_train[idx]), self.y_train[idx])
            loss.backward()
            self.optimiser.step()
            total += loss.item() * len(idx)
        return total / len(order)

    def predict_scaled(self, x: torch.Tensor) -> torch.Tensor:
        self.net.eval()
        with torch.no_grad():
            return self.net(x)

    def fit(self, epochs: int, on_epoch: Callable[[EpochRecord], None] | None = None) -> None:
        """``epochs`` passes; validation each epoch; the best-validation weights are kept."""
        best = float("inf")
        for epoch in range(1, epochs + 1):
            tick = time.perf_counter()
            self.train_epoch()
            pred = self.predict_scaled(self.x_val)
            val_loss = float(nn.functional.mse_loss(pred, self.y_val))
            seconds = time.perf_counter() - tick
            mae = float(
                np.mean(
                    np.abs(
                        self.scaler.unscale(pred.numpy().astype(np.float64))
                        - self.scaler.unscale(self.y_val.numpy().astype(np.float64))
                    )
                )
            )
            record = EpochRecord(epoch, seconds, val_loss, mae)
            self.history.append(record)
            if val_loss < best:
                best = val_loss
                self.best_state = {k: v.clone() for k, v in self.net.state_dict().items()}
            if on_epoch is not None:
                on_epoch(record)
        if self.best_state is not None:
            self.net.load_state_dict(self.best_state)

    def predict_prices(self, prices: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
        """One-step price forecasts made at each origin."""
        x, _ = make_windows(prices, origins, window, self.scaler)
        return self.scaler.unscale(self.predict_scaled(x).numpy()[:, 0].astype(np.float64))
