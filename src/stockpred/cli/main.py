"""Console entry point: a StockpredError is one line on stderr and exit code 1, not a traceback.

A :class:`~stockpred.exceptions.StockpredError` is a user mistake or an outside failure;
anything else is a bug and keeps its traceback. The library names its parameters the way the
Python API spells them (``max_gap=``, ``start=2020-01-01``, ``start: 'x' is not a date``);
:func:`~stockpred.cli.show.in_option_words` turns them into the options the user typed
(``--max-gap``, ``--start 2020-01-01``, ``--start: 'x' ...``), reading the flags from the
commands themselves.
"""

from __future__ import annotations

import sys
import warnings

from stockpred.cli.app import app
from stockpred.exceptions import StockpredError, StockpredWarning


def _show_warning(message: Warning | str, *_args: object, **_kwargs: object) -> None:
    """Python's two-line warning text (file:line: Category: message, then the source line)
    becomes the one line the README promises."""
    from stockpred.cli.show import warn_line

    warn_line(str(message))


def main() -> None:
    """Run the app; user errors become one line, not a traceback; warnings one line too."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", StockpredWarning)
        warnings.showwarning = _show_warning
        try:
            app()
        except StockpredError as exc:
            from rich.console import Console

            from stockpred.cli.show import in_option_words

            Console(stderr=True, highlight=False).print(
                f"[red]error:[/] {in_option_words(str(exc))}", soft_wrap=True
            )
            sys.exit(1)


if __name__ == "__main__":
    main()
