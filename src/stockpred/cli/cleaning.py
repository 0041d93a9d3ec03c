"""The cleaning options a price file takes, shared by the commands that read files
(``run``, ``train``, ``backtest``, ``tune`` and ``data import``), which say the same thing."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

import typer

MaxFilled = Annotated[
    float,
    typer.Option(
        "--max-filled",
        min=0.0,
        max=100.0,
        help="Most sessions cleaning may forward-fill, in percent of the history.",
    ),
]
DateFormat = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="Layout of the file's dates where it cannot be told: %d/%m/%Y, %m/%d/%Y, epoch, ...",
    ),
]
Duplicates = Annotated[
    Literal["first", "last"] | None,
    typer.Option(
        "--duplicates",
        help="For a date the file gives twice with different prices, keep its first or last "
        "row (default: refuse; identical repeats are always dropped).",
        show_default=False,
    ),
]
Start = Annotated[str | None, typer.Option(help="Ignore prices before this date.")]
End = Annotated[str | None, typer.Option(help="Ignore prices after this date.")]


class FileCleaning(TypedDict):
    """The loading options these flags stand for, by LoadOptions' names (it validates them)."""

    max_filled: float
    date_format: str | None
    duplicates: str | None
    start: str | None
    end: str | None


def file_cleaning(
    max_filled: float,
    date_format: str | None,
    duplicates: str | None,
    start: str | None,
    end: str | None,
) -> FileCleaning:
    """The keywords of ``load_prices`` these options stand for; ``max_filled`` is given in
    percent and kept as a share."""
    return FileCleaning(
        max_filled=max_filled / 100.0,
        date_format=date_format,
        duplicates=duplicates,
        start=start,
        end=end,
    )
