"""tuning.html: the search history, what each parameter mattered, and the test-span verdict."""

from __future__ import annotations

import html

import pandas as pd

from stockpred.report.html import HEAD, figure, png, table_html
from stockpred.tuning.study import TuneResult

PAGE = (
    HEAD
    + """<h2>Test span: tuned vs default vs naive (scored once, after the search)</h2>
{test}
<p>MAE ÷ naive below 1 is better than "tomorrow = today"; dm_p is the one-sided
Diebold–Mariano p-value that the LSTM beats naive (squared loss).</p>
<h2>Search history</h2>
<img alt="validation loss per trial" src="data:image/png;base64,{plot_history}">
<p>Validation loss = the LSTM's validation MSE ÷ the naive forecast's on the same sessions
(below 1 beats naive on validation). The test span was cut off before the search.</p>
<h2>Parameter importance</h2>
{importance}
<h2>Best configuration</h2>
{best}
<h2>Trials</h2>
{trials}
<h2>Search facts</h2>
<dl>{facts}</dl>
</body></html>
"""
)


def _history_plot(trials: pd.DataFrame) -> str:
    fig = figure(height=3.6)
    ax = fig.add_subplot()
    done = trials[trials["state"] == "complete"]
    pruned = trials[trials["state"] == "pruned"]
    ax.scatter(done["trial"], done["val_loss"], label="finished", color="#d62728", zorder=3)
    ax.scatter(pruned["trial"], pruned["val_loss"], label="pruned", color="#aaaaaa", marker="x")
    if len(done):
        best = done.set_index("trial")["val_loss"].cummin().reindex(trials["trial"]).ffill()
        ax.step(best.index, best.to_numpy(), where="post", label="best so far", color="#222222")
    ax.axhline(1.0, color="#1f77b4", linestyle="--", label="naive")
    ax.set_xlabel("trial")
    ax.set_ylabel("validation MSE ÷ naive")
    ax.legend()
    ax.grid(alpha=0.3)
    return png(fig)


def _importance_plot(importance: dict[str, float]) -> str:
    fig = figure(height=1.2 + 0.4 * len(importance), left=1.6)  # room for parameter names
    ax = fig.add_subplot()
    names = list(importance)[::-1]
    ax.barh(names, [importance[n] for n in names], color="#1f77b4")
    ax.set_xlabel("fANOVA importance (share of the loss's variance)")
    return png(fig)


def render_tuning_page(
    result: TuneResult, test: pd.DataFrame, importance: dict[str, float], facts: dict[str, str]
) -> str:
    """The whole page as a string (plots embedded, no file beside it)."""
    from stockpred.tuning.outputs import test_verdict, trials_table

    trials = trials_table(result)
    verdict, good = test_verdict(test)
    best = pd.DataFrame({"value": result.best.params}).rename_axis("field")
    importance_html = (
        f'<img alt="parameter importance" src="data:image/png;base64,{_importance_plot(importance)}">'
        if importance
        else "<p>Too few finished trials (or nothing varied) to estimate importance.</p>"
    )
    return PAGE.format(
        title=html.escape(f"stockpred tune: {', '.join(test['ticker'].unique())}"),
        verdict=html.escape(verdict),
        verdict_class="good" if good else "bad",
        test=table_html(test.set_index(["ticker", "model"])),
        plot_history=_history_plot(trials),
        importance=importance_html,
        best=table_html(best),
        trials=table_html(trials.set_index("trial")),
        facts="".join(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>"
            for k, v in {
                **facts,
                **{f"note {i + 1}": n for i, n in enumerate(result.notes)},
            }.items()
        ),
    )
