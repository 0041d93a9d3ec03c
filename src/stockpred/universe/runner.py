"""``run_universe``: every ticker through the same job on a backend, then honesty at scale.

Results stream in as tickers finish (one progress bar: done / total, failed, ETA). A
ticker that fails is listed in failed.csv and the others complete. Afterwards the
universe's files are written: leaderboard.csv, universe.json, failed.csv, index.html.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stockpred.artifacts import write_text_atomic
from stockpred.universe.backend import Backend
from stockpred.universe.folder import locked_out
from stockpred.universe.inputs import TickerSource, universe_market
from stockpred.universe.job import TickerJob, TickerOutcome, run_ticker
from stockpred.universe.options import UniverseOptions
from stockpred.universe.progress import stream
from stockpred.universe.scores import cross_section, leaderboard, model_summary, ticker_rows

LEADERBOARD = "leaderboard.csv"
UNIVERSE = "universe.json"
FAILED = "failed.csv"
INDEX = "index.html"
LABELS = {"lstm": "the per-ticker LSTM", "global_lstm": "the global LSTM"}


@dataclass
class UniverseResult:
    """What the CLI prints and turns into an exit code."""

    out: Path
    asked: int
    outcomes: dict[str, TickerOutcome]
    failed: dict[str, str]
    board: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    series: dict[str, pd.DataFrame] = field(default_factory=dict)  # model -> daily rank IC, book

    @property
    def exit_code(self) -> int:
        """0 all done, 3 some failed, 1 all failed."""
        if not self.failed:
            return 0
        return 1 if not self.outcomes else 3


def run_universe(
    sources: Sequence[TickerSource],
    options: UniverseOptions,
    backend: Backend,
    *,
    progress: bool = True,
) -> UniverseResult:
    """Run every ticker, write the universe's files under ``options.out``, return the result."""
    from stockpred.universe.global_run import run_global

    started = time.perf_counter()
    record = options.record()
    with locked_out(options.out, record), _sigterm_as_interrupt():
        per: dict[str, TickerOutcome] = {}
        global_seconds: dict[str, float] = {}
        market = universe_market(options.config.market, sources, options.data_args)
        if options.model in ("per-ticker", "both"):
            job = TickerJob(
                options.config,
                str(options.out),
                options.days,
                options.data_args,
                record["config_sha"],
                options.resume,
                market,
            )
            per = stream(
                backend,
                partial(run_ticker, job),
                sources,
                options.out,
                progress,
                failed=TickerOutcome,
            )
        outcomes, failed = _split(
            per, "per-ticker" if options.model == "both" else "", options.option_words
        )
        if options.model in ("global", "both"):
            glob, global_seconds = run_global(
                sources, options, backend, record["config_sha"], progress, market
            )
            g_done, g_failed = _split(
                glob, "global" if options.model == "both" else "", options.option_words
            )
            outcomes = _merge(outcomes, g_done)
            failed.update({t: e for t, e in g_failed.items() if t not in failed})
        result = _finish(sources, options, outcomes, failed)
        result.summary["seconds"] = {"wall": time.perf_counter() - started, **_phases(per)}
        if options.model != "per-ticker":
            result.summary["seconds"]["global"] = global_seconds
        write_universe_files(result)
    return result


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so workers are stopped and temporaries removed."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        before = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _split(
    outcomes: dict[str, TickerOutcome], prefix: str, words: Callable[[str], str] | None
) -> tuple[dict[str, TickerOutcome], dict[str, str]]:
    done = {t: o for t, o in outcomes.items() if o.ok}
    say = words or str
    failed = {
        t: f"{prefix}: {say(str(o.error))}" if prefix else say(str(o.error))
        for t, o in outcomes.items()
        if not o.ok
    }
    return done, failed


def _merge(
    per: dict[str, TickerOutcome], glob: dict[str, TickerOutcome]
) -> dict[str, TickerOutcome]:
    """Per-ticker and global results of the same ticker in one table (same test sessions)."""
    merged = dict(per)
    for ticker, g in glob.items():
        p = merged.get(ticker)
        if p is None or p.table is None or p.predictions is None:
            merged[ticker] = g
            continue
        assert g.table is not None
        assert g.predictions is not None
        if not p.predictions.index.equals(g.predictions.index):
            raise AssertionError(f"{ticker}: global and per-ticker test sessions differ")
        p.table = pd.concat([p.table, g.table.loc[["global_lstm"]]])
        p.predictions = p.predictions.assign(global_lstm=g.predictions["global_lstm"])
    return merged


def _finish(
    sources: Sequence[TickerSource],
    options: UniverseOptions,
    outcomes: dict[str, TickerOutcome],
    failed: dict[str, str],
) -> UniverseResult:
    """Leaderboard and universe.json figures from every finished ticker."""
    order = [s.ticker for s in sources]
    done = {t: outcomes[t] for t in order if t in outcomes}
    rows = [
        row
        for t, o in done.items()
        if o.table is not None and o.predictions is not None
        for row in ticker_rows(t, o.table, o.predictions)
    ]
    board = leaderboard(rows)
    predictions = {t: o.predictions for t, o in done.items() if o.predictions is not None}
    models = [m for m in dict.fromkeys(board["model"]) if m != "naive"]
    sections, series = {}, {}
    for model in models:
        sections[model], series[model] = cross_section(predictions, model, options.cost_bps)
    result = UniverseResult(options.out, len(sources), done, failed, board, series=series)
    summary = model_summary(board)
    result.summary = {
        "tickers": {
            "asked": len(sources),
            "done": len(done),
            "failed": len(failed),
            "resumed": sum(o.resumed for o in done.values()),
        },
        "sentences": honest_sentences(summary),
        "models": summary,
        "cross_section": sections,
        "settings": options.record()["settings"],
    }
    return result


def honest_sentences(summary: dict[str, dict[str, Any]]) -> list[str]:
    """One sentence a learned model: significant wins over naive before and after FDR."""
    out = []
    for model, label in LABELS.items():
        if model in summary:
            s = summary[model]
            n = s["tickers"]
            out.append(
                f"{label[0].upper()}{label[1:]} beat the naive forecast significantly on "
                f"{s['beats_naive_p05']} of {n} tickers before correcting for {n} tests, and on "
                f"{s['beats_naive_after_fdr']} after (median MAE ÷ naive "
                f"{s['median_mae_vs_naive']:.4f}; at or below naive on "
                f"{s['share_at_or_below_naive']:.0%})."
            )
    return out


def _phases(outcomes: dict[str, TickerOutcome]) -> dict[str, float]:
    """Seconds freshly fitted tickers spent loading, training, evaluating, reporting and
    writing: the median ticker's, and the total over tickers (what the workers' CPUs did)."""
    fresh = [o.seconds for o in outcomes.values() if o.ok and not o.resumed and o.seconds]
    if not fresh:
        return {}
    out: dict[str, float] = {}
    for name in ("load", "train", "evaluate", "report", "write"):
        seconds = [s.get(name, 0.0) for s in fresh]
        out[f"median_{name}"], out[f"total_{name}"] = float(np.median(seconds)), sum(seconds)
    return out


def write_universe_files(result: UniverseResult) -> None:
    """leaderboard.csv, universe.json, failed.csv and index.html, each written atomically."""
    from stockpred.universe.page import render_index

    out = result.out
    write_text_atomic(out / LEADERBOARD, result.board.to_csv(index=False, float_format="%.6g"))
    write_text_atomic(out / UNIVERSE, json.dumps(result.summary, indent=2))
    failed = pd.DataFrame(sorted(result.failed.items()), columns=["ticker", "error"])
    write_text_atomic(out / FAILED, failed.to_csv(index=False))
    write_text_atomic(out / INDEX, render_index(result))
