"""The ``stockpred`` typer app: the model commands and the data commands under one name.

Commands import their heavy modules (torch, pandas, matplotlib) when they run, so
``stockpred --help`` answers quickly.
"""

from __future__ import annotations

from typing import Annotated

import typer

from stockpred import __version__
from stockpred.cli import data, ledger, model, tune

app = typer.Typer(
    name="stockpred",
    help="Forecast stock prices with an LSTM and see honestly whether it beats tomorrow = today.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain click help: wraps at 80 columns with help text the full width, no truncation.
    rich_markup_mode=None,
    context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"stockpred {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Forecast stock prices with an LSTM and see honestly whether it beats tomorrow = today."""


model.register(app)
data.register(app)
tune.register(app)
ledger.register(app)
