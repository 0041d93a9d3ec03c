"""Console entry point: a StockpredError is one line on stderr and exit code 1, not a traceback.

A :class:`~stockpred.exceptions.StockpredError` is a user mistake or an outside failure;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

from stockpred.cli.app import app
from stockpred.exceptions import StockpredError


def main() -> None:
    """Run the app; user errors become one line, not a traceback."""
    try:
        app()
    except StockpredError as exc:
        from rich.console import Console

        Console(stderr=True, highlight=False).print(f"[red]error:[/] {exc}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
