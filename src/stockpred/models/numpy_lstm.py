"""The trained LSTMNet's forward pass in numpy, so prediction never has to import torch.

Importing torch costs 2-3 s on a laptop CPU, far more than a 30-session forecast; with this
module, ``stockpred predict`` loads safetensors weights as numpy arrays and runs in well
under a second. It follows ``nn.LSTM``'s equations and weight layout exactly (gates in the
order input, forget, cell, output); a test checks it against torch to float32 precision.
"""

from __future__ import annotations

import numpy as np

from stockpred.config import ForecastConfig

Weights = dict[str, np.ndarray]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free form of 1 / (1 + exp(-x))


def _direction(
    x: np.ndarray, weights: Weights, suffix: str, reverse: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One layer, one direction: every step's hidden state ``[n, T, H]`` and the final one."""
    w_ih, w_hh = weights[f"lstm.weight_ih_{suffix}"], weights[f"lstm.weight_hh_{suffix}"]
    bias = weights[f"lstm.bias_ih_{suffix}"] + weights[f"lstm.bias_hh_{suffix}"]
    n, steps, _ = x.shape
    hidden = w_hh.shape[1]
    projected = x @ w_ih.T + bias  # all steps' input projections in one matmul
    h = np.zeros((n, hidden), dtype=np.float32)
    c = np.zeros((n, hidden), dtype=np.float32)
    outputs = np.empty((n, steps, hidden), dtype=np.float32)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    for t in order:
        gates = projected[:, t] + h @ w_hh.T
        i, f, g, o = np.split(gates, 4, axis=1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        outputs[:, t] = h
    return outputs, h


def lstm_forward(weights: Weights, cfg: ForecastConfig, x: np.ndarray) -> np.ndarray:
    """Outputs ``[n, horizon]`` of LSTMNet in eval mode for windows ``x`` ``[n, window, F]``."""
    layer_input = np.asarray(x, dtype=np.float32)
    finals: list[np.ndarray] = []
    for layer in range(cfg.layers):
        runs = [_direction(layer_input, weights, f"l{layer}", reverse=False)]
        if cfg.bidirectional:
            runs.append(_direction(layer_input, weights, f"l{layer}_reverse", reverse=True))
        layer_input = np.concatenate([out for out, _ in runs], axis=2)
        finals = [final for _, final in runs]
    last = np.concatenate(finals, axis=1)
    return last @ weights["head.1.weight"].T + weights["head.1.bias"]
