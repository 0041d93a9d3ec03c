"""index.html for a universe: one self-contained page (PNG plots inline, a few lines of JS)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stockpred.report.html import STYLE, figure, png
from stockpred.runs import REPORT
from stockpred.universe.book import MIN_VIEWS, QUANTILE, CrossSection, Placebo
from stockpred.universe.scores import LABELS, LOSS_WORDS

if TYPE_CHECKING:
    from stockpred.universe.result import UniverseResult, UniverseSummary

# Click a header: rows sort by that column (numbers as numbers, blanks last); again: reverse.
SORT_SCRIPT = """<script>
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.style.cursor = "pointer";
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var up = th.dataset.order !== "asc";
    th.dataset.order = up ? "asc" : "desc";
    var key = function (row) {
      var text = row.cells[col].textContent.trim();
      var num = parseFloat(text);
      return isNaN(num) ? text : num;
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      if (x === y) return 0;
      if (x === "–") return 1;
      if (y === "–") return -1;
      return (x < y ? -1 : 1) * (up ? 1 : -1);
    }).forEach(function (row) { body.appendChild(row); });
  });
});
</script>"""

COLUMNS = (
    "ticker",
    "model",
    "n_test",
    "mae",
    "mase",
    "directional_accuracy",
    "moved_share",
    "mae_vs_naive",
    "dm_p",
    "dm_q",
)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def leaderboard_table(board: pd.DataFrame, reports: set[str]) -> str:
    """The leaderboard as a sortable table; each ticker links to its report.html if any."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    rows = []
    for record in board.to_dict("records"):
        ticker = str(record["ticker"])
        cells = [_cell(record[c]) for c in COLUMNS]
        if ticker in reports:
            cells[0] = f'<a href="{html.escape(ticker)}/{REPORT}">{html.escape(ticker)}</a>'
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        f'<table class="table sortable" id="leaderboard"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _ratio_plot(board: pd.DataFrame) -> str:
    """MAE ÷ naive per ticker for each model, with the line at 1 (below it beats naive)."""
    fig = figure(height=3.6)
    ax = fig.add_subplot()
    models = sorted(set(board["model"]) - {"naive"})
    rng = np.random.default_rng(0)  # jitter only spreads the dots sideways
    for i, model in enumerate(models):
        ratios = board.loc[board["model"] == model, "mae_vs_naive"].to_numpy(float)
        ax.scatter(i + rng.uniform(-0.2, 0.2, len(ratios)), ratios, s=12, alpha=0.7)
        ax.hlines(np.median(ratios), i - 0.3, i + 0.3, color="black")
    ax.axhline(1.0, color="#d62728", linestyle="--", label="naive (MAE ÷ naive = 1)")
    ax.set_xticks(range(len(models)), models)
    ax.set_yscale("log")
    ax.set_ylabel("test MAE ÷ naive MAE (log)")
    ax.set_title("Each dot a ticker; black bar the median")
    ax.legend()
    ax.grid(alpha=0.3)
    return png(fig)


def _series_plot(series: dict[str, pd.DataFrame], learned: list[str]) -> tuple[str, str]:
    """Rank-IC over time (20-day mean); each long/short book before and after costs, with the
    band its shuffled-forecast placebo spans (5–95 %), beside equal weight."""
    ic_fig, book_fig = figure(height=3.2), figure(height=3.6)
    ic_ax, book_ax = ic_fig.add_subplot(), book_fig.add_subplot()
    for model in learned:
        frame = series.get(model)
        if frame is None or frame.empty:
            continue
        ic_ax.plot(frame.index, frame["rank_ic"].rolling(20, min_periods=5).mean(), label=model)
        (line,) = book_ax.plot(frame.index, (1 + frame["gross"]).cumprod(), label=model)
        colour = line.get_color()
        book_ax.plot(frame.index, (1 + frame["long_short"]).cumprod(), color=colour, ls="--")
        book_ax.fill_between(
            frame.index, frame["placebo_p05"], frame["placebo_p95"], color=colour, alpha=0.15
        )
    first = next((m for m in learned if m in series and not series[m].empty), None)
    if first is not None:
        growth = (1 + series[first]["equal_weight"]).cumprod()
        book_ax.plot(growth.index, growth, label=f"equal weight ({first}'s dates)", color="black")
    ic_ax.axhline(0.0, color="grey")
    ic_ax.set_title("Daily cross-sectional rank IC, 20-session mean")
    book_ax.set_title(
        "Long top / short bottom 20 % by predicted return: before costs (solid), net (dashed);\n"
        "shaded: the same book on forecasts shuffled across tickers, 5–95 %",
        fontsize="medium",
    )
    book_ax.set_ylabel("growth of 1")
    for ax in (ic_ax, book_ax):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    return png(ic_fig), png(book_fig)


def _failed_table(failed: dict[str, str]) -> str:
    if not failed:
        return "<p>No ticker failed.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(t)}</td><td style='text-align:left'>{html.escape(e)}</td></tr>"
        for t, e in sorted(failed.items())
    )
    return f'<table class="table" id="failed"><tr><th>ticker</th><th>error</th></tr>{rows}</table>'


def _placebo_range(placebo: Placebo) -> str:
    return f"{_cell(placebo.p05)} to {_cell(placebo.p95)}"


def _cross_section_table(sections: dict[str, CrossSection]) -> str:
    rows = []
    for model, s in sections.items():
        ls, ew, pl = s.long_short, s.equal_weight, s.placebo
        cells = [
            model,
            f"{s.dates_traded} of {s.dates_in_span}",
            s.dates,
            s.rank_ic_mean,
            s.rank_ic_t,
            s.rank_ic_share_positive,
            ls.cumulative_return,
            ls.sharpe,
            ls.max_drawdown,
            pl.gross_cumulative_return,
            _placebo_range(pl) if s.dates_traded else None,
            ew.cumulative_return,
            ew.sharpe,
            ew.max_drawdown,
        ]
        rows.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    head = (
        "<tr><th>model</th><th>dates traded</th><th>IC dates</th><th>rank IC mean</th><th>t</th>"
        "<th>share &gt; 0</th><th>L/S return</th><th>L/S Sharpe</th><th>L/S drawdown</th>"
        "<th>L/S before costs</th><th>placebo 5–95 %</th>"
        "<th>EW return</th><th>EW Sharpe</th><th>EW drawdown</th></tr>"
    )
    return f'<table class="table" id="cross-section">{head}{"".join(rows)}</table>'


# Where `stockpred scorecard --out OUT/scorecard` puts the forecast ledger's page for a universe.
SCORECARD = "scorecard/scorecard.html"


def _scorecard_link(out: Path) -> str:
    """A link to the ledger's scorecard beside this page, when one was written there."""
    if not (out / SCORECARD).is_file():
        return ""
    return (
        f'<p>Live forecasts, scored once the future arrived: <a href="{SCORECARD}">the '
        "forecast ledger's scorecard</a> (the backtest below is the promise they are held to).</p>\n"
    )


def render_index(result: UniverseResult) -> str:
    """The universe's page: counts, honest sentences, leaderboard, plots, failures."""
    summary = result.summary
    counts = summary.tickers
    learned = [m for m in LABELS if m in summary.models]
    reports = {t for t in result.outcomes if (result.out / t / REPORT).is_file()}
    ratio = _ratio_plot(result.board) if not result.board.empty else None
    ic_png, book_png = _series_plot(result.series, learned)
    sentences = "".join(f'<p class="verdict bad">{html.escape(s)}</p>' for s in summary.sentences)
    images = "".join(
        f'<img alt="{alt}" src="data:image/png;base64,{data}">'
        for alt, data in (("MAE ÷ naive", ratio), ("rank IC", ic_png), ("portfolio", book_png))
        if data
    )
    body = f"""<h1>stockpred universe: {counts.done} of {counts.asked} tickers</h1>
<p>{counts.done} done ({counts.resumed} reused from an earlier run), {counts.failed} failed.</p>
{_scorecard_link(result.out)}{sentences}
<h2>Cross-section</h2>
<p>{_CROSS_SECTION_NOTE.format(views=MIN_VIEWS, leg=f"{QUANTILE:.0%}", cost=_cell(_cost(summary)))}</p>
{_cross_section_table(summary.cross_section)}
{images}
<h2>Leaderboard (click a header to sort)</h2>
<p>dm_p: one-sided Diebold–Mariano p-value that the model beats naive under
{LOSS_WORDS[summary.loss]} (the verdict's loss, --loss {summary.loss});
dm_q: Benjamini–Hochberg adjusted across this universe's tickers, per model.</p>
{leaderboard_table(result.board, reports)}
<h2>Failed tickers</h2>
{_failed_table(result.failed)}"""
    style = STYLE.replace("{{", "{").replace("}}", "}")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>stockpred universe</title>{style}</head><body>{body}{SORT_SCRIPT}</body></html>\n"
    )


_CROSS_SECTION_NOTE = (
    "A model's view on a ticker is a forecast other than no change (a shut gate has none). "
    "On each date with at least {views} views, the book goes long the top {leg} and short "
    "the bottom {leg} of them (tied forecasts share a rank), and the rank IC correlates them "
    "with what happened; other dates are not traded. Costs: {cost} bps a unit of turnover. "
    "Placebo: the same book, before costs, on the model's forecasts shuffled across tickers "
    "within each date (the 5–95 % range of its return over the draws): a book inside it did "
    "no better than luck. Equal weight holds the same tickers on the dates the book trades."
)


def _cost(summary: UniverseSummary) -> float | None:
    for section in summary.cross_section.values():
        return float(section.cost_bps)
    return None
