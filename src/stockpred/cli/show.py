"""What the commands print: data notes, metric tables, verdicts and forecasts (rich).

rich and the models (numpy) are imported when something is printed, not for ``--help``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from stockpred.cli.words import in_option_words

if TYPE_CHECKING:
    import typer
    from rich.console import Console

    from stockpred.data.history import PriceHistory
    from stockpred.evaluation.intervals import MethodScores
    from stockpred.evaluation.metrics import Evaluation
    from stockpred.evaluation.summary import BacktestSummary


def make_console(as_json: bool = False) -> Console:
    """Human output, on stderr when stdout is reserved for JSON. Markup is off: a ticker, a
    path or a library message is printed as it is, brackets and all (``stockpred[ray]``,
    ``arch[old]/prices.csv``); our own colours are given as styles, never in the text."""
    from rich.console import Console

    return Console(stderr=as_json, highlight=False, markup=False)


def show_progress(quiet: bool, as_json: bool) -> bool:
    """Progress bars only where someone watches them: on a terminal (piped, each bar left a
    blank line), not with --quiet, not while stdout carries JSON."""
    return not quiet and not as_json and make_console(True).is_terminal


def refuse(message: str) -> None:
    """A usage mistake: one line on stderr, exit code 2 (click's own mistakes end so too)."""
    import typer

    stderr_line("error:", "red", message)
    raise typer.Exit(2)


def say_data(console: Console, history: PriceHistory) -> None:
    from rich.text import Text

    console.print(
        Text.assemble(
            (history.ticker, "bold"),
            f": {len(history)} sessions {history.dates[0].date()} to "
            f"{history.dates[-1].date()} from {history.path or history.source}; modelling ",
            (history.price_column, "bold"),
        )
    )
    for note in history.cleaning.messages() if history.cleaning else []:
        console.print(f"  cleaning: {note}")


def metrics_table(evaluation: Evaluation) -> Any:
    from stockpred.models.base import LSTM

    rows = [
        (
            [str(name)] + [f"{v:.4g}" if v == v and v is not None else "–" for v in row.to_numpy()],
            "bold" if name == LSTM else None,
        )
        for name, row in evaluation.table.iterrows()
    ]
    title = (
        f"{evaluation.ticker}: one-step forecasts, {evaluation.test_start} to "
        f"{evaluation.test_end} ({len(evaluation.predictions)} sessions)"
    )
    return NumberTable(title, ["model", *METRICS], rows)


METRICS = ("MSE", "RMSE", "MAE", "MAPE %", "MASE", "dir. acc.", "moved")


def pooled_table(summary: BacktestSummary) -> Any:
    from stockpred.models.base import LSTM

    rows = []
    for name, row in summary.models.items():
        cells = ["–" if v is None else f"{v:.4g}" for v in row.values()]
        dm = summary.diebold_mariano.get(name)
        p = f"{dm[0].pooled.under(summary.dm_loss).p_better:.3g}" if dm else ""
        rows.append(([name, *cells, p], "bold" if name == LSTM else None))
    first, last = summary.first_test_date, summary.last_test_date
    title = (
        f"{summary.ticker}: one-step forecasts over {len(summary.folds)} folds, {first} to {last}"
    )
    dm_column = f"DM p vs LSTM ({summary.loss.upper()})"
    return NumberTable(title, ["model", *METRICS, dm_column], rows)


def interval_table(
    methods: Mapping[str, MethodScores], level: float, default: str, compared: bool
) -> Any:
    """The fitted interval methods on the same test days (the forecast's beside constant, or
    every one when compared): coverage by volatility third, width, Winkler."""
    from stockpred.evaluation.intervals import interval_frame, shown_intervals

    frame = interval_frame(methods)
    title = (
        f"{level:.0%} intervals on the same test days (thirds of 20-session realised "
        f"volatility): {shown_intervals(default, compared, '--compare-intervals')}"
    )
    rows = [
        ([str(name), *("–" if v != v else f"{v:.1f}" for v in row)], None)
        for name, row in frame.iterrows()
    ]
    return NumberTable(title, ["interval", *frame.columns], rows)


def say_verdict(
    console: Console, evaluation: Evaluation, notes: list[str], ctx: typer.Context
) -> None:
    """The verdict and what backs it; the library's notes in the words of ``ctx``'s options."""
    console.print(evaluation.verdict(), style="green" if evaluation.beats_naive() else "red")
    if evaluation.gate is not None:
        console.print(f"Validation gate: {evaluation.gate.sentence()}.")
    if evaluation.intervals is not None:
        iv = evaluation.intervals
        console.print(interval_table(iv.methods, iv.level, iv.default, iv.compared))
    if evaluation.lag is not None:
        console.print(evaluation.lag.sentence)
    for note in notes:
        warn_line(in_option_words(note, ctx.find_root().command))


def warn_line(message: str) -> None:
    """A warning as docs/errors.md promises it: one line on stderr, ``warning: …``."""
    stderr_line("warning:", "yellow", message)


def stderr_line(label: str, style: str, message: str) -> None:
    """``label message`` on stderr, unwrapped, the label in ``style`` and the message as it is."""
    make_console(True).print(labelled(label, style, message), soft_wrap=True)


def labelled(label: str, style: str, message: str) -> Any:
    """``label message`` with only the label styled: the message is never read as markup."""
    from rich.text import Text

    return Text.assemble((label, style), " ", message)


def forecast_table(forecast: Any, title: str) -> Any:
    rows = [
        (
            [str(date.date()), *(f"{row[c]:.2f}" for c in ("forecast", "lower", "upper"))],
            None,
        )
        for date, row in forecast.iterrows()
    ]
    return NumberTable(title, ["date", "forecast", "lower", "upper"], rows, names=0)


class NumberTable:
    """A rich table of named rows of numbers that never cuts a number, whatever the width.

    Each number column is as wide as its widest number; its header wraps at spaces, and
    long names fold, where the width asks for it. Where the borders would leave no room
    for the numbers they are dropped, and where even that is not enough a number folds
    onto a second line rather than end in "…" (which read 4.79e-158 as 0.479).
    """

    NAME_ROOM = 12  # a name column gets up to this much room before the borders go

    def __init__(
        self,
        title: str,
        headers: Sequence[str],
        rows: Sequence[tuple[list[str], str | None]],
        names: int = 1,
    ) -> None:
        self.title, self.headers, self.rows, self.names = title, headers, rows, names

    def __rich_console__(self, console: Console, options: Any) -> Any:
        """The roomiest layout that fits: borders and whole headers if they fit, else less."""
        count = len(self.headers)
        name_room = sum(
            min(self.NAME_ROOM, max(len(cells[i]) for cells, _ in self.rows) if self.rows else 0)
            for i in range(self.names)
        )
        layouts = [(True, True), (True, False), (False, True), (False, False)]
        for boxed, whole in layouts:
            widths = self._widths(whole)
            chrome = 3 * count + 1 if boxed else count - 1
            if sum(widths) + name_room + chrome <= options.max_width:
                yield self._table(widths, boxed)
                return
        # Too many columns even without borders: the columns in parts, as pandas prints a
        # wide frame, so that a number still never folds.
        for part in self._parts(widths, options.max_width - name_room - self.names):
            yield self._part(part, widths)

    def _parts(self, widths: list[int], room: int) -> list[list[int]]:
        """Consecutive number columns grouped so that each group fits in ``room``."""
        parts: list[list[int]] = [[]]
        used = 0
        for i, width in enumerate(widths):
            if parts[-1] and used + width + 1 > room:
                parts.append([])
                used = 0
            parts[-1].append(i)
            used += width + 1
        return parts

    def _part(self, columns: list[int], widths: list[int]) -> Any:
        """The name columns and ``columns`` of the numbers, without borders."""
        keep = [*range(self.names), *(self.names + i for i in columns)]
        rows = [([cells[i] for i in keep], style) for cells, style in self.rows]
        part = NumberTable(self.title, [self.headers[i] for i in keep], rows, self.names)
        return part._table([widths[i] for i in columns], boxed=False)

    def _widths(self, whole_headers: bool) -> list[int]:
        """Each number column's width: its widest number, and its header whole or its
        header's longest word."""
        out = []
        for i, header in enumerate(self.headers[self.names :], self.names):
            words = [header] if whole_headers else header.split()
            out.append(max([len(cells[i]) for cells, _ in self.rows] + [len(w) for w in words]))
        return out

    def _table(self, widths: list[int], boxed: bool) -> Any:
        from rich.table import Table

        table = Table(title=self.title)
        if not boxed:
            table.box, table.show_edge, table.pad_edge = None, False, False
            table.collapse_padding = True
        for header in self.headers[: self.names]:
            table.add_column(header, overflow="fold")
        for header, width in zip(self.headers[self.names :], widths, strict=True):
            table.add_column(header, justify="right", width=width, overflow="fold")
        for cells, style in self.rows:
            table.add_row(*cells, style=style)
        return table
