"""What every peer runner shares: the prepared data files and the figures a run reports.

numpy and the standard library only, so the same module serves stockpred's virtual environment
and the peers' one. Data files are ``.npz`` written without pickling (``allow_pickle=False``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Series:
    """One ticker's prices and stockpred's 70/15/15 split bounds (exclusive session ends)."""

    ticker: str
    prices: np.ndarray
    train_end: int
    val_end: int
    source: str = ""  # the CSV file, so stockpred's runner can load it with its own loader
    since: str = ""  # first date kept ("" = all)

    @property
    def test_origins(self) -> np.ndarray:
        """Last known session of each one-step test forecast (as stockpred's Split)."""
        return np.arange(self.val_end - 1, len(self.prices) - 1)

    def origins(self, span: str, window: int) -> np.ndarray:
        """Training or validation origins whose target lies in that span (as stockpred's Split)."""
        if span == "train":
            return np.arange(window, self.train_end - 1)
        return np.arange(max(self.train_end - 1, window), self.val_end - 1)


def save_dataset(path: Path, series: list[Series]) -> None:
    """Concatenated prices with offsets and per-ticker split bounds; temp file then rename."""
    lengths = np.array([len(s.prices) for s in series])
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        tickers=np.array([s.ticker for s in series]),
        prices=np.concatenate([s.prices for s in series]),
        offsets=np.concatenate([[0], np.cumsum(lengths)]),
        train_end=np.array([s.train_end for s in series]),
        val_end=np.array([s.val_end for s in series]),
        source=np.array([s.source for s in series]),
        since=np.array([s.since for s in series]),
    )
    tmp.rename(path)


def load_dataset(path: str | Path) -> list[Series]:
    """The series a prepared data file holds, in order."""
    with np.load(path, allow_pickle=False) as z:
        off = z["offsets"]
        return [
            Series(
                str(z["tickers"][i]),
                z["prices"][off[i] : off[i + 1]].astype(np.float64),
                int(z["train_end"][i]),
                int(z["val_end"][i]),
                str(z["source"][i]),
                str(z["since"][i]),
            )
            for i in range(len(z["tickers"]))
        ]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Clock:
    """Seconds since a fit started, and when each validation pass ended with which loss."""

    start: float = field(default_factory=time.perf_counter)
    checks: list[tuple[float, float]] = field(default_factory=list)
    trained: float | None = None  # perf_counter when training ended (Lightning's on_train_end)
    cpu_start: float = field(default_factory=time.process_time)
    trained_cpu: float | None = None  # CPU seconds of the fit when training ended

    def restart(self) -> None:
        """Start both clocks now: wall and this process's CPU time."""
        self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def cpu(self) -> float:
        """CPU seconds this process (every thread) spent since the fit started: on a shared
        machine, far less sensitive to the other jobs than wall time."""
        return time.process_time() - self.cpu_start

    def check(self, val_loss: float) -> None:
        """Record one validation pass."""
        self.checks.append((time.perf_counter() - self.start, float(val_loss)))

    def to_best(self) -> float | None:
        """Seconds from the fit's start to the end of the pass with the lowest validation loss."""
        if not self.checks:
            return None
        return min(self.checks, key=lambda c: c[1])[0]


def lightning_clock(clock: Clock, metric: str) -> Any:
    """A Lightning callback recording each validation pass's ``metric`` and when training ended.

    For the peers' venv only (imports Lightning when called); the sanity check is not a pass.
    """
    import pytorch_lightning as pl

    class ValidationClock(pl.Callback):
        def on_validation_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
            if not trainer.sanity_checking and metric in trainer.callback_metrics:
                clock.check(float(trainer.callback_metrics[metric]))

        def on_train_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
            clock.trained, clock.trained_cpu = time.perf_counter(), clock.cpu()

    return ValidationClock()


@dataclass
class RunRecord:
    """What one system's process writes: its test predictions and its figures."""

    system: str
    dataset: str
    seed: int
    target: str
    batch: int
    epochs: float
    n_train_windows: int
    windows_seen: int
    fit_s: float
    fit_cpu_s: float | None  # CPU seconds of the same span (every thread of the process)
    best_val_s: float | None
    infer_s: float
    import_s: float
    predictions: list[float]
    raw_predictions: list[float] = field(default_factory=list)  # stockpred: network, no gate
    loop_s: float | None = None  # stockpred: its training loop's part of fit_s
    notes: str = ""
    peak_rss_mb: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    val_checks: list[tuple[float, float]] = field(default_factory=list)

    def write(self, path: str | Path) -> None:
        """JSON; temp file then rename, so a killed run leaves no half-written record."""
        self.peak_rss_mb = peak_rss_mb()
        self.versions = {"python": platform.python_version(), **self.versions}
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.rename(path)


def runner_args(systems: list[str]) -> argparse.Namespace:
    """The arguments every runner takes."""
    p = argparse.ArgumentParser()
    p.add_argument("--system", choices=systems, required=True)
    p.add_argument("--data", required=True, help="prepared .npz file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=5, help="budget in passes over the windows")
    p.add_argument("--out", required=True, help="record to write (.json)")
    return p.parse_args()


def one_thread() -> None:
    """One CPU thread for every library in this process (set before they start pools)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"


def dataset_name(path: str | Path) -> str:
    """The dataset label is the data file's stem."""
    return Path(path).stem


def fail(message: str) -> None:
    """One line on stderr, exit 1."""
    print(message, file=sys.stderr)
    raise SystemExit(1)
