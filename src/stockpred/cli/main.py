"""Console entry point: a StockpredError is one line on stderr and exit code 1, not a traceback.

A :class:`~stockpred.exceptions.StockpredError` is a user mistake or an outside failure;
anything else is a bug and keeps its traceback. Errors and warnings come from the library in
the API's words; :func:`in_option_words` gives them in the options the user typed.
"""

from __future__ import annotations

import functools
import sys
import warnings

from stockpred.cli import words
from stockpred.cli.app import app
from stockpred.exceptions import StockpredError, StockpredWarning


@functools.cache
def _app_command() -> object:
    import typer

    return typer.main.get_command(app)


def in_option_words(message: str) -> str:
    """A library message with the API's parameter names given as the CLI's option names."""
    return words.in_option_words(message, _app_command())


def _show_warning(message: Warning | str, *_args: object, **_kwargs: object) -> None:
    """Python's two-line warning text (file:line: Category: message, then the source line)
    becomes the one line the docs promise (docs/errors.md)."""
    from stockpred.cli.show import warn_line

    warn_line(in_option_words(str(message)))


def main() -> None:
    """Run the app; user errors become one line, not a traceback; warnings one line too."""
    with warnings.catch_warnings():
        warnings.simplefilter("default", StockpredWarning)
        warnings.showwarning = _show_warning
        try:
            app()
        except StockpredError as exc:
            from stockpred.cli.show import stderr_line

            stderr_line("error:", "red", in_option_words(str(exc)))
            sys.exit(1)


if __name__ == "__main__":
    main()
