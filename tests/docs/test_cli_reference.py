"""docs/cli.md is what the CLI says now: a new option without its page fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_tool(name: str) -> ModuleType:
    """A script of tools/ as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_cli_reference_is_current() -> None:
    tool = load_tool("cli_reference")
    assert tool.PAGE.read_text() == tool.render(), (
        "docs/cli.md is stale: run python tools/cli_reference.py (make cli-reference)"
    )


def test_every_command_and_option_has_a_row() -> None:
    import typer

    from stockpred.cli.app import app

    page = (ROOT / "docs" / "cli.md").read_text()
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="stockpred")
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        assert f"`stockpred {name}`" in page
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in page, f"{name} {opt} is not in docs/cli.md"
