"""What the commands print: data notes, metric tables, verdicts and forecasts (rich).

rich and the models (numpy) are imported when something is printed, not for ``--help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stockpred.cli.words import in_option_words

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from stockpred.data.history import PriceHistory
    from stockpred.evaluation.metrics import Evaluation
    from stockpred.evaluation.summary import BacktestSummary


def make_console(as_json: bool) -> Console:
    """Human output goes to stderr when stdout is reserved for JSON."""
    from rich.console import Console

    return Console(stderr=as_json, highlight=False)


def say_data(console: Console, history: PriceHistory) -> None:
    console.print(
        f"[bold]{history.ticker}[/]: {len(history)} sessions {history.dates[0].date()} to "
        f"{history.dates[-1].date()} from {history.path or history.source}; modelling [bold]{history.price_column}[/]"
    )
    for note in history.cleaning.messages() if history.cleaning else []:
        console.print(f"  cleaning: {note}")


def metrics_table(evaluation: Evaluation) -> Any:
    from rich.table import Table

    from stockpred.models.base import LSTM

    table = Table(
        title=f"{evaluation.ticker}: one-step forecasts, {evaluation.test_start} to {evaluation.test_end} ({len(evaluation.predictions)} sessions)"
    )
    table.add_column("model")
    for col in ("MSE", "RMSE", "MAE", "MAPE %", "MASE", "dir. acc."):
        table.add_column(col, justify="right")
    for name, row in evaluation.table.iterrows():
        cells = [
            f"{row[m]:.4g}" if row[m] == row[m] and row[m] is not None else "–" for m in row.index
        ]
        table.add_row(str(name), *cells, style="bold" if name == LSTM else None)
    return table


def pooled_table(summary: BacktestSummary) -> Any:
    from rich.table import Table

    from stockpred.models.base import LSTM

    first, last = summary.first_test_date, summary.last_test_date
    table = Table(
        title=f"{summary.ticker}: one-step forecasts over {len(summary.folds)} folds, {first} to {last}"
    )
    table.add_column("model")
    dm_column = f"DM p vs LSTM ({summary.loss.upper()})"
    for col in ("MSE", "RMSE", "MAE", "MAPE %", "MASE", "dir. acc.", dm_column):
        table.add_column(col, justify="right")
    for name, row in summary.models.items():
        cells = ["–" if v is None else f"{v:.4g}" for v in row.values()]
        dm = summary.diebold_mariano.get(name)
        p = f"{dm[0]['pooled'][summary.dm_loss]['p_better']:.3g}" if dm else ""
        table.add_row(name, *cells, p, style="bold" if name == LSTM else None)
    return table


def interval_table(methods: dict[str, Any], level: float, default: str) -> Any:
    """Every interval method on the same test days: coverage by volatility third, width, Winkler."""
    from rich.table import Table

    from stockpred.evaluation.intervals import interval_frame

    frame = interval_frame(methods)
    table = Table(
        title=f"{level:.0%} intervals on the same test days "
        f"(thirds of 20-session realised volatility; the forecast's: {default})"
    )
    table.add_column("interval", no_wrap=True)
    for col in frame.columns:
        table.add_column(col, justify="right")
    for name, row in frame.iterrows():
        table.add_row(str(name), *("–" if v != v else f"{v:.1f}" for v in row))
    return table


def say_verdict(
    console: Console, evaluation: Evaluation, notes: list[str], ctx: typer.Context
) -> None:
    """The verdict and what backs it; the library's notes in the words of ``ctx``'s options."""
    colour = "green" if evaluation.beats_naive() else "red"
    console.print(f"[{colour}]{evaluation.verdict()}[/]")
    if evaluation.gate is not None:
        console.print(f"Validation gate: {evaluation.gate.sentence()}.")
    if evaluation.intervals is not None:
        iv = evaluation.intervals
        console.print(interval_table(iv["methods"], iv["level"], iv["default"]))
    if evaluation.lag is not None:
        console.print(evaluation.lag["sentence"])
    for note in notes:
        warn_line(in_option_words(note, ctx.find_root().command))


def warn_line(message: str) -> None:
    """A warning as docs/errors.md promises it: one line on stderr, ``warning: …``."""
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[yellow]warning:[/] {message}", soft_wrap=True)


def forecast_table(forecast: Any, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for col in ("date", "forecast", "lower", "upper"):
        table.add_column(col, justify="right")
    for date, row in forecast.iterrows():
        table.add_row(
            str(date.date()), f"{row['forecast']:.2f}", f"{row['lower']:.2f}", f"{row['upper']:.2f}"
        )
    return table
