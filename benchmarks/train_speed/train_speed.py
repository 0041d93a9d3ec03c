"""stockpred's training and inference speed against a plain PyTorch reference loop.

Everything is measured in ONE process, contenders alternated round by round, medians taken:
timing noise on a shared 2-core machine is large (±30 % between identical passes), so the
ratios matter more than the absolute figures. Prints JSON lines, then a markdown table.

    PYTHONPATH=src python benchmarks/train_speed/train_speed.py            # MSFT sample + real files
    PYTHONPATH=src python benchmarks/train_speed/train_speed.py --quick    # smoke run, about a minute

Contenders (same data, same chronological split, same test days):

* ``reference``: ``benchmarks/train_speed/reference_loop.py`` — 2×64 LSTM, dropout 0.2, window 60,
  batch 64, Adam 1e-3, min-max scaling of the price level, no stockpred code;
* ``stockpred @ reference net``: stockpred's training loop on exactly that network and batch
  (its own target: standardised log-returns) — isolates the loop from the defaults;
* ``stockpred default``: ``ForecastConfig()`` as shipped;
* Darts / NeuralForecast: measured by ``benchmarks/peers/`` (``make bench-peers``), in their
  own virtual environment.

Time-to-accuracy compares validation MAE on the *price* scale (the reference's loss is MSE on
min-max-scaled prices, stockpred's on standardised log-returns: those two numbers are not
comparable, an error in dollars is). It is the number of epochs each needs to reach the
reference's best validation MAE times its median seconds per epoch from the alternated rounds.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_loop import Reference

import stockpred.training.loop as training_module
from stockpred.config import ForecastConfig
from stockpred.data.history import PriceHistory
from stockpred.data.loading import load_prices
from stockpred.evaluation.forecaster import Forecaster
from stockpred.features import Scaler, input_signals, target_matrix, windows
from stockpred.network.lstm import LSTMNet
from stockpred.splits import chronological_split
from stockpred.training.loop import EpochLog, train_network

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "us-daily"
REF_NET = {"window": 60, "hidden": 64, "layers": 2, "dropout": 0.2, "batch_size": 64}
REF_LR = 1e-3


def emit(kind: str, **fields: Any) -> dict[str, Any]:
    """One JSON line on stdout."""
    line = {"kind": kind, **fields}
    print(json.dumps(line), flush=True)
    return line


def lstm_flops_per_sample(window: int, n_in: int, hidden: int, layers: int) -> float:
    """Forward + backward FLOPs of one training window: 2·4·(in+h)·h per step per layer, ×3."""
    per_step = sum(2 * 4 * ((n_in if i == 0 else hidden) + hidden) * hidden for i in range(layers))
    return 3.0 * per_step * window


def matmul_gflops(n: int = 1024, reps: int = 10) -> float:
    """Float32 matrix multiply rate with torch's current threads (median of ``reps``)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


def load_datasets(quick: bool) -> dict[str, PriceHistory]:
    data = {"MSFT sample 2000-13": load_prices("MSFT")}
    if not quick:
        for ticker, label in (("MSFT", "MSFT 1986-2017"), ("SPY", "SPY 2005-2017")):
            path = SHARED / f"{ticker}.csv.gz"
            if path.is_file():
                data[label] = load_prices(csv=str(path))
            else:
                emit("skip", dataset=label, reason=f"{path} not found")
    return data


# ----------------------------------------------------------------------------- stockpred side
class StockpredData:
    """The tensors Forecaster.fit builds, rebuilt with the same public functions."""

    def __init__(self, history: PriceHistory, cfg: ForecastConfig) -> None:
        self.cfg = cfg
        self.split = chronological_split(history.dates, cfg)
        prices = history.prices
        signals = input_signals(history.frame, history.price_column, cfg)
        train_o, self.val_o = self.split.train_origins(cfg), self.split.val_origins(cfg)
        self.scaler = Scaler.fit(signals, target_matrix(prices, train_o, cfg), self.split)
        scaled = self.scaler.scale_x(signals)

        def tensors(origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            y = self.scaler.scale_y(target_matrix(prices, origins, cfg)).astype(np.float32)
            return windows(scaled, origins, cfg.window), y

        self.arrays = (*tensors(train_o), *tensors(self.val_o))
        self.val_last = prices[self.val_o]
        self.val_actual = prices[self.val_o + 1]

    def val_mae(self, net: torch.nn.Module) -> float:
        """Validation MAE on the price scale for the network as it is now."""
        from stockpred.training.loop import predict_batched

        out = predict_batched(net, torch.from_numpy(self.arrays[2])).numpy().astype(np.float64)
        pred = self.val_last * np.exp(self.scaler.unscale_y(out)[:, 0])
        return float(np.mean(np.abs(pred - self.val_actual)))

    def one_epoch(self) -> float:
        """Seconds for one epoch (training pass + validation pass) of a fresh network."""
        cfg = self.cfg.model_copy(update={"epochs": 1})
        torch.manual_seed(cfg.seed)
        result = train_network(
            LSTMNet(cfg), self.arrays, cfg, device=torch.device("cpu"), progress=False
        )
        return result.history[0].seconds


@contextmanager
def epoch_hook(hook: Callable[[EpochLog, torch.nn.Module], None]) -> Iterator[None]:
    """Let Forecaster.fit's training call ``hook`` after each epoch (benchmark only)."""
    original = training_module.train_network  # Forecaster.fit looks it up at call time
    training_module.train_network = functools.partial(train_network, on_epoch=hook)  # type: ignore[assignment]
    try:
        yield
    finally:
        training_module.train_network = original  # type: ignore[assignment]


# ------------------------------------------------------------------------------ measurements
def throughput(
    label: str, history: PriceHistory, rounds: int, ref_ctx: dict[str, Any]
) -> dict[str, dict[str, float]]:
    """Alternate one epoch of each contender per round; first round is a discarded warm-up."""
    default = StockpredData(history, ForecastConfig(device="cpu"))
    at_ref = StockpredData(history, ForecastConfig(device="cpu", learning_rate=REF_LR, **REF_NET))
    all_threads = ForecastConfig(device="cpu", threads=ref_ctx["default_threads"])
    default_all = StockpredData(history, all_threads)
    reference = ref_ctx["build"]()

    def ref_epoch() -> float:
        tick = time.perf_counter()
        reference.train_epoch()
        reference.predict_scaled(reference.x_val)
        return time.perf_counter() - tick

    contenders: dict[str, tuple[Callable[[], float], int, ForecastConfig]] = {
        "reference": (ref_epoch, len(reference.x_train), at_ref.cfg),
        "stockpred @ reference net": (at_ref.one_epoch, len(at_ref.arrays[0]), at_ref.cfg),
        "stockpred default": (default.one_epoch, len(default.arrays[0]), default.cfg),
        f"stockpred default @ {all_threads.threads} threads": (
            default_all.one_epoch,
            len(default_all.arrays[0]),
            default_all.cfg,
        ),
    }
    seconds: dict[str, list[float]] = {k: [] for k in contenders}
    for r in range(rounds + 1):
        order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
        for name in order:
            s = contenders[name][0]()
            if r > 0:
                seconds[name].append(s)
    out = {}
    for name, (_, n_train, cfg) in contenders.items():
        med = statistics.median(seconds[name])
        sps = n_train / med
        flops = lstm_flops_per_sample(cfg.window, cfg.n_features, cfg.hidden, cfg.layers)
        out[name] = {"s_per_epoch": med, "samples_per_s": sps, "gflops": sps * flops / 1e9}
        emit(
            "throughput",
            dataset=label,
            contender=name,
            n_train=n_train,
            batch_size=cfg.batch_size,
            s_per_epoch=round(med, 4),
            s_per_epoch_all=[round(s, 4) for s in seconds[name]],
            samples_per_s=round(sps, 1),
            gflops=round(out[name]["gflops"], 2),
        )
    return out


def accuracy(
    label: str, history: PriceHistory, ref_epochs: int, ref_ctx: dict[str, Any], tmp: Path
) -> dict[str, Any]:
    """Full fits: per-epoch validation MAE (price scale), test MAE ÷ naive, for both."""
    split = ref_ctx["split"]
    prices = history.prices
    test_o = split.test_origins()
    actual = prices[test_o + 1]
    naive_mae = float(np.mean(np.abs(actual - prices[test_o])))

    reference = ref_ctx["build"]()
    reference.fit(ref_epochs)
    ref_test = float(np.mean(np.abs(reference.predict_prices(prices, test_o, 60) - actual)))
    ref_val = [e.val_mae for e in reference.history]

    data = StockpredData(history, ForecastConfig(device="cpu"))
    sp_val: list[float] = []
    with epoch_hook(lambda log, net: sp_val.append(data.val_mae(net))):
        tick = time.perf_counter()
        fc = Forecaster(ForecastConfig(device="cpu")).fit(history, progress=False)
        fit_s = time.perf_counter() - tick
    ev = fc.evaluate(history)
    lstm_mae = float(ev.table.loc["lstm", "mae"])
    sp_naive = float(ev.table.loc["naive", "mae"])
    assert abs(sp_naive - naive_mae) < 1e-9 * max(1.0, naive_mae), "test days differ"
    res = {
        "naive_mae": naive_mae,
        "ref_val_mae": ref_val,
        "ref_test_mae": ref_test,
        "sp_val_mae": sp_val,
        "sp_test_mae": lstm_mae,
        "sp_fit_s": fit_s,
        "sp_epochs": len(fc.train_result_.history),
        "forecaster": fc,
    }
    emit(
        "accuracy",
        dataset=label,
        test_start=ev.test_start,
        test_end=ev.test_end,
        n_test=len(test_o),
        naive_mae=round(naive_mae, 5),
        reference={
            "test_mae": round(ref_test, 5),
            "mae_over_naive": round(ref_test / naive_mae, 4),
            "val_mae_by_epoch": [round(v, 4) for v in ref_val],
        },
        stockpred_default={
            "test_mae": round(lstm_mae, 5),
            "mae_over_naive": round(lstm_mae / naive_mae, 4),
            "val_mae_by_epoch": [round(v, 4) for v in sp_val],
            "epochs_run": len(sp_val),
            "best_epoch": fc.train_result_.best_epoch,
            "fit_s": round(fit_s, 2),
        },
    )
    return res


def epochs_to_reach(curve: list[float], target: float) -> int | None:
    """First epoch (1-based) whose validation MAE is at or below ``target``."""
    return next((i + 1 for i, v in enumerate(curve) if v <= target * (1 + 1e-9)), None)


def inference(label: str, fc: Forecaster, history: PriceHistory, tmp: Path) -> dict[str, float]:
    """One-step forecasts over a 1,600-day span in one pass; load + predict(days=30)."""
    n = min(1600, len(history) - fc.config.window - 1)
    origins = np.arange(len(history) - 1 - n, len(history) - 1)
    times = []
    for _ in range(7):
        t = time.perf_counter()
        fc.predict_origins(history, origins, 1)
        times.append(time.perf_counter() - t)
    folder = fc.save(tmp / f"model-{abs(hash(label))}")
    load_times = []
    for _ in range(5):
        t = time.perf_counter()
        Forecaster.load(folder).predict(days=30)
        load_times.append(time.perf_counter() - t)
    out = {
        "n_days": n,
        "ms": 1e3 * statistics.median(times),
        "load_predict30_s": statistics.median(load_times),
    }
    emit(
        "inference",
        dataset=label,
        one_step_days=n,
        one_step_ms=round(out["ms"], 2),
        load_and_predict_30_s=round(out["load_predict30_s"], 4),
    )
    return out


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of ``python -m stockpred ARGS``."""
    tick = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "stockpred", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - tick
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def whole_run(tmp: Path, quick: bool) -> dict[str, float]:
    """`stockpred --help`, `stockpred run MSFT`, `stockpred predict --days 30` as a user runs them."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    helps = [run_cli(["--help"], env)[0] for _ in range(3)]
    run_dir = tmp / "run-msft"
    extra = ["--epochs", "2"] if quick else []
    wall, rss, rc = run_cli(["run", "MSFT", "--out", str(run_dir), *extra], env)
    preds = [run_cli(["predict", str(run_dir), "--days", "30"], env) for _ in range(3)]
    tick = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True, env=env)
    torch_import = time.perf_counter() - tick
    out = {
        "help_s": statistics.median(helps),
        "run_s": wall,
        "run_peak_rss_mb": rss,
        "run_rc": rc,
        "predict30_cli_s": statistics.median(p[0] for p in preds),
        "import_torch_s": torch_import,
    }
    emit("cli", **{k: round(v, 3) for k, v in out.items()}, quick=quick)
    return out


# ----------------------------------------------------------------------------------- table
def markdown(
    rows: list[dict[str, Any]],
    cli: dict[str, float],
    peak: float,
    peak_all: float,
    threads: int,
    all_threads: int,
    machine: str,
) -> str:
    lines = [
        f"Machine: {machine}. float32 1024² matmul in this run: {peak:.0f} GFLOP/s at "
        f"{threads} thread(s), {peak_all:.0f} GFLOP/s at {all_threads}. Reference and stockpred "
        f"run at {threads} thread(s) unless the row says otherwise.",
        "",
        "| dataset | contender | batch | s/epoch | samples/s | × ref | GFLOP/s | epochs to ref's best val MAE | time-to-accuracy (s) | TTA ÷ ref | test MAE | MAE ÷ naive |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            "| {dataset} | {contender} | {batch} | {spe:.2f} | {sps:,.0f} | {xref:.2f} | {gf:.1f} | {ep} | {tta} | {ttar} | {mae} | {ratio} |".format(
                **r
            )
        )
    lines += [
        "",
        f"`stockpred --help`: {cli['help_s']:.2f} s (python -c 'import torch' alone: "
        f"{cli['import_torch_s']:.2f} s) · `stockpred run MSFT` (defaults): {cli['run_s']:.1f} s, "
        f"peak RSS {cli['run_peak_rss_mb']:.0f} MB · `stockpred predict RUN --days 30` "
        f"(new process, incl. imports and model load): {cli['predict30_cli_s']:.2f} s",
    ]
    return "\n".join(lines)


def machine_line(when: str = "end") -> str:
    load = os.getloadavg()
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch {torch.__version__} with {torch.get_num_threads()} threads, "
        f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} at the {when}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="MSFT sample only, few epochs")
    parser.add_argument("--rounds", type=int, default=None, help="alternated timing rounds")
    parser.add_argument("--ref-epochs", type=int, default=None, help="reference epochs [20]")
    parser.add_argument("--threads", type=int, default=None, help="torch threads [torch default]")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess measurements")
    parser.add_argument(
        "--ref-threads",
        type=int,
        default=1,
        help="torch threads for the reference loop [1, the same as stockpred's default]",
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    default_threads = torch.get_num_threads()
    peak_all = matmul_gflops()
    torch.set_num_threads(args.ref_threads)
    rounds = args.rounds or (2 if args.quick else 5)
    ref_epochs = args.ref_epochs or (3 if args.quick else 20)
    emit("machine", description=machine_line("start"), rounds=rounds, ref_epochs=ref_epochs)
    peak = matmul_gflops()
    emit("matmul", gflops=round(peak, 1), threads=args.ref_threads, n=1024)
    emit("matmul", gflops=round(peak_all, 1), threads=default_threads, n=1024)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="stockpred-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for label, history in load_datasets(args.quick).items():
            ref_cfg = ForecastConfig(device="cpu", **REF_NET)
            split = chronological_split(history.dates, ref_cfg)
            ref_ctx = {
                "split": split,
                "default_threads": default_threads,
                "build": lambda h=history, s=split, c=ref_cfg: Reference.build(
                    h.prices,
                    s.train_end,
                    s.train_origins(c),
                    s.val_origins(c),
                    batch_size=64,
                    lr=REF_LR,
                ),
            }
            speed = throughput(label, history, rounds, ref_ctx)
            acc = accuracy(label, history, ref_epochs, ref_ctx, tmp)
            inference(label, acc["forecaster"], history, tmp)
            target = min(acc["ref_val_mae"])
            ref_ep = epochs_to_reach(acc["ref_val_mae"], target)
            sp_ep = epochs_to_reach(acc["sp_val_mae"], target)
            ref_tta = (ref_ep or 0) * speed["reference"]["s_per_epoch"]
            ref_sps = speed["reference"]["samples_per_s"]
            for name, s in speed.items():
                row = {
                    "dataset": label,
                    "contender": name,
                    "batch": 64 if "default" not in name else ForecastConfig().batch_size,
                    "spe": s["s_per_epoch"],
                    "sps": s["samples_per_s"],
                    "xref": s["samples_per_s"] / ref_sps,
                    "gf": s["gflops"],
                    "ep": "–",
                    "tta": "–",
                    "ttar": "–",
                    "mae": "–",
                    "ratio": "–",
                }
                if name == "reference":
                    row |= {
                        "ep": str(ref_ep),
                        "tta": f"{ref_tta:.1f}",
                        "ttar": "1",
                        "mae": f"{acc['ref_test_mae']:.4f}",
                        "ratio": f"{acc['ref_test_mae'] / acc['naive_mae']:.3f}",
                    }
                if name == "stockpred default":
                    tta = sp_ep * s["s_per_epoch"] if sp_ep else None
                    row |= {
                        "ep": str(sp_ep) if sp_ep else "not reached",
                        "tta": f"{tta:.1f}" if tta is not None else "–",
                        "ttar": f"{tta / ref_tta:.3f}" if tta is not None and ref_tta else "–",
                        "mae": f"{acc['sp_test_mae']:.4f}",
                        "ratio": f"{acc['sp_test_mae'] / acc['naive_mae']:.3f}",
                    }
                    emit(
                        "time_to_accuracy",
                        dataset=label,
                        reference_best_val_mae=round(target, 5),
                        reference_epochs=ref_ep,
                        reference_s=round(ref_tta, 2),
                        stockpred_epochs=sp_ep,
                        stockpred_s=round(tta, 2) if tta is not None else None,
                        ratio=round(tta / ref_tta, 4) if tta is not None and ref_tta else None,
                    )
                rows.append(row)
        cli = (
            {
                "help_s": float("nan"),
                "run_s": float("nan"),
                "run_peak_rss_mb": float("nan"),
                "predict30_cli_s": float("nan"),
                "import_torch_s": float("nan"),
            }
            if args.no_cli
            else whole_run(tmp, args.quick)
        )
    print()
    print(markdown(rows, cli, peak, peak_all, args.ref_threads, default_threads, machine_line()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
