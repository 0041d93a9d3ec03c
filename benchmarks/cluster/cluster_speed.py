"""What Ray costs and carries on this machine, and a tuning run local vs Ray.

Usage: python benchmarks/cluster/cluster_speed.py [--trials 20] [--epochs 10] [--tickers 8]

Prints, with the load average beside every figure:
1. Ray's start-up: ``ray.init`` until the cluster answers, and the first task round trip
   (a worker process starting and importing torch and stockpred).
2. Object-store traffic per ticker: the bytes of one ticker's history (what ``ray.put`` sends
   once) and of its result coming back (the test-span forecasts and the metrics table).
3. The driver's work per result: no-op tasks that return a result of that size, mapped
   through ``RayBackend.map``, timed on the driver (results per second it can take in).
4. Per-ticker fit + evaluate on real tickers through ``RayBackend.map`` on this machine's
   CPUs, beside the same job one ticker after another in this process (the reference).
5. ``stockpred tune`` on the MSFT sample: the same trials locally (one at a time) and on
   Ray Tune (as many at once as there are CPUs).
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.cluster.backend import RayBackend
from stockpred.cluster.session import available_cpus, output_to
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.evaluation.forecaster import Forecaster
from stockpred.tuning.objective import TuningSeries
from stockpred.tuning.search import tune
from stockpred.tuning.space import SearchSpace

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "us-daily"


def load() -> str:
    """The 1-minute load average, printed beside every figure (other jobs share the cores)."""
    return f"load {os.getloadavg()[0]:.1f}"


def fit_evaluate(
    cfg: ForecastConfig, history: PriceHistory
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The per-ticker job, minus the files: fit, evaluate; the result a universe collects."""
    ev = Forecaster(cfg, progress=False).fit(history).evaluate(history)
    return history.ticker, ev.table, ev.predictions


def echo(payload: Any, item: int) -> Any:
    """A no-op task returning a result of a realistic size."""
    return payload


def size(obj: Any) -> int:
    """Bytes Ray would move for ``obj`` (it serialises with pickle protocol 5)."""
    return len(pickle.dumps(obj, protocol=5))


def ray_figures(histories: list[PriceHistory], cfg: ForecastConfig) -> dict[str, float]:
    """Start-up, traffic, driver cost and the per-ticker job on Ray."""
    import ray

    figures: dict[str, float] = {}
    started = time.perf_counter()
    with output_to(None):
        ray.init(
            num_cpus=available_cpus(),
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    figures["ray_init_s"] = time.perf_counter() - started
    started = time.perf_counter()
    list(
        RayBackend().map(partial(fit_evaluate, cfg.model_copy(update={"epochs": 1})), histories[:1])
    )
    figures["first_task_s"] = time.perf_counter() - started
    print(
        f"Ray start-up: init {figures['ray_init_s']:.1f} s, first task (worker start, "
        f"imports, 1 epoch) {figures['first_task_s']:.1f} s ({load()})"
    )

    result = fit_evaluate(cfg.model_copy(update={"epochs": 1}), histories[0])
    figures["history_bytes"] = sum(size(h) for h in histories) / len(histories)
    figures["result_bytes"] = size(result)
    print(
        f"object store per ticker: history {figures['history_bytes'] / 1e3:.0f} kB in, "
        f"result {figures['result_bytes'] / 1e3:.0f} kB out"
    )

    n = 400
    started, cpu = time.perf_counter(), time.process_time()
    for _ in RayBackend().map(partial(echo, result), list(range(n))):
        pass
    figures["driver_results_per_s"] = n / (time.perf_counter() - started)
    figures["driver_cpu_ms_per_result"] = 1e3 * (time.process_time() - cpu) / n
    print(
        f"driver: {figures['driver_cpu_ms_per_result']:.1f} ms of driver CPU a result "
        f"(submit, put, wait, get of {n} no-op tasks each returning "
        f"{figures['result_bytes'] / 1e3:.0f} kB); {figures['driver_results_per_s']:.0f} "
        f"results/s end to end on this machine's {available_cpus()} CPUs ({load()})"
    )

    started = time.perf_counter()
    done = list(RayBackend().map(partial(fit_evaluate, cfg), histories))
    figures["ray_job_s"] = time.perf_counter() - started
    assert len(done) == len(histories)
    with output_to(None):
        ray.shutdown()
    return figures


def tuning_figures(history: PriceHistory, cfg: ForecastConfig, trials: int) -> dict[str, float]:
    """The same search locally and on Ray Tune: wall time, trials finished and pruned, best."""
    data, space = [TuningSeries.cut(history, cfg)], SearchSpace.load()
    figures: dict[str, float] = {}
    for backend in ("local", "ray"):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = tune(
                data,
                cfg,
                space,
                trials=trials,
                seed=0,
                backend=backend,  # type: ignore[arg-type]
                ray_options={"log_file": Path(tmp) / "ray.log"},
            )
            seconds = time.perf_counter() - started
        pruned = sum(t.state == "pruned" for t in result.trials)
        figures[f"tune_{backend}_s"] = seconds
        print(
            f"tune {trials} trials, {backend}: {seconds:.0f} s wall, {pruned} pruned, "
            f"{sum(t.epochs for t in result.trials)} epochs in all, best val loss "
            f"{result.best.val_loss:.4f} {result.best.params} ({load()})"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10, help="per trial and per ticker")
    parser.add_argument("--tickers", type=int, default=8, help="first N of the shared data")
    parser.add_argument("--data-dir", type=Path, default=SHARED)
    parser.add_argument("--start", default="2008-01-01")
    parser.add_argument("--skip-tune", action="store_true")
    args = parser.parse_args()
    cfg = ForecastConfig(epochs=args.epochs, device="cpu")
    files = sorted(args.data_dir.glob("*.csv.gz"))[: args.tickers]
    histories = [load_prices(f.name.split(".")[0], csv=f, start=args.start) for f in files]
    print(
        f"{available_cpus()} CPUs; config {cfg.model_dump(include={'window', 'hidden', 'layers', 'epochs'})}; {load()}"
    )

    started = time.perf_counter()
    for history in histories:
        fit_evaluate(cfg, history)
    reference = time.perf_counter() - started
    figures = ray_figures(histories, cfg)
    n = len(histories)
    print(
        f"per-ticker fit+evaluate, {n} tickers: one process {reference:.1f} s "
        f"({60 * n / reference:.1f} tickers/min), Ray on {available_cpus()} CPUs "
        f"{figures['ray_job_s']:.1f} s ({60 * n / figures['ray_job_s']:.1f} tickers/min, "
        f"{60 * n / figures['ray_job_s'] / available_cpus():.1f} per CPU), "
        f"× reference {reference / figures['ray_job_s']:.2f} ({load()})"
    )
    per_ticker_cpu_s = figures["ray_job_s"] * available_cpus() / n
    scale(per_ticker_cpu_s, figures)
    if not args.skip_tune:
        tuning_figures(load_prices("MSFT"), cfg, args.trials)


def scale(
    per_ticker_cpu_s: float, figures: dict[str, float], tickers: int = 5000, cpus: int = 100
) -> None:
    """Where the limit is at 5,000 tickers on 100 CPUs, from the figures just measured."""
    compute_s = tickers * per_ticker_cpu_s / cpus
    needed_rate = cpus / per_ticker_cpu_s  # results per second the driver must take in
    capacity = 1e3 / figures["driver_cpu_ms_per_result"]
    traffic = tickers * (figures["history_bytes"] + figures["result_bytes"])
    print(
        f"at {tickers} tickers on {cpus} CPUs: {per_ticker_cpu_s:.1f} CPU-s a ticker -> "
        f"{compute_s / 60:.1f} min of compute; the driver must take in {needed_rate:.1f} "
        f"results/s against a capacity of {capacity:.0f}/s at the measured driver CPU a "
        f"result ({needed_rate / capacity:.0%} busy); the object store moves "
        f"{traffic / 1e9:.2f} GB in all ({traffic / compute_s / 1e6:.1f} MB/s)"
    )


if __name__ == "__main__":
    main()
