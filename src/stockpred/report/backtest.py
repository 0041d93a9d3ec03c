"""report.html for a walk-forward backtest: folds, errors, the DM verdict, intervals, trading."""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
import pandas as pd

from stockpred.artifacts import to_json
from stockpred.data.history import PriceHistory
from stockpred.evaluation.intervals import interval_frame, shown_intervals
from stockpred.evaluation.summary import BacktestSummary, IntervalSummary
from stockpred.evaluation.walkforward import WalkForward
from stockpred.models.base import LSTM
from stockpred.report.html import COLOURS, STYLE, figure, png, table_html

FOLD_COLOURS = ("#fde0c5", "#d5e8d4", "#dae8fc", "#e1d5e7", "#fff2cc")


def _timeline_plot(wf: WalkForward, history: PriceHistory) -> str:
    fig = figure()
    ax = fig.add_subplot()
    dates = history.dates
    ax.plot(dates, history.prices, color=COLOURS["actual"], linewidth=1.0, label="price")
    for fold in wf.folds:
        colour = FOLD_COLOURS[(fold.number - 1) % len(FOLD_COLOURS)]
        ax.axvspan(dates[fold.test_start], dates[fold.test_end - 1], color=colour, alpha=0.9)
        ax.axvline(dates[fold.train_end], color="grey", linewidth=0.6, linestyle=":")
        ax.text(dates[fold.test_start], ax.get_ylim()[1], f" {fold.number}", va="top")
    ax.set_title(f"{wf.ticker}: {len(wf.folds)} test folds ({wf.mode}, refit {wf.refit})")
    ax.set_ylabel("price")
    ax.grid(alpha=0.3)
    return png(fig)


def _fold_error_plot(metrics: pd.DataFrame) -> str:
    fig = figure(height=3.4)
    ax = fig.add_subplot()
    mae = metrics[
        (metrics["metric"] == "mae") & (metrics["step"] == 1) & (metrics["fold"] != "all")
    ]
    table = mae.pivot(index="fold", columns="model", values="value")
    models = list(dict.fromkeys(mae["model"]))
    width = 0.8 / len(models)
    for i, model in enumerate(models):
        ax.bar(
            np.arange(len(table)) + i * width,
            table[model],
            width,
            label=model,
            color=COLOURS.get(model, f"C{i + 2}"),
        )
    ax.set_xticks(np.arange(len(table)) + 0.4 - width / 2, [f"fold {f}" for f in table.index])
    ax.set_ylabel("one-step MAE")
    ax.set_title("Error per fold")
    ax.legend(loc="upper left", ncols=(len(models) + 1) // 2, fontsize="small")  # two rows fit
    ax.grid(alpha=0.3, axis="y")
    return png(fig)


def _cumulative_error_plot(one: pd.DataFrame) -> str:
    fig = figure(height=3.4)
    ax = fig.add_subplot()
    # The two cumulative errors differ by well under 1 % and draw as one line; their
    # difference shows who is winning, and when.
    gap = np.cumsum(np.abs(one[LSTM] - one["actual"]) - np.abs(one["naive"] - one["actual"]))
    ax.plot(one.index, gap, color=COLOURS[LSTM], label="LSTM − naive")
    ax.axhline(0.0, color=COLOURS["naive"], linewidth=1.0, label="naive (reference)")
    ax.fill_between(one.index, gap, 0.0, where=gap > 0, color=COLOURS[LSTM], alpha=0.15)
    ax.set_title("Cumulative absolute one-step error, LSTM minus naive: above 0 the LSTM is losing")
    ax.set_ylabel("price units")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


def _interval_plot(one: pd.DataFrame, level: float) -> str:
    fig = figure(height=3.4)
    ax = fig.add_subplot()
    last = one.iloc[-120:]
    ax.plot(last.index, last["actual"], color=COLOURS["actual"], label="actual")
    ax.plot(last.index, last[LSTM], color=COLOURS[LSTM], label="LSTM", linewidth=1.0)
    ax.fill_between(
        last.index,
        last[f"{LSTM}_lower"],
        last[f"{LSTM}_upper"],
        color=COLOURS[LSTM],
        alpha=0.2,
        label=f"{level:.0%} interval",
    )
    ax.set_title("One-step forecasts and intervals, last 120 test sessions")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


def _shown(intervals: IntervalSummary) -> str:
    """Which interval methods the table holds, in words."""
    option = "compare_intervals (--compare-intervals)"
    return shown_intervals(intervals.method, intervals.compared, option)


def _frame(rows: Mapping[str, Mapping[str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").astype(float)


def render_backtest_report(wf: WalkForward, summary: BacktestSummary, history: PriceHistory) -> str:
    """The whole self-contained page as a string."""
    one = wf.one_step()
    dm_rows = {
        baseline: {
            "DM p (squared), LSTM better": tests[0].pooled.squared.p_better,
            "DM p (absolute), LSTM better": tests[0].pooled.absolute.p_better,
            "DM p (squared), LSTM worse": tests[0].pooled.squared.p_worse,
        }
        for baseline, tests in summary.diebold_mariano.items()
    }
    trading = summary.signal_backtest
    coverage = pd.DataFrame([to_json(s) for s in summary.intervals.by_step]).set_index("step")
    sections = [
        f"<h1>{html.escape(wf.ticker)}: walk-forward backtest</h1>",
        f'<p class="verdict {"good" if summary.beats_naive else "bad"}">{html.escape(summary.verdict)}</p>',
        f'<p class="verdict {"bad" if summary.lag_detector.tracks_yesterday else "good"}">'
        f"{html.escape(summary.lag_sentence)}</p>",
        "<h2>Folds</h2>",
        f'<img alt="folds on one timeline" src="data:image/png;base64,{_timeline_plot(wf, history)}">',
        table_html(pd.DataFrame([to_json(f) for f in summary.folds]).set_index("fold")),
        "<h2>Errors, pooled over folds (one step ahead)</h2>",
        table_html(_frame(summary.models)),
        f'<img alt="error per fold" src="data:image/png;base64,{_fold_error_plot(wf.metrics())}">',
        f'<img alt="cumulative error" src="data:image/png;base64,{_cumulative_error_plot(one)}">',
        "<h2>Is the LSTM better than each baseline? (Diebold–Mariano, HLN-corrected)</h2>",
        table_html(_frame(dm_rows), "{:.3g}"),
        "<h2>Would it have made money?</h2>",
        f"<p>Long when the predicted return exceeds {trading.rule.threshold:.2%}, "
        f"cost {trading.rule.cost_bps:g} bps per trade, over {trading.n_days} sessions.</p>",
        table_html(
            _frame(
                {
                    "strategy": to_json(trading.strategy),
                    "buy_and_hold": to_json(trading.buy_and_hold),
                }
            ).T,
            "{:.3g}",
        ),
        "<h2>Prediction intervals</h2>",
        f"<p>{html.escape(summary.intervals.method)}; coverage should be near "
        f"{wf.interval:.0%}.</p>",
        table_html(coverage, "{:.3g}"),
        f"<p>Shown: {html.escape(_shown(summary.intervals))}, around the same one-step "
        "forecasts, in percent: coverage overall and in each third of realised volatility "
        "(20 sessions up to the forecast), mean width and Winkler score (lower is better).</p>",
        table_html(interval_frame(summary.intervals.methods), "{:.1f}"),
        f'<img alt="intervals" src="data:image/png;base64,{_interval_plot(one, wf.interval)}">',
    ]
    body = "\n".join(sections)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>stockpred backtest: {html.escape(wf.ticker)}</title>\n{STYLE.format()}</head><body>\n"
        f"{body}\n</body></html>\n"
    )
