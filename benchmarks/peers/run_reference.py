"""The plain PyTorch reference loop (``benchmarks/train_speed/reference_loop.py``) and the naive and drift
baselines, one system per process (project venv).

The reference: 2×64 ``nn.LSTM``, dropout 0.2, window 60, batch 64, Adam 1e-3, MSE on the
min-max-scaled price (fitted on the training span), best-validation weights kept, the shared
epoch budget. Naive: tomorrow = today. Drift: stockpred's ``Drift`` rule (last price plus the
mean daily change since the first price).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "train_speed")]

from common import (  # noqa: E402 (after the path set-up)
    Clock,
    RunRecord,
    dataset_name,
    load_dataset,
    one_thread,
    runner_args,
)

SYSTEMS = ["reference", "naive", "drift"]
WINDOW = 60


def main() -> None:
    a = runner_args(SYSTEMS)
    one_thread()
    versions: dict[str, str] = {}
    import_s = 0.0
    (series,) = load_dataset(a.data)
    prices, test_o = series.prices, series.test_origins
    fields = {"batch": 0, "epochs": 0.0, "n_train_windows": 0, "windows_seen": 0}
    fit_s = best_s = fit_cpu_s = 0.0
    checks: list[tuple[float, float]] = []
    if a.system == "reference":
        tick = time.perf_counter()
        import torch
        from reference_loop import Reference

        import_s = time.perf_counter() - tick
        torch.set_num_threads(1)
        versions["torch"] = torch.__version__
        clock = Clock()
        train_o = series.origins("train", WINDOW)
        ref = Reference.build(
            prices, series.train_end, train_o, series.origins("val", WINDOW), seed=a.seed
        )
        ref.fit(a.epochs, on_epoch=lambda rec: clock.check(rec.val_loss))
        fit_s, fit_cpu_s, best_s, checks = (
            time.perf_counter() - clock.start,
            clock.cpu(),
            clock.to_best() or 0.0,
            clock.checks,
        )
        fields = {
            "batch": ref.batch_size,
            "epochs": float(len(ref.history)),
            "n_train_windows": len(train_o),
            "windows_seen": len(train_o) * len(ref.history),
        }
        tick = time.perf_counter()
        pred = ref.predict_prices(prices, test_o, WINDOW)
    else:
        tick = time.perf_counter()
        slope = (prices[test_o] - prices[0]) / np.maximum(test_o, 1)
        pred = prices[test_o] + (slope if a.system == "drift" else 0.0)
    infer_s = time.perf_counter() - tick
    RunRecord(
        system=a.system,
        dataset=dataset_name(a.data),
        seed=a.seed,
        target="next price, min-max scaled" if a.system == "reference" else "next price (rule)",
        fit_s=fit_s,
        fit_cpu_s=fit_cpu_s,
        best_val_s=best_s,
        infer_s=infer_s,
        import_s=import_s,
        predictions=pred.tolist(),
        val_checks=checks,
        versions=versions,
        notes="best-validation weights kept" if a.system == "reference" else "",
        **fields,
    ).write(a.out)


if __name__ == "__main__":
    main()
