"""Fitting the quantile head (models/quantile.py) with the pinball loss, seeded, on the CPU.

A few thousand rows of ``window`` inputs: full-batch Adam on one thread takes a fraction
of a second, so the head adds little to a ticker's fit (benchmarks/accuracy/accuracy.py measures it).
"""

from __future__ import annotations

import numpy as np

HIDDEN = 16
MAX_EPOCHS = 300
PATIENCE = 30
LEARNING_RATE = 1e-2
WEIGHT_DECAY = 1e-3  # an L2 penalty, as torch's Adam(weight_decay=...) applies it
# The end of the training rows that only decides when to stop; never fitted on.
STOPPING_SHARE = 0.2


def train_quantile_head(
    x: np.ndarray, z: np.ndarray, tails: tuple[float, float], *, seed: int, threads: int = 1
) -> dict[str, np.ndarray]:
    """Weights of Linear(window, 16) → ReLU → Linear(16, 2) fitted to the ``tails`` quantiles of ``z``.

    Outputs are log-sizes: the quantiles are ``-exp(a0)`` and ``exp(a1)``, so the band
    always holds zero and never crosses. Rows are in time order: the last fifth stops the
    fit (patience 30 epochs) and the best epoch's weights are kept.
    """
    import torch
    from torch import nn

    from stockpred.training.loop import Adam, cpu_threads

    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(x.shape[1], HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 2))
    taus = torch.tensor(tails, dtype=torch.float32)
    cut = min(max(1, round(len(x) * (1.0 - STOPPING_SHARE))), len(x) - 1)
    inputs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    targets = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))

    def pinball(rows: slice) -> torch.Tensor:
        sizes = torch.exp(torch.clamp(net(inputs[rows]), -20.0, 20.0))
        quantiles = torch.stack([-sizes[:, 0], sizes[:, 1]], dim=1)
        diff = targets[rows, None] - quantiles
        return torch.mean(torch.maximum(taus * diff, (taus - 1.0) * diff))

    optimiser = Adam(net.parameters(), lr=LEARNING_RATE)
    best, stale = float("inf"), 0
    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    with cpu_threads(threads):
        for _ in range(MAX_EPOCHS):
            optimiser.zero_grad()
            penalty = sum(torch.sum(p**2) for p in net.parameters())
            loss = pinball(slice(0, cut)) + 0.5 * WEIGHT_DECAY * penalty
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                stop_loss = float(pinball(slice(cut, None)))
            if stop_loss < best:
                best, stale = stop_loss, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
                if stale >= PATIENCE:
                    break
    return {k: v.numpy().copy() for k, v in best_state.items()}
