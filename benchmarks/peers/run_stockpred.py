"""stockpred's rows, through its public API (project venv): one system per process.

* ``stockpred-default``: ``ForecastConfig()`` as shipped (window 20, 1×32, batch 256, 30 epochs,
  patience 5), device cpu, 1 thread;
* ``stockpred-net``: the peers' network (window 60, 2×64 LSTM, dropout 0.2), everything else
  stockpred's default, epochs capped at the shared budget;
* ``stockpred-per-ticker``: the universe as a loop of default per-ticker fits over the Python API;
* ``stockpred-global``: the universe as one ``GlobalLSTM(config).fit(histories)`` at the
  defaults (what ``stockpred run --csv FOLDER --model global`` fits), each ticker forecast
  through its view of the shared network.

Target: stockpred's default, the next log-return (standardised), turned back into a price.
Reading the CSVs is not timed (as for the peers); fitting is, calibration included.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Clock, RunRecord, Series, dataset_name, load_dataset, one_thread, runner_args

SYSTEMS = ["stockpred-default", "stockpred-net", "stockpred-per-ticker", "stockpred-global"]
# What stockpred's first fit imports lazily: its training loop and global model; arch,
# statsmodels and scipy for the GARCH intervals.
FIT_MODULES = (
    "stockpred.training.loop",
    "stockpred.models.global_lstm",
    "arch.univariate",
    "scipy.signal",
    "scipy.special",
    "threadpoolctl",
    "rich.progress",
)
PEER_NET = {"window": 60, "hidden": 64, "layers": 2, "dropout": 0.2}


class Totals:
    """Fit, best-epoch and inference seconds and windows summed over fits; the first curve."""

    def __init__(self) -> None:
        self.fit = self.cpu = self.best = self.infer = self.loop = 0.0
        self.windows = self.seen = self.epochs = self.fits = 0
        self.checks: list[tuple[float, float]] = []
        self.predictions: list[float] = []
        self.raw: list[float] = []

    def add_fit(self, result: Any, clock: Clock) -> None:
        """One fit's figures, the fit having just returned; its end-of-epoch validation
        losses if it is the first."""
        fit_s = time.perf_counter() - clock.start
        seconds = [e.seconds for e in result.history]
        self.fit += fit_s
        self.cpu += clock.cpu()
        self.loop += result.seconds
        self.best += fit_s - sum(seconds[result.best_epoch :])
        self.windows += result.n_train
        self.seen += result.n_train * len(seconds)
        self.epochs += len(seconds)
        self.fits += 1
        if not self.checks:  # the first (or only) fit's curve: end of each epoch, own loss
            ends = fit_s - sum(seconds) + np.cumsum(seconds)
            self.checks = [
                (float(t), e.val_loss) for t, e in zip(ends, result.history, strict=True)
            ]

    def add_forecasts(self, forecaster: Any, history: Any, series: Series) -> None:
        """The one-step forecasts over the ticker's test sessions, timed; the network's own
        (``raw``: without the validation gate) beside them, not timed."""
        tick = time.perf_counter()
        pred = forecaster.predict_origins(history, series.test_origins, 1)[:, 0]
        self.infer += time.perf_counter() - tick
        self.predictions += pred.tolist()
        self.raw += forecaster.predict_origins(history, series.test_origins, 1, raw=True)[
            :, 0
        ].tolist()


def main() -> None:
    a = runner_args(SYSTEMS)
    one_thread()
    tick = time.perf_counter()
    import torch  # stockpred imports it lazily, at the first fit: counted here, not in fit

    from stockpred import ForecastConfig, Forecaster, load_prices

    assert Forecaster.__name__  # the public names load lazily: touch one to import it
    import_fit_modules()
    import_s = time.perf_counter() - tick

    net = PEER_NET | {"epochs": a.epochs} if a.system == "stockpred-net" else {}
    cfg = ForecastConfig(device="cpu", threads=1, seed=a.seed, **net)
    series = load_dataset(a.data)
    histories = {}
    for s in series:
        histories[s.ticker] = load_prices(csv=s.source, start=s.since or None)
        same_data(s, histories[s.ticker].prices)
    totals = Totals()
    if a.system == "stockpred-global":
        from stockpred.models.global_lstm import GlobalLSTM

        clock = Clock()
        model = GlobalLSTM(cfg).fit({h.ticker: h for h in histories.values()})
        totals.add_fit(model.train_result_, clock)
        for s in series:
            history = histories[s.ticker]
            totals.add_forecasts(model.for_ticker(history.ticker), history, s)
    else:
        for s in series:
            clock = Clock()
            fc = Forecaster(cfg).fit(histories[s.ticker], progress=False)
            totals.add_fit(fc.train_result_, clock)
            totals.add_forecasts(fc, histories[s.ticker], s)
    RunRecord(
        system=a.system,
        dataset=dataset_name(a.data),
        seed=a.seed,
        target="next log-return, standardised (stockpred default)",
        batch=cfg.batch_size,
        epochs=totals.epochs / totals.fits,
        n_train_windows=totals.windows,
        windows_seen=totals.seen,
        fit_s=totals.fit,
        fit_cpu_s=totals.cpu,
        best_val_s=totals.best,
        infer_s=totals.infer,
        import_s=import_s,
        predictions=totals.predictions,
        raw_predictions=totals.raw,
        loop_s=totals.loop,
        val_checks=totals.checks,
        notes=f"window {cfg.window}, {cfg.layers}x{cfg.hidden}, lr {cfg.learning_rate}, "
        f"patience {cfg.patience}, max epochs {cfg.epochs}, best-validation weights kept"
        + (", one network for every ticker" if a.system == "stockpred-global" else ""),
        versions={"torch": torch.__version__, "stockpred_commit": commit()},
    ).write(a.out)


def import_fit_modules() -> None:
    """Import FIT_MODULES now (~9 s on a busy core): counted as import, not as the first
    ticker's fit, as the peers' eager imports are."""
    for module in FIT_MODULES:
        importlib.import_module(module)


def same_data(series: Series, prices: np.ndarray) -> None:
    """stockpred's loader must give the very prices the data file holds."""
    if len(prices) != len(series.prices) or not np.array_equal(prices, series.prices):
        raise SystemExit(f"{series.ticker}: stockpred's loader disagrees with the data file")


def commit() -> str:
    """The checkout's commit, so each row says which stockpred code it measured."""
    import subprocess

    head = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
    )
    return head.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
