"""The LSTM network: stacked ``nn.LSTM`` over the input window, dropout, a dense head."""

from __future__ import annotations

import torch
from torch import nn

from stockpred.config import ForecastConfig


class LSTMNet(nn.Module):
    """Maps windows ``[batch, window, features]`` to ``[batch, horizon]`` scaled targets."""

    def __init__(self, cfg: ForecastConfig, extra_inputs: int = 0) -> None:
        """``extra_inputs``: more input columns per step than the config's features (the
        global model's ticker embedding)."""
        super().__init__()
        self.lstm = nn.LSTM(
            input_size=cfg.n_features + extra_inputs,
            hidden_size=cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
            bidirectional=cfg.bidirectional,
        )
        directions = 2 if cfg.bidirectional else 1
        self.head = nn.Sequential(
            nn.Dropout(cfg.dropout), nn.Linear(cfg.hidden * directions, cfg.horizon)
        )
        self.directions = directions

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Final hidden state of the top layer (both directions if bidirectional) → head."""
        _, (h_n, _) = self.lstm(x)
        last = torch.cat(list(h_n[-self.directions :]), dim=1)
        return self.head(last)
