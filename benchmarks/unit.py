"""One unit of CPU work, so that a timing can be stated in units any machine can check.

A unit is this process's CPU seconds for 10 epochs of a 1×32 ``nn.LSTM`` (and a linear head)
over 2,500 random windows of 20 steps, batch 256, plain SGD, one thread: the project's
default network and window cap (issue 22). The median of 3 after one untimed warm-up.
The same workload as ``../shared/tools/lstm_unit.py``, kept here so that benchmarks do not
depend on anything outside the repository.

    python benchmarks/unit.py            # prints the unit in seconds, e.g. 0.4300
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch is imported, when run alone

import torch

WINDOWS, STEPS, BATCH, EPOCHS, HIDDEN = 2500, 20, 256, 10, 32


def _once(x: torch.Tensor, y: torch.Tensor) -> float:
    """CPU seconds of one run of the workload on a fresh network."""
    net, head = torch.nn.LSTM(1, HIDDEN, batch_first=True), torch.nn.Linear(HIDDEN, 1)
    opt = torch.optim.SGD([*net.parameters(), *head.parameters()], lr=1e-3)
    started = time.process_time()
    for _ in range(EPOCHS):
        for i in range(0, WINDOWS, BATCH):
            out, _ = net(x[i : i + BATCH])
            loss = ((head(out[:, -1]) - y[i : i + BATCH]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return time.process_time() - started


def unit_seconds(repeats: int = 3) -> float:
    """The unit: median CPU seconds of ``repeats`` runs, one torch thread, after a warm-up."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        x, y = torch.randn(WINDOWS, STEPS, 1), torch.randn(WINDOWS, 1)
        _once(x, y)
        return statistics.median(_once(x, y) for _ in range(repeats))
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    print(f"{unit_seconds():.4f}")
