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
from dataclasses import asdict, replace
from functools import partial

import numpy as np
import pandas as pd

from stockpred.backend import Backend
from stockpred.models.base import LSTM, LSTM_RAW
from stockpred.models.global_lstm import NAME as GLOBAL
from stockpred.run_folder import output_folder
from stockpred.universe.book import MIN_VIEWS, CrossSection, cross_section
from stockpred.universe.calendar import calendar_config
from stockpred.universe.folder import locked_out
from stockpred.universe.inputs import TickerSource, universe_market
from stockpred.universe.job import TickerJob, TickerOutcome, run_ticker
from stockpred.universe.options import UniverseOptions
from stockpred.universe.progress import stream
from stockpred.universe.result import TickerCounts, UniverseResult, UniverseSummary
from stockpred.universe.scores import (
    GLOBAL_RAW,
    LABELS,
    LOSS_WORDS,
    ModelSummary,
    leaderboard,
    model_summary,
    ticker_rows,
)

LEADERBOARD = "leaderboard.csv"
UNIVERSE = "universe.json"
FAILED = "failed.csv"
INDEX = "index.html"
# Each learned model by its own name: the global network's ungated forecasts are not lstm_raw.
GLOBAL_NAMES = {LSTM: GLOBAL, LSTM_RAW: GLOBAL_RAW}


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
        market = universe_market(options.config.market, sources, options.loading)
        # One calendar for every model and ticker; its dates are in the config, so in the
        # hash that a resumed ticker's folder must match.
        before_calendar = time.perf_counter()
        options = replace(options, config=calendar_config(sources, options, backend, progress))
        calendar_seconds = time.perf_counter() - before_calendar
        config_sha = options.record().config_sha
        if options.model in ("per-ticker", "both"):
            job = TickerJob(
                options.config,
                str(options.out),
                options.days,
                options.loading,
                config_sha,
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
                sources, options, backend, config_sha, progress, market
            )
            g_done, g_failed = _split(
                glob, "global" if options.model == "both" else "", options.option_words
            )
            g_done = {t: _global_names(o) for t, o in g_done.items()}
            outcomes = _merge(outcomes, g_done)
            failed.update({t: e for t, e in g_failed.items() if t not in failed})
        result = _finish(sources, options, outcomes, failed)
        seconds: dict[str, float | dict[str, float]] = {
            "wall": time.perf_counter() - started,
            "calendar": calendar_seconds,  # reading every ticker's sessions for the cutoffs
            **_phases(per),
        }
        if options.model != "per-ticker":
            seconds["global"] = global_seconds
        result.summary = replace(result.summary, seconds=seconds)
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


def _global_names(outcome: TickerOutcome) -> TickerOutcome:
    """The global network's columns under its own names (global_lstm, global_lstm_raw)."""
    if outcome.table is not None:
        outcome.table = outcome.table.rename(index=GLOBAL_NAMES)
    if outcome.predictions is not None:
        outcome.predictions = outcome.predictions.rename(columns=GLOBAL_NAMES)
    return outcome


def _merge(
    per: dict[str, TickerOutcome], glob: dict[str, TickerOutcome]
) -> dict[str, TickerOutcome]:
    """Per-ticker and global results of the same ticker in one table (same test sessions):
    the global network's gated and ungated forecasts beside the per-ticker ones."""
    merged = dict(per)
    own = [GLOBAL, GLOBAL_RAW]
    for ticker, g in glob.items():
        p = merged.get(ticker)
        if p is None or p.table is None or p.predictions is None:
            merged[ticker] = g
            continue
        assert g.table is not None
        assert g.predictions is not None
        if not p.predictions.index.equals(g.predictions.index):
            raise AssertionError(f"{ticker}: global and per-ticker test sessions differ")
        mine = [m for m in own if m in g.table.index]
        p.table = pd.concat([p.table, g.table.loc[mine]])
        p.predictions = p.predictions.assign(**{m: g.predictions[m] for m in mine})
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
    loss = options.config.loss
    rows = [
        row
        for t, o in done.items()
        if o.table is not None and o.predictions is not None
        for row in ticker_rows(t, o.table, o.predictions, loss)
    ]
    board = leaderboard(rows)
    summary = model_summary(board, loss)
    predictions = {t: o.predictions for t, o in done.items() if o.predictions is not None}
    sections, series = {}, {}
    for model in summary:  # by name: the first ticker's order would be the tickers' names
        sections[model], series[model] = cross_section(predictions, model, options.cost_bps)
    counts = TickerCounts(
        len(sources), len(done), len(failed), sum(o.resumed for o in done.values())
    )
    figures = UniverseSummary(
        loss,
        counts,
        (*honest_sentences(summary, loss), *book_sentences(sections)),
        summary,
        sections,
        options.record().settings,
    )
    return UniverseResult(options.out, len(sources), done, failed, board, figures, series)


def honest_sentences(summary: dict[str, ModelSummary], loss: str) -> list[str]:
    """One sentence a learned model: significant wins over naive before and after FDR,
    under the verdict's loss, named."""
    out = []
    for model, label in LABELS.items():
        if model in summary:
            s = summary[model]
            n = s.tickers
            out.append(
                f"{label[0].upper()}{label[1:]} beat the naive forecast significantly under "
                f"{LOSS_WORDS[loss]} on {s.beats_naive_p05} of {n} tickers before "
                f"correcting for {n} tests, and on {s.beats_naive_after_fdr} after (median "
                f"{loss.upper()} ÷ naive {s.median_loss_vs_naive:.4f}; at or below naive on "
                f"{s.share_at_or_below_naive:.0%})."
            )
    return out


def book_sentences(sections: dict[str, CrossSection]) -> list[str]:
    """One sentence a learned model: on how many dates its book traded, and whether its
    return before costs beat the same book on shuffled forecasts."""
    out = []
    for model, label in LABELS.items():
        if model not in sections:
            continue
        s = sections[model]
        if not s.dates_traded:
            out.append(
                f"{label[0].upper()}{label[1:]} never had a view (a forecast other than no "
                f"change) on {MIN_VIEWS} tickers on one date: its long/short book made no trade."
            )
            continue
        p = s.placebo
        where = {
            "above": "above the 95th percentile: better than luck",
            "below": "below the 5th percentile: worse than luck",
            "inside": "within that range: no better than luck",
        }[str(p.book_is)]
        out.append(
            f"The long/short book of {label} traded on {s.dates_traded} of {s.dates_in_span} "
            f"dates and made {p.gross_cumulative_return:+.1%} before costs; the same book "
            f"on its forecasts shuffled across tickers made {p.p05:+.1%} to {p.p95:+.1%} "
            f"(5–95 %, {p.draws} draws), so it lies {where}."
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
    """leaderboard.csv, universe.json, failed.csv and index.html, written together by the one
    folder writer: a failure in making or moving one leaves the earlier four as they were."""
    from stockpred.universe.page import render_index

    failed = pd.DataFrame(sorted(result.failed.items()), columns=["ticker", "error"])
    texts = {
        LEADERBOARD: result.board.to_csv(index=False, float_format="%.6g"),
        UNIVERSE: json.dumps(asdict(result.summary), indent=2),
        FAILED: failed.to_csv(index=False),
        INDEX: render_index(result),
    }
    with output_folder(result.out, "universe", update=True) as tmp:
        for name, text in texts.items():
            (tmp / name).write_text(text)
