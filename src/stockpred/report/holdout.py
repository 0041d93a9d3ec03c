"""report.html: one self-contained page (plots embedded as PNG) a person can read offline."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from stockpred.evaluation.intervals import IntervalComparison, interval_frame, shown_intervals
from stockpred.models.base import LSTM
from stockpred.report.html import COLOURS, HEAD, figure, png, table_html

if TYPE_CHECKING:
    from stockpred.evaluation.metrics import Evaluation
    from stockpred.training.loop import TrainResult

ZOOM_SESSIONS = 100
FORECAST_CONTEXT = 120


@dataclass
class ReportInputs:
    """Everything the page shows; built by the CLI from the API's results."""

    title: str
    evaluation: Evaluation
    forecast: pd.DataFrame
    history: pd.Series  # the modelled price, indexed by date
    train: TrainResult
    facts: dict[str, object] = field(default_factory=dict)  # label → value, shown with str()
    notes: list[str] = field(default_factory=list)


def _test_span_plot(predictions: pd.DataFrame, title: str) -> str:
    fig = figure()
    ax = fig.add_subplot()
    for name, width in (("actual", 1.6), ("naive", 1.0), (LSTM, 1.0)):
        ax.plot(
            predictions.index, predictions[name], label=name, color=COLOURS[name], linewidth=width
        )
    ax.set_title(title)
    ax.set_ylabel("price")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


def _training_plot(train: TrainResult) -> str:
    fig = figure(height=3.2)
    ax = fig.add_subplot()
    epochs = [e.epoch for e in train.history]
    ax.plot(epochs, [e.train_loss for e in train.history], label="train", marker="o")
    ax.plot(epochs, [e.val_loss for e in train.history], label="validation", marker="o")
    ax.axvline(
        train.best_epoch, color="grey", linestyle="--", label=f"best epoch {train.best_epoch}"
    )
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (scaled target)")
    ax.set_title("Training curves")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


def _forecast_plot(history: pd.Series, forecast: pd.DataFrame) -> str:
    fig = figure()
    ax = fig.add_subplot()
    recent = history.iloc[-FORECAST_CONTEXT:]
    ax.plot(recent.index, recent.values, color=COLOURS["actual"], label="history")
    ax.plot(
        forecast.index,
        forecast["forecast"],
        color=COLOURS["forecast"],
        marker="o",
        label="forecast",
    )
    ax.fill_between(
        forecast.index,
        forecast["lower"],
        forecast["upper"],
        color=COLOURS["forecast"],
        alpha=0.2,
        label="interval",
    )
    ax.set_title(f"Next {len(forecast)} trading sessions")
    ax.set_ylabel("price")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return png(fig)


PAGE = (
    HEAD
    + """<p class="verdict {lag_class}">{lag}</p>
<p class="verdict">Validation gate: {gate}.</p>
<h2>Test span: one-step forecasts</h2>
{metrics}
<p>MAPE in percent; MASE is MAE over the in-sample naive MAE of the training span;
directional accuracy is the share of right signs over the sessions where the forecast moved
from the previous price (and the price moved): a forecast of no move is neither a hit nor a
miss, so a shut gate has none, like the naive forecast; moved is the share of sessions where
the forecast moved.</p>
{img_test}
{img_zoom}
<h2>Prediction intervals on the test span</h2>
{intervals}
{interval_words}
<h2>Forecast</h2>
{img_forecast}
{forecast}
{training}
<h2>Run facts</h2>
<dl>{facts}</dl>
{notes}
</body></html>
"""
)


def _interval_words(intervals: IntervalComparison) -> str:
    """What the interval table holds and how each of its methods is built, as a paragraph."""
    from stockpred.models.intervals import METHODS

    shown = shown_intervals(
        intervals.default, intervals.compared, "compare_intervals (--compare-intervals)"
    )
    each = "; ".join(f"{m} = {METHODS[m].description}" for m in intervals.methods)
    return (
        f"<p>Shown: {html.escape(shown)}. Each interval surrounds the same "
        f"forecasts: {html.escape(each)}. Thirds sort the test days by the realised volatility "
        "of the 20 sessions up to each forecast. Winkler score: width plus 2/(1 − level) times "
        "any miss, in percent of the price (lower is better).</p>"
    )


def _img(alt: str, data: str | None) -> str:
    return (
        "" if data is None else f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
    )


def render_report(inputs: ReportInputs, *, light: bool = False) -> str:
    """The whole HTML page as a string.

    ``light`` keeps one figure (the last test sessions) of the four: a universe draws
    hundreds of pages and the full set costs more than a ticker's training.
    """
    ev = inputs.evaluation
    preds = ev.predictions
    lstm_wins = LSTM in ev.table.index and ev.beats_naive()
    facts = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in inputs.facts.items()
    )
    notes = ""
    if inputs.notes:
        notes = (
            "<h2>Warnings and data cleaning</h2><ul>"
            + "".join(f"<li>{html.escape(n)}</li>" for n in inputs.notes)
            + "</ul>"
        )
    return PAGE.format(
        title=html.escape(inputs.title),
        verdict=html.escape(ev.verdict()),
        verdict_class="good" if lstm_wins else "bad",
        lag=html.escape(ev.lag.sentence) if ev.lag else "",
        lag_class="bad" if ev.lag and ev.lag.tracks_yesterday else "good",
        gate=html.escape(ev.gate.sentence()) if ev.gate else "none",
        metrics=table_html(ev.table),
        intervals=table_html(interval_frame(ev.intervals.methods), "{:.1f}")
        if ev.intervals
        else "",
        interval_words=_interval_words(ev.intervals) if ev.intervals else "",
        img_test=_img(
            "actual vs forecasts over the test span",
            None
            if light
            else _test_span_plot(preds, f"{ev.ticker}: test span {ev.test_start} to {ev.test_end}"),
        ),
        img_zoom=_img(
            f"last {ZOOM_SESSIONS} sessions",
            _test_span_plot(preds.iloc[-ZOOM_SESSIONS:], f"Last {ZOOM_SESSIONS} test sessions"),
        ),
        img_forecast=_img(
            "forecast", None if light else _forecast_plot(inputs.history, inputs.forecast)
        ),
        forecast=table_html(inputs.forecast.rename(index=lambda d: d.date()), "{:.2f}"),
        training=""
        if light
        else "<h2>Training</h2>" + _img("training curves", _training_plot(inputs.train)),
        facts=facts,
        notes=notes,
    )
