"""The fit loop: Adam, early stopping on validation loss, best weights restored, seeded.

Windows arrive as contiguous float32 arrays and are moved to the device once; batches are
index slices of those tensors, so an epoch runs no per-sample Python and no DataLoader.
On CUDA nothing in a training step waits for the GPU: the batch indices live on the device,
the loss is summed there and read once per epoch with the validation loss (the one host
sync an epoch needs, for early stopping). The network goes back to the CPU at the end.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import numpy as np
import torch
from torch import nn

from stockpred.config import ForecastConfig
from stockpred.exceptions import ConfigError
from stockpred.features import Dataset
from stockpred.network.lstm import LSTMNet
from stockpred.network.numpy_lstm import Weights, member_prefix
from stockpred.training.result import EpochLog, TrainResult

VAL_CHUNK = 16_384  # validation in a few large passes; bounded memory for long histories
# Training losses on standardised targets; Huber's threshold is one standard deviation.
TRAIN_LOSSES: dict[str, type[nn.Module]] = {
    "mse": nn.MSELoss,
    "mae": nn.L1Loss,
    "huber": nn.HuberLoss,
}


def resolve_device(name: str, precision: str = "32") -> torch.device:
    """``auto`` picks CUDA when present; CUDA without one, or bf16 where it cannot run, is an error.

    bf16 on the CPU runs under CPU autocast where the processor has bfloat16 units: on the
    Xeon host of an H200 machine it trained 1.2-3.4× faster than float32 at one thread, same
    validation loss (benchmarks/gpu/README.md). Elsewhere (this project's AVX2
    machines) oneDNN has no bf16 LSTM and torch fails on the first batch with "could not
    create a primitive descriptor", so it is refused here in one line instead.
    """
    if name == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    elif name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "device 'cuda' was asked for but no CUDA GPU is available; use 'cpu' or 'auto'"
        )
    elif name not in {"cpu", "cuda"}:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu or cuda")
    else:
        device = torch.device(name)
    if precision == "bf16" and device.type == "cpu" and not cpu_runs_bf16_lstm():
        raise ConfigError(
            "precision=bf16 needs a CUDA GPU or a CPU with bfloat16 units, and this CPU "
            "has none; use precision=32"
        )
    return device


@functools.cache
def cpu_runs_bf16_lstm() -> bool:
    """Whether this CPU trains an LSTM under bf16 autocast (one tiny step, tried once)."""
    lstm = nn.LSTM(1, 4, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out, _ = lstm(torch.zeros(2, 3, 1))
        out.float().sum().backward()
    except RuntimeError:
        return False
    return True


@contextmanager
def cuda_settings(device: torch.device) -> Iterator[None]:
    """cuDNN settings for one fit on CUDA, restored afterwards; nothing changes on the CPU.

    * ``benchmark=False``: it autotunes convolution algorithms, of which this network has
      none; it would only add tuning time to the first batches of each new shape.
    * ``deterministic=True``: states the contract, same seed and same weights on the same
      GPU as on the CPU (a CUDA test checks it); it constrains convolution algorithms only,
      so the LSTM pays nothing for it.
    * ``allow_tf32=False``: ``--precision 32`` means IEEE float32 in cuDNN's LSTM too, so
      CUDA and CPU fits agree (a CUDA test checks it); lower precision is asked for
      explicitly with ``--precision bf16``. cuBLAS float32 matmuls (the head) are IEEE by
      torch's own default.
    """
    if device.type != "cuda":
        yield
        return
    with torch.backends.cudnn.flags(
        enabled=True, benchmark=False, deterministic=True, allow_tf32=False
    ):
        yield


def autocast(device: torch.device, precision: str) -> AbstractContextManager[Any]:
    """bfloat16 autocast for a forward pass when ``precision`` is bf16; else nothing."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return nullcontext()


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch's global RNG (weight init, dropout) and return a generator for shuffling."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@contextmanager
def cpu_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` intra-op CPU threads, then restore; ``n <= 0`` changes nothing."""
    before = torch.get_num_threads()
    if n <= 0 or n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def one_thread() -> None:
    """This worker process computes on one core: one torch thread, one BLAS thread."""
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)


def predict_batched(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Network outputs for every row of ``x``, in eval mode, in a few large passes."""
    net.eval()
    with torch.inference_mode():
        return torch.cat([net(x[i : i + VAL_CHUNK]) for i in range(0, len(x), VAL_CHUNK)])


def train_network(
    net: nn.Module,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    cfg: ForecastConfig,
    *,
    device: torch.device,
    progress: bool = True,
    on_epoch: Callable[[EpochLog, nn.Module], None] | None = None,
) -> TrainResult:
    """Fit ``net`` on (x_train, y_train) with early stopping on (x_val, y_val); best weights kept.

    The network is returned on the CPU (ready to save) whatever ``device`` it trained on.
    ``on_epoch`` (used by the benchmarks) sees each epoch's log and the network after that
    epoch; its time is not counted in the epoch's ``seconds``.
    """
    generator = seed_everything(cfg.seed)
    # Whole arrays to the device once; every batch afterwards is an index into them there.
    x_train, y_train, x_val, y_val = (torch.from_numpy(a).to(device) for a in data)
    net.to(device)
    optimiser = Adam(net.parameters(), lr=cfg.learning_rate)
    result = TrainResult(n_train=len(x_train), n_val=len(x_val))
    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
    stale = 0
    started = time.perf_counter()
    with (
        cpu_threads(cfg.threads),
        cuda_settings(device),
        _progress_bar(progress, cfg.epochs) as bar,
    ):
        for epoch in range(1, cfg.epochs + 1):
            tick = time.perf_counter()
            # Shuffled on the CPU generator (same order on every device), copied once an epoch.
            order = torch.randperm(len(x_train), generator=generator).to(device)
            total = train_steps(net, optimiser, x_train, y_train, order, cfg)
            val = validation_loss(net, x_val, y_val, cfg)
            # The epoch's one host sync: both losses in one copy.
            train_sum, val_loss = torch.stack([total, val]).tolist()
            train_loss = train_sum / len(x_train)
            result.history.append(EpochLog(epoch, train_loss, val_loss, time.perf_counter() - tick))
            if val_loss < result.best_val_loss:
                result.best_val_loss, result.best_epoch, stale = val_loss, epoch, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
            bar.update(epoch, train_loss, val_loss)
            if on_epoch is not None:
                on_epoch(result.history[-1], net)
            if stale >= cfg.patience:
                result.stopped_early = True
                break
    net.load_state_dict(best_state)
    net.to("cpu")
    net.eval()
    result.seconds = time.perf_counter() - started
    return result


def train_steps(
    net: nn.Module,
    optimiser: Adam,
    x: torch.Tensor,
    y: torch.Tensor,
    order: torch.Tensor,
    cfg: ForecastConfig,
) -> torch.Tensor:
    """One epoch's batches in ``order``; returns the sample-weighted loss sum, on the device.

    Nothing here reads a value back to the host, so on CUDA the CPU queues steps ahead of
    the GPU (a CUDA test runs it under torch's sync-debug mode "error" to keep it so).
    """
    net.train()
    loss_fn = TRAIN_LOSSES[cfg.train_loss]()
    total = torch.zeros((), device=x.device)
    for start in range(0, len(x), cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        optimiser.zero_grad()
        with autocast(x.device, cfg.precision):
            out = net(x[idx])
        loss = loss_fn(out.float(), y[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
        optimiser.step()
        total += loss.detach() * len(idx)
    return total


def validation_loss(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: ForecastConfig
) -> torch.Tensor:
    """The training loss on the validation windows at the training precision, on the device."""
    with autocast(x.device, cfg.precision):
        out = predict_batched(net, x)
    loss: torch.Tensor = TRAIN_LOSSES[cfg.train_loss]()(out.float(), y)
    return loss


class Adam:
    """Adam (Kingma & Ba, 2015) with torch's defaults, as foreach kernels over all parameters.

    Same update as ``torch.optim.Adam(lr=..., betas=(0.9, 0.999), eps=1e-8)``. It exists
    because torch.optim's constructor imports ``torch._dynamo`` on its first call (see
    pytorch/pytorch#127325): measured at 1.5-5 s here, as much as importing torch itself,
    in a run whose whole training now takes a few seconds.
    """

    def __init__(
        self,
        params: Iterable[nn.Parameter],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = [p for p in params if p.requires_grad]
        self.lr, self.betas, self.eps = lr, betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        """Drop the gradients (they are recreated by the next backward pass)."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam update of every parameter that has a gradient."""
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        params: list[torch.Tensor] = [self.params[i] for i in live]
        grads: list[torch.Tensor] = [p.grad for p in params if p.grad is not None]
        exp_avg = [self.exp_avg[i] for i in live]
        exp_avg_sq = [self.exp_avg_sq[i] for i in live]
        beta1, beta2 = self.betas
        self.steps += 1
        torch._foreach_lerp_(exp_avg, grads, 1.0 - beta1)
        torch._foreach_mul_(exp_avg_sq, beta2)
        torch._foreach_addcmul_(exp_avg_sq, grads, grads, 1.0 - beta2)
        denom = torch._foreach_sqrt(exp_avg_sq)
        torch._foreach_div_(denom, math.sqrt(1.0 - beta2**self.steps))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, exp_avg, denom, -self.lr / (1.0 - beta1**self.steps))


class _progress_bar:  # noqa: N801 - used as a context manager like rich's own
    """A rich progress bar with epoch, losses and ETA, or nothing when ``enabled`` is false."""

    def __init__(self, enabled: bool, epochs: int) -> None:
        self.enabled, self.epochs = enabled, epochs
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _progress_bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("epoch"),
                MofNCompleteColumn(),
                BarColumn(),
                TextColumn("train {task.fields[train]:.4f}  val {task.fields[val]:.4f}"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "fit", total=self.epochs, train=float("nan"), val=float("nan")
            )
        return self

    def update(self, epoch: int, train: float, val: float) -> None:
        """Advance to ``epoch`` with its losses."""
        if self._progress is not None:
            self._progress.update(self._task, completed=epoch, train=train, val=val)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def fit_weights(
    data: Dataset,
    cfg: ForecastConfig,
    *,
    progress: bool = True,
    on_epoch: Callable[[EpochLog, nn.Module], None] | None = None,
) -> tuple[Weights, TrainResult]:
    """``cfg.ensemble`` seeded LSTMNets trained on ``data``: their best weights as numpy arrays
    (network k ≥ 1 under ``member{k}.``, seed ``cfg.seed + k``), and the log.

    The log is the first network's, with every network's time and best epoch; ``on_epoch``
    sees each epoch of the first network (tuning reports it, and may raise to stop the fit).
    """
    device = resolve_device(cfg.device, cfg.precision)
    weights: Weights = {}
    results: list[TrainResult] = []
    for member in range(cfg.ensemble):
        member_cfg = cfg.model_copy(update={"seed": cfg.seed + member})
        torch.manual_seed(member_cfg.seed)  # initialisation is part of "same seed, same weights"
        net = LSTMNet(member_cfg)
        results.append(
            train_network(
                net,
                data.arrays(),
                member_cfg,
                device=device,
                progress=progress,
                on_epoch=on_epoch if member == 0 else None,
            )
        )
        prefix = member_prefix(member)
        weights |= {
            prefix + k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()
        }
    result = results[0]
    if len(results) > 1:
        result.seconds = sum(r.seconds for r in results)
        result.members = [r.member_summary() for r in results]
    return weights, result
