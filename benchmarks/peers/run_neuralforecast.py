"""NeuralForecast ``LSTM`` rows, one system per process (the peers' venv).

* ``nf-robust``: its default ``scaler_type='robust'`` (per-window median / IQR);
* ``nf-minmax``: ``scaler_type='minmax'`` (per-window min-max).

Network: ``input_size=60``, 2×64 LSTM encoder (``encoder_n_layers``, ``encoder_hidden_size``),
encoder dropout 0.2, ``h=1``; NeuralForecast's own defaults otherwise (MLP decoder, MAE loss,
128 windows per step, Adam 1e-3, the weights of the last step, no early stopping). Target: the
next price (per-window scaled). The shared epoch budget becomes ``max_steps`` = epochs ×
training windows ÷ 128, validated once per epoch's worth of steps. ``cross_validation`` with
``refit=False`` trains once, validates on the validation span and forecasts every test session
one step ahead; the fit time runs to the end of training, the rest is inference. On several
series (the universe) it is one global model.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    Clock,
    RunRecord,
    dataset_name,
    lightning_clock,
    load_dataset,
    one_thread,
    runner_args,
)

SYSTEMS = ["nf-robust", "nf-minmax"]
WINDOW = 60


def main() -> None:
    a = runner_args(SYSTEMS)
    one_thread()
    tick = time.perf_counter()
    import neuralforecast
    import pandas as pd
    import pytorch_lightning as pl
    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    import_s = time.perf_counter() - tick
    torch.set_num_threads(1)
    dataset = load_dataset(a.data)
    (n_val,) = {s.val_end - s.train_end for s in dataset}  # one split shape for every series
    (n_test,) = {len(s.prices) - s.val_end for s in dataset}
    clock = Clock()
    n_train = sum(s.train_end - WINDOW for s in dataset)
    windows_per_step = 128
    steps_per_epoch = max(1, math.ceil(n_train / windows_per_step))
    model = LSTM(
        h=1,
        input_size=WINDOW,
        encoder_n_layers=2,
        encoder_hidden_size=64,
        encoder_dropout=0.2,
        scaler_type=a.system.removeprefix("nf-"),
        windows_batch_size=windows_per_step,
        max_steps=a.epochs * steps_per_epoch,
        val_check_steps=steps_per_epoch,
        random_seed=a.seed,
        accelerator="cpu",
        devices=1,
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        enable_checkpointing=False,
        callbacks=[lightning_clock(clock, "valid_loss")],
    )
    df = pd.concat(
        pd.DataFrame({"unique_id": s.ticker, "ds": np.arange(len(s.prices)), "y": s.prices})
        for s in dataset
    )
    nf = NeuralForecast(models=[model], freq=1)
    clock.restart()
    cv = nf.cross_validation(
        df, val_size=n_val, test_size=n_test, n_windows=None, step_size=1, refit=False
    )
    done = time.perf_counter()
    if clock.trained is None:
        raise SystemExit("neuralforecast: training never reported its end")
    trained = clock.trained
    order = {s.ticker: i for i, s in enumerate(dataset)}  # the data file's ticker order
    cv = cv.assign(rank=cv["unique_id"].map(order)).sort_values(["rank", "ds"])
    predictions = cv["LSTM"].to_numpy(dtype=np.float64)
    expected = np.concatenate([s.prices[s.val_end :] for s in dataset])
    if len(predictions) != len(expected) or not np.allclose(cv["y"].to_numpy(), expected):
        raise SystemExit("neuralforecast's test rows are not the benchmark's test sessions")
    fit_s = trained - clock.start
    steps = a.epochs * steps_per_epoch
    RunRecord(
        system=a.system,
        dataset=dataset_name(a.data),
        seed=a.seed,
        target=f"next price, per-window {a.system.removeprefix('nf-')} scaling (MAE loss)",
        batch=windows_per_step,
        epochs=steps * windows_per_step / n_train,
        n_train_windows=n_train,
        windows_seen=steps * windows_per_step,
        fit_s=fit_s,
        fit_cpu_s=clock.trained_cpu,
        best_val_s=clock.to_best(),
        infer_s=done - trained,
        import_s=import_s,
        predictions=predictions.tolist(),
        val_checks=clock.checks,
        notes=f"max_steps {steps}, last-step weights (NF default), no early stopping",
        versions={
            "neuralforecast": neuralforecast.__version__,
            "torch": torch.__version__,
            "lightning": pl.__version__,
        },
    ).write(a.out)


if __name__ == "__main__":
    main()
