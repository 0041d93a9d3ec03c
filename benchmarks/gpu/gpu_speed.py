"""Training throughput of stockpred's loop on a CUDA GPU against the CPU of the same machine.

Run by ``benchmarks/gpu/gpu.sh`` on a machine with an NVIDIA GPU; on a
CPU-only machine ``--dry-run`` runs every code path tiny (the "GPU" rows on the CPU) so the
one GPU run works first time. Writes ``gpu-results.jsonl`` (one JSON object a row, written
as it goes, so a run cut short keeps what it measured), ``gpu-results.json`` and
``gpu-results.md`` into ``--out``.

windows/s = training windows ÷ seconds per epoch, an epoch being the training pass plus the
validation pass (as in train_speed.py); median of the epochs after a discarded warm-up epoch.

Models (same data on both devices):

* ``per-ticker default``: ``ForecastConfig()`` (window 20, 1×32) on MSFT 1986–2017;
* ``seed network``: the 2×64 network of the popular set-up (window 60, dropout 0.2; the
  reference loop's) on MSFT 1986–2017;
* ``pooled N tickers``: the default network on the pooled training windows of the first N
  tickers of us-daily, each scaled on its own training span: the windows ``--model global``
  trains on, fed to the training loop directly (no ticker embedding, no per-ticker cap).

GPU rows: batch 256 / 1024 / 4096 × ``--precision 32`` and ``bf16``. CPU rows: the same
batches at float32, at 1 thread (stockpred's default) and at every core, over at most
``--cpu-cap`` training windows (throughput does not depend on how many there are) and fewer
epochs, to stay short; then bf16 autocast on the CPU at 1 thread. GPU rows keep
stockpred's default of one CPU thread (the host only queues kernels there). A
``host_syncs`` row counts where one CUDA epoch of training steps waits for the GPU.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train_speed"))

from stockpred.config import ForecastConfig
from stockpred.data.loading import PriceHistory, load_prices
from stockpred.exceptions import StockpredError
from stockpred.network.lstm import LSTMNet
from stockpred.training.loop import train_network
from train_speed import REF_NET, StockpredData

REPO = Path(__file__).resolve().parents[2]
US_DAILY = REPO.parent / "shared" / "data" / "us-daily"
SEED_NET = {k: v for k, v in REF_NET.items() if k != "batch_size"}
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def machine() -> dict[str, Any]:
    """What ran it: card, versions, cores, load."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_count": os.cpu_count(),
        "load_start": os.getloadavg(),
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        info["cpu"] = names[0] if names else None
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info |= {
            "gpu": props.name,
            "gpu_memory_gib": round(props.total_memory / 2**30, 1),
            "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
        }
    return info


def pooled(histories: list[PriceHistory], cfg: ForecastConfig) -> Arrays:
    """Each ticker's train/val windows and targets, scaled on its own span, stacked."""
    parts = [StockpredData(h, cfg).arrays for h in histories]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))  # type: ignore[return-value]


def capped(arrays: Arrays, cap: int) -> Arrays:
    """At most ``cap`` training and ``cap // 4`` validation windows (a CPU row's timing)."""
    x, y, xv, yv = arrays
    return x[:cap], y[:cap], xv[: cap // 4], yv[: cap // 4]


def measure(arrays: Arrays, cfg: ForecastConfig, device: torch.device, epochs: int) -> dict:
    """windows/s of ``epochs`` epochs of a fresh seeded network, the first one discarded."""
    cfg = cfg.model_copy(update={"epochs": epochs, "patience": epochs})
    torch.manual_seed(cfg.seed)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    result = train_network(LSTMNet(cfg), arrays, cfg, device=device, progress=False)
    timed = [e.seconds for e in result.history[1:]] or [result.history[0].seconds]
    s_per_epoch = statistics.median(timed)
    row = {
        "n_train": result.n_train,
        "n_val": result.n_val,
        "epochs_timed": len(timed),
        "s_per_epoch": s_per_epoch,
        "first_epoch_s": result.history[0].seconds,
        "windows_per_s": result.n_train / s_per_epoch,
        "val_mse_last": result.history[-1].val_loss,
    }
    if device.type == "cuda":
        row["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
    return row


def host_syncs(arrays: Arrays, cfg: ForecastConfig, precision: str) -> dict[str, Any]:
    """Where one CUDA epoch of training steps waits for the GPU (torch's sync-debug "warn")."""
    from stockpred.training.loop import Adam, cuda_settings, train_steps

    device = torch.device("cuda")
    cfg = cfg.model_copy(update={"precision": precision})
    x, y = (torch.from_numpy(a).to(device) for a in arrays[:2])
    net = LSTMNet(cfg).to(device)
    optimiser = Adam(net.parameters(), lr=cfg.learning_rate)
    order = torch.randperm(len(x), device=device)
    with cuda_settings(device):
        train_steps(net, optimiser, x[:256], y[:256], torch.arange(256, device=device), cfg)
        torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                train_steps(net, optimiser, x, y, order, cfg)
            finally:
                torch.cuda.set_sync_debug_mode("default")
    syncs = [
        w for w in caught if "synchroniz" in str(w.message) and "prototype" not in str(w.message)
    ]
    return {
        "steps": -(-len(x) // cfg.batch_size),
        "host_syncs": len(syncs),
        "where": sorted({f"{Path(w.filename).name}:{w.lineno}" for w in syncs}),
    }


def load_data(args: argparse.Namespace) -> tuple[PriceHistory, list[PriceHistory], list[str]]:
    """The per-ticker history and the first ``args.pool`` tickers that load cleanly.

    Loaded in parallel processes (each file builds its own exchange calendar, ~0.5 s), forked
    before anything touches CUDA.
    """
    paths = sorted(args.pool_dir.glob("*.csv.gz"))[: args.pool + 10]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(min(16, os.cpu_count() or 1), mp_context=context) as workers:
        single, *loaded = workers.map(_load, [args.ticker_file, *paths])
    if isinstance(single, str):
        raise SystemExit(single)
    pool: list[PriceHistory] = []
    skipped: list[str] = []
    for history in loaded:
        if len(pool) == args.pool:
            break
        if isinstance(history, str):
            skipped.append(history)
        else:
            pool.append(history)
    return single, pool, skipped


def _load(path: Path) -> PriceHistory | str:
    """A cleaned history, or why the file was refused."""
    try:
        return load_prices(csv=str(path))
    except StockpredError as exc:
        return f"{path.name}: {exc}"


def plan(args: argparse.Namespace, single: PriceHistory, pool: list[PriceHistory]) -> list:
    """(model label, config, arrays) for each model, arrays built once per window size."""
    default, seed = ForecastConfig(), ForecastConfig(**SEED_NET)
    return [
        ("per-ticker default (w20, 1x32)", default, StockpredData(single, default).arrays),
        ("seed network (w60, 2x64)", seed, StockpredData(single, seed).arrays),
        (f"pooled {len(pool)} tickers, default net", default, pooled(pool, default)),
    ]


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every row: GPU first (the point of the run), then the CPU, written as measured."""
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    lines = (out / "gpu-results.jsonl").open("w")
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()

    def emit(row: dict[str, Any]) -> None:
        rows.append(row)
        print(json.dumps(row), flush=True)
        lines.write(json.dumps(row) + "\n")
        lines.flush()

    single, pool, skipped = load_data(args)  # first: its worker processes fork before CUDA
    info = machine()
    emit({"kind": "machine", **info})
    emit(
        {
            "kind": "data",
            "ticker": single.ticker,
            "sessions": len(single),
            "pool": [h.ticker for h in pool],
            "pool_skipped": skipped,
            "seconds": time.perf_counter() - started,
        }
    )
    models = plan(args, single, pool)
    on_gpu = torch.cuda.is_available()
    if on_gpu:
        label, cfg, arrays = models[0]
        for precision in ("32", "bf16"):
            emit(
                {
                    "kind": "host_syncs",
                    "model": label,
                    "precision": precision,
                    **host_syncs(arrays, cfg, precision),
                }
            )
    accel = torch.device("cuda" if on_gpu else "cpu")
    # (side, device, precision, threads, training-window cap, epochs)
    # The GPU rows keep stockpred's default of one CPU thread: the host only queues kernels.
    jobs = [
        ("gpu", accel, p, 1, args.gpu_cap, args.epochs)
        for p in (["32", "bf16"] if on_gpu else ["32"])
    ]
    cpu = torch.device("cpu")
    jobs += [
        ("cpu", cpu, "32", t, args.cpu_cap, args.cpu_epochs)
        for t in sorted({1, os.cpu_count() or 1})
    ]
    # Last, so the budget cuts it first: CPU autocast bf16, which stockpred allows where a
    # probe step runs (on AVX2 CPUs oneDNN has no bf16 LSTM and these rows fail).
    jobs.append(("cpu", cpu, "bf16", 1, args.cpu_cap, args.cpu_epochs))
    for side, device, precision, threads, cap, epochs in jobs:
        for label, cfg, arrays in models:
            for batch in args.batches:
                key = {
                    "model": label,
                    "side": side,
                    "device": device.type,
                    "precision": precision,
                    "threads": threads,
                    "batch_size": batch,
                }
                if time.perf_counter() - started > args.budget:
                    emit({"kind": "skip", **key, "reason": f"past the {args.budget} s budget"})
                    continue
                run_cfg = cfg.model_copy(
                    update={
                        "batch_size": batch,
                        "precision": precision,
                        "device": device.type,
                        "threads": threads,
                    }
                )
                data = arrays if cap is None else capped(arrays, cap)
                try:
                    row = measure(data, run_cfg, device, epochs)
                except (RuntimeError, StockpredError) as exc:  # one failed row, not the run
                    row = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
                emit({"kind": "throughput", **key, **row})
    emit({"kind": "end", "load_end": os.getloadavg(), "seconds": time.perf_counter() - started})
    lines.close()
    (out / "gpu-results.json").write_text(json.dumps(rows, indent=1))
    (out / "gpu-results.md").write_text(markdown(rows))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """One table: a line per model and batch, GPU precisions and CPU thread counts side by side."""
    info = next(r for r in rows if r["kind"] == "machine")
    through = [r for r in rows if r["kind"] == "throughput" and "windows_per_s" in r]
    cpu_cols = sorted({(r["precision"], r["threads"]) for r in through if r["side"] == "cpu"})
    gpu = info.get("gpu", "none (dry run: the GPU columns ran on the CPU)")

    def rate(model: str, batch: int, side: str, precision: str, threads: int = 1) -> dict | None:
        wanted = (model, batch, side, precision, threads)
        return next(
            (
                r
                for r in through
                if (r["model"], r["batch_size"], r["side"], r["precision"], r["threads"]) == wanted
            ),
            None,
        )

    head = ["model", "train windows", "batch", "GPU fp32 w/s", "GPU bf16 w/s"]
    head += [f"CPU {t} thr{' bf16' if p == 'bf16' else ''} w/s" for p, t in cpu_cols]
    head += ["GPU fp32 ÷ best CPU", "bf16 ÷ fp32", "val MSE fp32 / bf16"]
    lines = [
        f"GPU: {gpu}; CPU: {info.get('cpu')} ({info['cpu_count']} cores); "
        f"torch {info['torch']}, CUDA {info.get('cuda')}, cuDNN {info.get('cudnn')}; "
        f"load at start {info['load_start'][0]:.2f}.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for model in dict.fromkeys(r["model"] for r in through):
        for batch in sorted({r["batch_size"] for r in through}):
            g32, g16 = rate(model, batch, "gpu", "32"), rate(model, batch, "gpu", "bf16")
            cpus = [rate(model, batch, "cpu", p, t) for p, t in cpu_cols]
            best_cpu = max(
                (c["windows_per_s"] for c in cpus if c and c["precision"] == "32"), default=None
            )
            cells = [
                model,
                f"{(g32 or {}).get('n_train', 0):,}",
                str(batch),
                _fmt(g32, "windows_per_s"),
                _fmt(g16, "windows_per_s"),
                *(_fmt(c, "windows_per_s") for c in cpus),
                f"{g32['windows_per_s'] / best_cpu:.1f}×" if g32 and best_cpu else "–",
                f"{g16['windows_per_s'] / g32['windows_per_s']:.2f}×" if g16 and g32 else "–",
                f"{_fmt(g32, 'val_mse_last', '.4f')} / {_fmt(g16, 'val_mse_last', '.4f')}",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for r in rows:
        if r["kind"] == "throughput" and "error" in r:
            lines.append(
                f"- failed: {r['model']}, {r['side']} {r['precision']}, "
                f"{r['threads']} threads, batch {r['batch_size']}: {r['error']}"
            )
        elif r["kind"] == "skip":
            lines.append(
                f"- skipped: {r['model']}, {r['side']}, batch {r['batch_size']}: {r['reason']}"
            )
    return "\n".join(lines).rstrip() + "\n"


def _fmt(row: dict | None, key: str, spec: str = ",.0f") -> str:
    return format(row[key], spec) if row else "–"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "gpu" / "out")
    parser.add_argument("--ticker-file", type=Path, default=US_DAILY / "MSFT.csv.gz")
    parser.add_argument("--pool-dir", type=Path, default=US_DAILY)
    parser.add_argument("--pool", type=int, default=50, help="tickers pooled")
    parser.add_argument("--batches", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--epochs", type=int, default=4, help="GPU epochs (first discarded)")
    parser.add_argument("--cpu-epochs", type=int, default=2, help="CPU epochs (first discarded)")
    parser.add_argument("--cpu-cap", type=int, default=16_384, help="CPU training windows")
    parser.add_argument("--gpu-cap", type=int, default=None, help="GPU training windows")
    parser.add_argument("--budget", type=float, default=200.0, help="seconds before rows skip")
    parser.add_argument("--dry-run", action="store_true", help="tiny, to check it on a CPU")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.pool, args.batches, args.epochs = 3, [1024], 2
        args.gpu_cap = args.cpu_cap = 512
    return args


if __name__ == "__main__":
    run(parse_args())
