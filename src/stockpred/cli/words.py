"""Library messages in the CLI's words: the API's ``max_gap=5`` becomes ``--max-gap 5``.

The library names its parameters the way the Python API spells them (``max_gap=``,
``start=2020-01-01``, ``start: 'x' is not a date``); :func:`in_option_words` turns them into
the options the user typed (``--max-gap``, ``--start 2020-01-01``, ``--start: 'x' ...``),
reading the flags from the commands themselves.
"""

from __future__ import annotations

import functools
import re

# ``name=value`` or ``name=`` anywhere; ``name:`` where it labels a clause.
_PARAMETER = re.compile(r"(?<![\w.-])([a-z][a-z_]*)(=([^\s,;)]*)|:(?= ))")


@functools.cache
def _flags(group: object) -> dict[str, tuple[str, str | None]]:
    """Each option's parameter name → (its flag, its off flag for a boolean), from the app's
    click group."""
    flags: dict[str, tuple[str, str | None]] = {}
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            if param.param_type_name == "option" and param.name:
                off = param.secondary_opts[0] if param.secondary_opts else None
                flags.setdefault(param.name, (param.opts[0], off))
    return flags


def in_option_words(message: str, group: object) -> str:
    """A library message with the API's parameter names given as the option names of
    ``group`` (the app's click group: ``typer.main.get_command(app)``, ``ctx.find_root().command``).
    """
    flags = _flags(group)

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
