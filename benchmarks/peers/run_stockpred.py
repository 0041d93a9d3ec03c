"""stockpred's rows, through its public API (project venv): one system per process.

* ``stockpred-default``: ``ForecastConfig()`` as shipped (window 20, 1×32, batch 256, 30 epochs,
  patience 5), device cpu, 1 thread;
* ``stockpred-net``: the peers' network (window 60, 2×64 LSTM, dropout 0.2), everything else
  stockpred's default, epochs capped at the shared budget;
* ``stockpred-per-ticker``: the universe as a loop of default per-ticker fits over the Python API.

Target: stockpred's default, the next log-return (standardised), turned back into a price.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Clock, RunRecord, Series, dataset_name, load_dataset, one_thread, runner_args

SYSTEMS = ["stockpred-default", "stockpred-net", "stockpred-per-ticker"]
PEER_NET = {"window": 60, "hidden": 64, "layers": 2, "dropout": 0.2}


def main() -> None:
    a = runner_args(SYSTEMS)
    one_thread()
    tick = time.perf_counter()
    import torch  # stockpred imports it lazily, at the first fit: counted here, not in fit

    from stockpred import ForecastConfig, Forecaster, load_prices

    assert Forecaster.__name__  # the public names load lazily: touch one to import it
    import_s = time.perf_counter() - tick

    net = PEER_NET | {"epochs": a.epochs} if a.system == "stockpred-net" else {}
    cfg = ForecastConfig(device="cpu", threads=1, seed=a.seed, **net)
    totals = {"fit": 0.0, "best": 0.0, "infer": 0.0, "windows": 0, "seen": 0, "epochs": 0}
    predictions: list[float] = []
    checks: list[tuple[float, float]] = []
    for series in load_dataset(a.data):
        history = load_prices(csv=series.source, start=series.since or None)
        same_data(series, history.prices)
        clock = Clock()
        fc = Forecaster(cfg).fit(history, progress=False)
        fit_s = time.perf_counter() - clock.start
        result = fc.train_result_
        after_best = sum(e.seconds for e in result.history[result.best_epoch :])
        if not checks:  # the first (or only) ticker's curve: end of each epoch, own loss
            start = fit_s - sum(e.seconds for e in result.history)
            ends = start + np.cumsum([e.seconds for e in result.history])
            checks = [(float(t), e.val_loss) for t, e in zip(ends, result.history, strict=True)]
        tick = time.perf_counter()
        pred = fc.predict_origins(history, series.test_origins, 1)[:, 0]
        totals["infer"] += time.perf_counter() - tick
        totals["fit"] += fit_s
        totals["best"] += fit_s - after_best
        totals["windows"] += result.n_train
        totals["seen"] += result.n_train * len(result.history)
        totals["epochs"] += len(result.history)
        predictions += pred.tolist()
    n = len(load_dataset(a.data))
    RunRecord(
        system=a.system,
        dataset=dataset_name(a.data),
        seed=a.seed,
        target="next log-return, standardised (stockpred default)",
        batch=cfg.batch_size,
        epochs=totals["epochs"] / n,
        n_train_windows=int(totals["windows"]),
        windows_seen=int(totals["seen"]),
        fit_s=totals["fit"],
        best_val_s=totals["best"],
        infer_s=totals["infer"],
        import_s=import_s,
        predictions=predictions,
        val_checks=checks,
        notes=f"window {cfg.window}, {cfg.layers}x{cfg.hidden}, lr {cfg.learning_rate}, "
        f"patience {cfg.patience}, max epochs {cfg.epochs}, best-validation weights kept",
        versions={"torch": torch.__version__},
    ).write(a.out)


def same_data(series: Series, prices: np.ndarray) -> None:
    """stockpred's loader must give the very prices the data file holds."""
    if len(prices) != len(series.prices) or not np.array_equal(prices, series.prices):
        raise SystemExit(f"{series.ticker}: stockpred's loader disagrees with the data file")


if __name__ == "__main__":
    main()
