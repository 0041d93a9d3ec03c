"""Write docs/cli.md from the CLI itself, so every command and option is documented.

The page is made by walking the click command tree that typer builds: every command,
subcommand, argument and option with its help text. ``--check`` exits 1 when the committed
page differs from what the CLI says now (CI runs it through tests/docs/test_cli_reference.py).

    python tools/cli_reference.py           # rewrite docs/cli.md
    python tools/cli_reference.py --check   # fail if docs/cli.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli.md"

HEADER = """# CLI reference

Generated from the CLI by `python tools/cli_reference.py` (`make cli-reference`); a test
fails when this page and the CLI disagree, so do not edit it by hand. Every command also
answers `--help`. Exit codes: [errors and exit codes](errors.md).
"""


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


# typer builds its commands with its own copy of click, so they are typed loosely here and
# each parameter is shown by its own help record: exactly what ``--help`` prints.
Command = Any


def _param_rows(command: Command, ctx: Any) -> list[str]:
    """One table row a parameter, in the order ``--help`` lists them."""
    rows = ["| parameter | what it does |", "|---|---|"]
    for param in command.params:
        record = None if getattr(param, "hidden", False) else param.get_help_record(ctx)
        if record is not None:
            names, help_text = record
            rows.append(f"| `{_cell(names)}` | {_cell(help_text)} |")
    return rows if len(rows) > 2 else []


def _section(command: Command, path: list[str], level: int) -> list[str]:
    """A command's heading, help and parameters, then its subcommands' sections."""
    name = " ".join(path)
    ctx = command.context_class(command, info_name=name)
    lines = [f"{'#' * level} `{name}`", "", "```text", command.get_usage(ctx), "```", ""]
    if command.help:
        lines += [command.help.strip(), ""]
    rows = _param_rows(command, ctx)
    lines += [*rows, ""] if rows else []
    if hasattr(command, "list_commands"):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                lines += _section(sub, [*path, sub_name], min(level + 1, 4))
    return lines


def render() -> str:
    """The whole page, from the app as it is now."""
    from stockpred.cli.app import app

    root = typer.main.get_command(app)
    body = _section(root, ["stockpred"], 2)
    return HEADER + "\n" + "\n".join(body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the page, or with ``--check`` say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/cli.md is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != page:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python tools/cli_reference.py")
            return 1
        return 0
    PAGE.write_text(page)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
