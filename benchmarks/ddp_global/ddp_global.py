"""Can data-parallel training (DDP) pay for the global model on this machine?

Usage: python benchmarks/ddp_global/ddp_global.py [--tickers 20] [--epochs 3] [--workers 2]

The global model's training set is every ticker's training windows pooled. This times the
same epochs of the default LSTM on those pooled windows in one process (one thread, as the
fit loop runs) and in ``--workers`` DDP processes over gloo (each one thread, each a shard
of every batch, gradients averaged after every step: what Ray Train's TorchTrainer runs on
CPU workers), alternated, and prints seconds per epoch, the ratio and the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from stockpred.config import ForecastConfig
from stockpred.data.loading import load_prices
from stockpred.features import Dataset
from stockpred.network.lstm import LSTMNet
from stockpred.splits import chronological_split
from stockpred.training.loop import Adam

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"


def pooled(n: int, cfg: ForecastConfig, start: str) -> tuple[np.ndarray, np.ndarray]:
    """Every ticker's scaled training windows, concatenated (as the global model pools them)."""
    xs, ys = [], []
    for path in sorted(SHARED.glob("*.csv.gz"))[:n]:
        history = load_prices(path.name.split(".")[0], csv=path, start=start)
        data = Dataset.build(history, cfg, chronological_split(history.dates, cfg))
        xs.append(data.x_train)
        ys.append(data.y_train)
    return np.concatenate(xs), np.concatenate(ys)


def epochs(
    rank: int, world: int, x: np.ndarray, y: np.ndarray, cfg: ForecastConfig, n: int
) -> list[float]:
    """Seconds of each of ``n`` epochs on this rank's shard of every batch."""
    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    net: nn.Module = LSTMNet(cfg)
    if world > 1:
        net = DistributedDataParallel(net)
    optimiser = Adam(net.parameters(), lr=cfg.learning_rate)
    loss_fn = nn.MSELoss()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(cfg.seed)
    times = []
    for _ in range(n):
        tick = time.perf_counter()
        order = torch.randperm(len(tx), generator=generator)
        for start in range(0, len(tx), cfg.batch_size):
            idx = order[start : start + cfg.batch_size][rank::world]
            optimiser.zero_grad()
            loss = loss_fn(net(tx[idx]), ty[idx])
            loss.backward()  # DDP averages the gradients across ranks here
            nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
            optimiser.step()
        times.append(time.perf_counter() - tick)
    return times


def _rank(
    rank: int, world: int, x: np.ndarray, y: np.ndarray, cfg: ForecastConfig, n: int, out: dict
) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="29517")
    dist.init_process_group("gloo", rank=rank, world_size=world)
    times = epochs(rank, world, x, y, cfg, n)
    if rank == 0:
        out["times"] = times
    dist.destroy_process_group()


def ddp(world: int, x: np.ndarray, y: np.ndarray, cfg: ForecastConfig, n: int) -> list[float]:
    """Epoch times of rank 0 in a ``world``-process DDP run."""
    with mp.Manager() as manager:
        out = manager.dict()
        mp.spawn(_rank, args=(world, x, y, cfg, n, out), nprocs=world, join=True)
        return list(out["times"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--start", default="2008-01-01")
    args = parser.parse_args()
    cfg = ForecastConfig(device="cpu")
    x, y = pooled(args.tickers, cfg, args.start)
    print(
        f"{len(x)} pooled training windows from {args.tickers} tickers; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    one, many = [], []
    for _ in range(args.rounds):  # alternated: the load moves, the comparison should not
        one += epochs(0, 1, x, y, cfg, args.epochs)
        many += ddp(args.workers, x, y, cfg, args.epochs)
    a, b = statistics.median(one), statistics.median(many)
    print(
        f"s/epoch: 1 process {a:.2f}, DDP x{args.workers} {b:.2f} -> speed-up {a / b:.2f} "
        f"(medians of {len(one)} epochs; load {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
