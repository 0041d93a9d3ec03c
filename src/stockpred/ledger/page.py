"""scorecard.html: the live record beside the promise, and coverage and error over time."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from stockpred.report.html import COLOURS, HEAD, figure, png, table_html

# Sessions in the rolling figures: about a month, so a drift shows within weeks.
ROLLING = 21
# The columns the page shows, by the names it shows them under (the CSV has them all).
SHOWN = {
    "ticker": "ticker",
    "model_id": "model",
    "models": "models",
    "n": "n",
    "mae_vs_naive": "MAE ÷ naive",
    "promise_mae_vs_naive": "promised",
    "dm_p": "DM p",
    "dm_q": "DM q",
    "coverage": "coverage",
    "promise_coverage": "promised",
    "coverage_q": "coverage q",
    "winkler_pct": "Winkler %",
}


def scorecard_page(table: pd.DataFrame, scored: pd.DataFrame) -> str:
    """The whole page: the verdict line, any flags, the one-step tables and a figure a ticker
    (and one pooled) of rolling coverage and rolling MAE ÷ naive, by target session."""
    flags = [f for f in table["flag"] if f]
    pooled = table[(table["scope"] == "pooled") & (table["step"] == 1)]
    verdict = _verdict(pooled)
    parts = [
        HEAD.format(
            title="stockpred scorecard",
            verdict_class="bad" if flags else "good",
            verdict=html.escape(verdict),
        ),
        "<h2>Where the live record contradicts the promise</h2>",
        "<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in flags) + "</ul>"
        if flags
        else "<p>Nowhere beyond chance (binomial test on coverage, DM on error; BH across "
        "tickers).</p>",
        "<h2>One session ahead, per ticker</h2>",
        "<p>A row whose model_id is * pools the forecasts of several models (column "
        "<em>models</em>); the per-model rows are in scorecard.csv.</p>",
        table_html(_one_step(table, "ticker"), "{:.3g}"),
        "<h2>All steps, pooled over tickers</h2>",
        table_html(_shown(table[table["scope"] == "pooled"]).set_index("step"), "{:.3g}"),
        "<h2>Over time</h2>",
        _figure(scored, "all tickers"),
        *(_figure(group, str(t)) for t, group in scored.groupby("ticker")),
        "</body></html>",
    ]
    return "\n".join(parts)


def _verdict(pooled: pd.DataFrame) -> str:
    """The pooled one-step record in a sentence."""
    if pooled.empty:
        return "No forecast has a price for its target session yet."
    row = pooled.iloc[0]
    return (
        f"{int(row['n'])} one-step forecasts scored: MAE {row['mae_vs_naive']:.3f}× the naive "
        f"forecast's (DM p = {row['dm_p']:.2g}), {row['coverage']:.0%} of "
        f"{row['level']:.0%} intervals covered, from {int(row['models'])} model(s)."
    )


def _one_step(table: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The one-step rows of a scope, indexed by ticker."""
    rows = table[(table["scope"] == scope) & (table["step"] == 1)]
    return _shown(rows).drop(columns="step").set_index("ticker")


def _shown(rows: pd.DataFrame) -> pd.DataFrame:
    """The page's columns of ``rows`` (and the step), renamed for the page."""
    return rows[["step", *SHOWN]].rename(columns=SHOWN)


def _figure(scored: pd.DataFrame, title: str) -> str:
    """Rolling one-step coverage and MAE ÷ naive of ``scored``'s forecasts, as an <img>."""
    one = scored[scored["step"] == 1].sort_values("target_date")
    if one.empty:
        return ""
    by_day = (
        one.assign(
            covered=((one["lower"] <= one["actual"]) & (one["actual"] <= one["upper"])).astype(
                float
            ),
            error=(one["point"] - one["actual"]).abs(),
            naive=(one["last_price"] - one["actual"]).abs(),
        )
        .groupby("target_date")[["covered", "error", "naive"]]
        .mean()
    )
    rolling = by_day.rolling(ROLLING, min_periods=1).mean()
    fig = figure(10, 3.2)
    left, right = fig.subplots(1, 2)
    left.plot(rolling.index, 100 * rolling["covered"], color=COLOURS["forecast"])
    left.axhline(100 * float(one["level"].iloc[0]), color=COLOURS["naive"], linestyle="--")
    left.set_ylabel(f"coverage %, {ROLLING}-session mean")
    ratio = rolling["error"] / rolling["naive"].replace(0.0, np.nan)
    right.plot(rolling.index, ratio, color=COLOURS["forecast"])
    right.axhline(1.0, color=COLOURS["naive"], linestyle="--")
    right.set_ylabel("MAE ÷ naive")
    for axis in (left, right):
        axis.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.suptitle(title)
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{png(fig)}">'
