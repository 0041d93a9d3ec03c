"""Darts ``BlockRNNModel`` (LSTM) rows, one system per process (the peers' venv).

* ``darts``: the price series min-max scaled by Darts' ``Scaler`` fitted on the training span
  (Darts' documented workflow), then ``BlockRNNModel``;
* ``darts-rin``: the raw price series with ``use_reversible_instance_norm=True`` instead.

Network: window 60 (``input_chunk_length``), 2×64 LSTM, dropout 0.2, one-step output; Darts'
own defaults otherwise (batch 32, Adam 1e-3, MSE, the weights of the last epoch, no early
stopping). Target: the next price (scaled). float32 series (Darts trains in the series' dtype).
On several series (the universe) it is one global model, a ``Scaler`` per series.
"""

from __future__ import annotations

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

SYSTEMS = ["darts", "darts-rin"]
WINDOW = 60


def main() -> None:
    a = runner_args(SYSTEMS)
    one_thread()
    tick = time.perf_counter()
    import darts
    import pytorch_lightning as pl
    import torch
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel

    import_s = time.perf_counter() - tick
    torch.set_num_threads(1)
    dataset = load_dataset(a.data)
    clock = Clock()

    rin = a.system == "darts-rin"
    full = [TimeSeries.from_values(s.prices.astype(np.float32)) for s in dataset]
    train = [f[: s.train_end] for f, s in zip(full, dataset, strict=True)]
    val = [f[s.train_end - WINDOW : s.val_end] for f, s in zip(full, dataset, strict=True)]
    model = BlockRNNModel(
        input_chunk_length=WINDOW,
        output_chunk_length=1,
        model="LSTM",
        hidden_dim=64,
        n_rnn_layers=2,
        dropout=0.2,
        n_epochs=a.epochs,
        random_state=a.seed,
        use_reversible_instance_norm=rin,
        pl_trainer_kwargs={
            "accelerator": "cpu",
            "devices": 1,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
            "enable_checkpointing": False,
            "callbacks": [lightning_clock(clock, "val_loss")],
        },
    )
    clock.restart()
    scalers = [Scaler() for _ in dataset]
    if not rin:  # each scaler fitted on its training span only
        train = [sc.fit_transform(t) for sc, t in zip(scalers, train, strict=True)]
        val = [sc.transform(v) for sc, v in zip(scalers, val, strict=True)]
        full = [sc.transform(f) for sc, f in zip(scalers, full, strict=True)]
    model.fit(train, val_series=val, verbose=False)
    fit_s, fit_cpu_s = time.perf_counter() - clock.start, clock.cpu()
    tick = time.perf_counter()
    forecasts = model.historical_forecasts(
        full,
        start=min(s.val_end for s in dataset),
        start_format="position",
        forecast_horizon=1,
        stride=1,
        retrain=False,
        last_points_only=True,
        verbose=False,
    )
    if not rin:
        forecasts = [sc.inverse_transform(f) for sc, f in zip(scalers, forecasts, strict=True)]
    infer_s = time.perf_counter() - tick
    predictions = np.concatenate(
        [f.values()[-len(s.test_origins) :, 0] for f, s in zip(forecasts, dataset, strict=True)]
    )
    n_train = sum(s.train_end - WINDOW for s in dataset)
    epochs = len(clock.checks)
    RunRecord(
        system=a.system,
        dataset=dataset_name(a.data),
        seed=a.seed,
        target="next price, RevIN-normalised window" if rin else "next price, min-max scaled",
        batch=model.batch_size,
        epochs=float(epochs),
        n_train_windows=n_train,
        windows_seen=n_train * epochs,
        fit_s=fit_s,
        fit_cpu_s=fit_cpu_s,
        best_val_s=clock.to_best(),
        infer_s=infer_s,
        import_s=import_s,
        predictions=predictions.astype(np.float64).tolist(),
        val_checks=clock.checks,
        notes="last-epoch weights (Darts default), no early stopping",
        versions={
            "darts": darts.__version__,
            "torch": torch.__version__,
            "lightning": pl.__version__,
        },
    ).write(a.out)


if __name__ == "__main__":
    main()
