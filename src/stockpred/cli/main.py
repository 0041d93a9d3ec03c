"""Console entry point: a StockpredError is one line on stderr and exit code 1, not a traceback.

A :class:`~stockpred.exceptions.StockpredError` is a user mistake or an outside failure;
anything else is a bug and keeps its traceback. The library names its parameters the way the
Python API spells them (``max_gap=``, ``start=2020-01-01``, ``start: 'x' is not a date``);
:func:`in_option_words` turns them into the options the user typed
(``--max-gap``, ``--start 2020-01-01``, ``--start: 'x' ...``), reading the flags from the
commands themselves.
"""

from __future__ import annotations

import functools
import re
import sys
import warnings

from stockpred.cli.app import app
from stockpred.exceptions import StockpredError, StockpredWarning


@functools.cache
def _flags() -> dict[str, tuple[str, str | None]]:
    """Each option's parameter name → (its flag, its off flag for a boolean), from the app."""
    import typer

    group = typer.main.get_command(app)
    flags: dict[str, tuple[str, str | None]] = {}
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            if param.param_type_name == "option" and param.name:
                off = param.secondary_opts[0] if param.secondary_opts else None
                flags.setdefault(param.name, (param.opts[0], off))
    return flags


# ``name=value`` or ``name=`` anywhere; ``name:`` where it labels a clause.
_PARAMETER = re.compile(r"(?<![\w.-])([a-z][a-z_]*)(=([^\s,;)]*)|:(?= ))")


def in_option_words(message: str) -> str:
    """A library message with the API's parameter names given as the CLI's option names."""
    flags = _flags()

    def option(match: re.Match[str]) -> str:
        name, equals, value = match.groups()
        if name not in flags or (equals == ":" and not _labels_clause(match)):
            return match.group(0)
        flag, off = flags[name]
        if equals == ":":
            return f"{flag}:"
        if value == "True" or not value:
            return flag
        if value == "False":
            return off or f"no {flag}"
        return f"{flag} {value}"

    return _PARAMETER.sub(option, message)


def _labels_clause(match: re.Match[str]) -> bool:
    """``start:`` at the start of the message or after ``; `` names a parameter."""
    before = match.string[: match.start()]
    return before == "" or before.endswith("; ")


def _show_warning(message: Warning | str, *_args: object, **_kwargs: object) -> None:
    """Python's two-line warning text (file:line: Category: message, then the source line)
    becomes the one line the README promises."""
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
            from rich.console import Console

            Console(stderr=True, highlight=False).print(
                f"[red]error:[/] {in_option_words(str(exc))}", soft_wrap=True
            )
            sys.exit(1)


if __name__ == "__main__":
    main()
