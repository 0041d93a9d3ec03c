"""The global model's network: LSTMNet with a learned ticker embedding in front (torch)."""

from __future__ import annotations

import torch
from torch import nn

from stockpred.config import ForecastConfig
from stockpred.network.lstm import LSTMNet


class EmbeddedLSTM(nn.Module):
    """The last input column is a ticker id; it becomes ``embed`` learned inputs at each step."""

    def __init__(self, cfg: ForecastConfig, n_tickers: int, embed: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_tickers, embed)
        self.net = LSTMNet(cfg, extra_inputs=embed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Replace the id column by the ticker's embedding, repeated over the window."""
        ids = x[:, 0, -1].long()
        tiled = self.embedding(ids)[:, None, :].expand(-1, x.shape[1], -1)
        return self.net(torch.cat([x[..., :-1], tiled], dim=2))


def global_network(cfg: ForecastConfig, n_tickers: int, embed: int) -> nn.Module:
    """LSTMNet, with the ticker embedding when ``embed`` > 0."""
    return EmbeddedLSTM(cfg, n_tickers, embed) if embed else LSTMNet(cfg)
