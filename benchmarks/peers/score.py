"""Score every system's saved predictions against one test vector per dataset.

    python benchmarks/peers/score.py runs/peers        # after bench.py

Per record: MAE and RMSE ÷ naive's on the same sessions (on the universe: per ticker, then the
mean over tickers), directional accuracy (sign of forecast − last price against the sign of
the actual move, days with no move left out), and the figures the process measured. Per row:
medians over seeds (accuracy with its min-max), ratios against stockpred's rows in the same
seed. Writes ``results.md`` and ``scores.json`` beside the runs and prints the markdown.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Series, load_dataset

PEERS = ("darts", "darts-rin", "nf-robust", "nf-minmax")
STOCKPRED = ("stockpred-default", "stockpred-net", "stockpred-per-ticker", "stockpred-global")
RAW = "-raw"  # the same fit's network forecasts without the validation gate
ORDER = (*(n for s in STOCKPRED for n in (s, s + RAW)), *PEERS, "reference", "naive", "drift")
ACCURACY = ("mae_naive", "rmse_naive", "da", "moves")
TIE = 1.01  # "ties naive": test MAE within 1 % of naive's


def accuracy(series: list[Series], predictions: np.ndarray) -> dict[str, float | None]:
    """MAE and RMSE ÷ naive (mean over tickers); directional accuracy (pooled) on the days
    both the price and the forecast moved, and the share of moving days the forecast moved
    (stockpred's gate forecasts the last price where its network did not beat naive)."""
    if len(predictions) != sum(len(s.test_origins) for s in series):
        raise SystemExit(f"{len(predictions)} predictions for another number of test sessions")
    mae, rmse, hits, days, calls, start = [], [], 0, 0, 0, 0
    for s in series:
        o = s.test_origins
        pred, last, actual = predictions[start : start + len(o)], s.prices[o], s.prices[o + 1]
        start += len(o)
        mae.append(np.mean(np.abs(pred - actual)) / np.mean(np.abs(last - actual)))
        rmse.append(np.sqrt(np.mean((pred - actual) ** 2) / np.mean((last - actual) ** 2)))
        moved, called = actual != last, (actual != last) & (pred != last)
        hits += int(np.sum(np.sign(pred - last)[called] == np.sign(actual - last)[called]))
        days += int(moved.sum())
        calls += int(called.sum())
    return {
        "mae_naive": float(np.mean(mae)),
        "rmse_naive": float(np.mean(rmse)),
        "da": hits / calls if calls else None,
        "moves": calls / days,
    }


def score_record(record: dict[str, Any], series: list[Series]) -> list[dict[str, Any]]:
    """One run's accuracy and figures; a second entry for its ungated network, if saved."""
    acc = accuracy(series, np.asarray(record["predictions"], dtype=np.float64))
    wps = record["windows_seen"] / record["fit_s"] if record["fit_s"] > 0 else None
    keep = ["system", "dataset", "seed", "target", "batch", "epochs", "fit_s", "best_val_s"]
    keep += ["infer_s", "import_s", "peak_rss_mb", "notes", "versions"]
    scored = {k: record[k] for k in keep} | acc | {"windows_per_s": wps}
    scored |= {k: record.get(k) for k in ("loop_s", "fit_cpu_s")}
    if not record.get("raw_predictions"):
        return [scored]
    raw = accuracy(series, np.asarray(record["raw_predictions"], dtype=np.float64))
    figures = ("fit_s", "fit_cpu_s", "best_val_s", "loop_s", "infer_s", "import_s")
    figures += ("peak_rss_mb", "windows_per_s")
    same_fit = dict.fromkeys(figures) | {"system": record["system"] + RAW}
    return [scored, scored | raw | same_fit]


def med(values: list[float | None]) -> float | None:
    """Median of the values present."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def same_seed_ratio(
    scores: list[dict[str, Any]], row: list[dict[str, Any]], against: str, key: str
) -> float | None:
    """Median over seeds of row[key] ÷ the ``against`` system's key in the same seed."""
    ratios = []
    for r in row:
        ref = [
            s
            for s in scores
            if (s["system"], s["dataset"], s["seed"]) == (against, r["dataset"], r["seed"])
        ]
        if ref and r[key] and ref[0][key]:
            ratios.append(r[key] / ref[0][key])
    return med(ratios)


def latest_runs(index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The index entry that wrote each record: the last successful run of each (dataset,
    system, seed), since a rerun overwrites the record."""
    last = {(e["dataset"], e["system"], e["seed"]): e for e in index if e.get("rc") == 0}
    return list(last.values())


def rows(scores: list[dict[str, Any]], index: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (dataset, system): medians over seeds, ratios against stockpred, load range."""
    out = []
    keys = {(s["dataset"], s["system"]) for s in scores}
    for key in sorted(keys, key=lambda k: (k[0] == "universe", k[0], ORDER.index(k[1]))):
        row = [s for s in scores if (s["dataset"], s["system"]) == key]
        agg: dict[str, Any] = {
            k: med([r[k] for r in row])
            for k in (
                "windows_per_s",
                "fit_s",
                "fit_cpu_s",
                "loop_s",
                "best_val_s",
                "infer_s",
                "import_s",
                "peak_rss_mb",
                "epochs",
                *ACCURACY,
            )
        }
        agg |= {f"{k}_range": value_range([r[k] for r in row]) for k in ACCURACY}
        agg |= {
            "dataset": key[0],
            "system": key[1],
            "seeds": len(row),
            "batch": row[0]["batch"],
            "target": row[0]["target"],
        }
        loads = [
            e[k][0]
            for e in latest_runs(index)
            if (e["dataset"], e["system"]) == key
            for k in ("load_before", "load_after")
        ]
        agg["load"] = (min(loads), max(loads)) if loads else None
        agg["wps_vs_net"] = same_seed_ratio(scores, row, "stockpred-net", "windows_per_s")
        base = "stockpred-per-ticker" if key[0] == "universe" else "stockpred-default"
        agg["fit_vs_default"] = same_seed_ratio(scores, row, base, "fit_s")
        out.append(agg)
    return out


def value_range(values: list[float | None]) -> tuple[float, float] | None:
    """Min and max of the values present."""
    present = [v for v in values if v is not None]
    return (min(present), max(present)) if present else None


def fmt(v: float | None, spec: str) -> str:
    """A number, or a dash where there is none."""
    return "–" if v is None else format(v, spec)


def markdown(table: list[dict[str, Any]]) -> str:
    """The results table."""
    lines = [
        "| data | system | seeds | batch | epochs | train windows/s | ÷ stockpred-net | wall to trained (s) | its CPU (s) | ÷ stockpred default | to best val (s) | inference over test (s) | peak RSS (MB) | cold import (s) | MAE ÷ naive | RMSE ÷ naive | directional acc. | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table:
        trained = r["system"] not in ("naive", "drift")

        def span(k: str, spec: str, r: dict[str, Any] = r) -> str:
            """Median, with the min-max over seeds where there are several."""
            if r[k + "_range"] is None:
                return "–"
            lo, hi = r[k + "_range"]
            return fmt(r[k], spec) + (f" ({lo:{spec}}–{hi:{spec}})" if r["seeds"] > 1 else "")

        da = span("da", ".3f")
        if r["da"] is not None and r["moves"] < 0.995:  # the gate held some forecasts flat
            da += f" on {r['moves']:.0%} of days"
        load = f"{r['load'][0]:.1f}–{r['load'][1]:.1f}" if r["load"] else "–"
        lines.append(
            f"| {r['dataset']} | {r['system']} | {r['seeds']} | {r['batch'] or '–'} | {fmt(r['epochs'], '.1f') if trained else '–'} "
            f"| {fmt(r['windows_per_s'], ',.0f')} | {fmt(r['wps_vs_net'], '.2f')} | {fmt(r['fit_s'], '.1f') if trained else '–'} | {fmt(r['fit_cpu_s'], '.1f') if trained else '–'} "
            f"| {fmt(r['fit_vs_default'], '.1f') if trained else '–'} | {fmt(r['best_val_s'], '.1f') if trained else '–'} | {fmt(r['infer_s'], '.3f')} "
            f"| {fmt(r['peak_rss_mb'], '.0f')} | {fmt(r['import_s'], '.2f')} | {span('mae_naive', '.3f')} | {span('rmse_naive', '.3f')} | {da} | {load} |"
        )
    return "\n".join(lines)


def goals(table: list[dict[str, Any]], scores: list[dict[str, Any]]) -> list[str]:
    """The four goals set before the run, checked on this run's medians: met or missed, with the figures."""
    by = {(r["dataset"], r["system"]): r for r in table}
    lines = []
    for data in dict.fromkeys(r["dataset"] for r in table if r["dataset"] != "universe"):
        peers = [by[(data, p)] for p in PEERS if (data, p) in by]
        net, default = by.get((data, "stockpred-net")), by.get((data, "stockpred-default"))
        if not peers or net is None or default is None:
            continue
        fastest = max(peers, key=lambda r: r["windows_per_s"] or 0)
        ok = net["windows_per_s"] >= fastest["windows_per_s"]
        lines.append(
            f"{data} — same network, stockpred {net['windows_per_s']:,.0f} windows/s vs fastest peer {fastest['system']} {fastest['windows_per_s']:,.0f}: {'met' if ok else 'MISSED'}"
        )
        reach = [p for p in peers if p["mae_naive"] <= TIE]
        if default["mae_naive"] > TIE:
            lines.append(
                f"{data} — defaults: stockpred's model does not tie naive (MAE ÷ naive {default['mae_naive']:.3f}): MISSED"
            )
        elif not reach:
            slowest = max(p["fit_s"] for p in peers)
            lines.append(
                f"{data} — defaults: stockpred ties/beats naive in {default['fit_s']:.1f} s; no peer "
                f"does within its capped budget (up to {slowest:.0f} s, "
                f"≥ {min(p['fit_s'] for p in peers) / default['fit_s']:.1f}× longer): met within "
                "the budget, not proven beyond it"
            )
        else:
            soonest = min(reach, key=lambda r: r["fit_s"])
            ratio = soonest["fit_s"] / default["fit_s"]
            lines.append(
                f"{data} — defaults: stockpred ties/beats naive in {default['fit_s']:.1f} s, soonest peer {soonest['system']} in {soonest['fit_s']:.1f} s ({ratio:.1f}×): {'met' if ratio >= 10 else 'MISSED'}"
            )
        best_peer = min(peers, key=lambda r: r["mae_naive"])
        ok = default["mae_naive"] <= best_peer["mae_naive"]
        lines.append(
            f"{data} — accuracy: stockpred default MAE ÷ naive {default['mae_naive']:.3f} vs better peer {best_peer['system']} {best_peer['mae_naive']:.3f}: {'met' if ok else 'MISSED'}"
        )
    lines += universe_goals(by, scores)
    return lines


def wall_verdict(ratios: list[float | None], goal: float = 3.0) -> str:
    """Met or missed only when every measure of the ratio agrees (medians, seed by seed, CPU
    seconds): on a shared machine one of them can cross the line on the load alone."""
    present = [r for r in ratios if r is not None]
    if all(r >= goal for r in present):
        return "met"
    if all(r < goal for r in present):
        return "MISSED"
    return "borderline (met on some measures, missed on others)"


def universe_goals(by: dict[tuple[str, str], Any], scores: list[dict[str, Any]]) -> list[str]:
    """Wall and accuracy against the peers' global models, for each stockpred universe row.

    The wall goal's row is stockpred's global model: the goal names the peers' global models,
    and one network fitted on the same pooled windows is the like-for-like comparison; the
    per-ticker loop (50 networks) is printed beside it.
    """
    peers = [by[("universe", p)] for p in PEERS if ("universe", p) in by]
    if not peers:
        return []
    lines = []
    theirs = min(peers, key=lambda r: r["fit_s"])
    best = min(peers, key=lambda r: r["mae_naive"])
    for system, role in (
        ("stockpred-global", "the goal's row"),
        ("stockpred-per-ticker", "beside it"),
    ):
        ours = by.get(("universe", system))
        if ours is None:
            continue
        ratio = theirs["fit_s"] / ours["fit_s"]
        their_runs = [
            s for s in scores if (s["dataset"], s["system"]) == ("universe", theirs["system"])
        ]
        seed_ratio = same_seed_ratio(scores, their_runs, system, "fit_s")
        cpu = (
            theirs["fit_cpu_s"] / ours["fit_cpu_s"]
            if theirs["fit_cpu_s"] and ours["fit_cpu_s"]
            else None
        )
        verdict = wall_verdict([ratio, seed_ratio, cpu]) if role == "the goal's row" else ""
        verdict = verdict or "for reference"
        lines.append(
            f"universe — wall ({role}): {system} {ours['fit_s']:.0f} s vs faster peer {theirs['system']} {theirs['fit_s']:.0f} s ({ratio:.2f}× on the medians, {fmt(seed_ratio, '.2f')}× seed by seed, {fmt(cpu, '.2f')}× in CPU seconds; goal 3×): {verdict}"
        )
        ok = ours["mae_naive"] <= best["mae_naive"]
        lines.append(
            f"universe — accuracy: {system} MAE ÷ naive {ours['mae_naive']:.3f} vs better peer {best['system']} {best['mae_naive']:.3f}: {'met' if ok else 'MISSED'}"
        )
    return lines


def main() -> None:
    out = Path(sys.argv[1])
    data = {p.stem: load_dataset(p) for p in sorted((out / "data").glob("*.npz"))}
    scores = []
    for path in sorted((out / "runs").glob("*.json")):
        record = json.loads(path.read_text())
        scores += score_record(record, data[record["dataset"]])
    index_file = out / "index.json"
    index = json.loads(index_file.read_text()) if index_file.is_file() else []
    table = rows(scores, index)
    failed = [e for e in index if e.get("rc") not in (None, 0)]
    text = "\n".join(
        [
            markdown(table),
            "",
            *(f"- {g}" for g in goals(table, scores)),
            *(
                f"- FAILED: {e['dataset']} {e['system']} seed {e['seed']}: {e['error']}"
                for e in failed
            ),
        ]
    )
    (out / "results.md").write_text(text + "\n")
    (out / "scores.json").write_text(json.dumps({"scores": scores, "rows": table}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
