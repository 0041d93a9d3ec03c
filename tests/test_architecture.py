"""The package's shape: no import cycles (function-level and ``TYPE_CHECKING`` imports count),
small modules. The layers themselves are import-linter's contracts (pyproject.toml, ``make lint``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "stockpred"
MAX_LINES = 400
MAX_LOOSE_MODULES = 10
MAX_UNTYPED_DOCUMENTS = 25  # issue 22


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(tree: ast.AST) -> set[str]:
    """stockpred modules imported anywhere in ``tree``: in functions and under ``if
    TYPE_CHECKING`` too, since a circle hidden there is still a circle in the design."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {name for name in found if name in MODULES}


def _graph() -> dict[str, set[str]]:
    return {name: _imports(ast.parse(path.read_text())) - {name} for name, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_checker_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_function_level_imports_are_seen() -> None:
    tree = ast.parse("def f():\n    from stockpred.config import ForecastConfig\n")
    assert _imports(tree) == {"stockpred.config"}


def test_type_checking_imports_are_seen() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from stockpred.config import ForecastConfig\n"
        "else:\n    import stockpred.exceptions\n"
    )
    assert _imports(tree) == {"stockpred.config", "stockpred.exceptions"}


def test_no_import_cycle_between_stockpred_modules() -> None:
    assert _cycle(_graph()) is None


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_source_module_over_400_lines(name: str) -> None:
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES


def test_untyped_documents_only_at_the_json_edges() -> None:
    """``dict[str, Any]`` where a file is read or written; nested results are typed records."""
    found = [
        f"{name}:{i}"
        for name, path in MODULES.items()
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if "dict[str, Any]" in line
    ]
    assert len(found) <= MAX_UNTYPED_DOCUMENTS, found


def test_few_loose_modules_at_the_package_root() -> None:
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(loose) <= MAX_LOOSE_MODULES, loose


def test_walk_forward_knows_models_only_by_their_protocol() -> None:
    imported = _graph()["stockpred.evaluation.walkforward"]
    assert {m for m in imported if m.startswith("stockpred.models")} == {"stockpred.models.base"}


def test_models_never_import_evaluation() -> None:
    """Evaluation scores models; a model that imported it would be scored by itself."""
    graph = _graph()
    upward = {
        (name, imported)
        for name, imports in graph.items()
        if name.startswith("stockpred.models")
        for imported in imports
        if imported.startswith("stockpred.evaluation")
    }
    assert not upward


def test_the_statistics_are_a_leaf() -> None:
    """stats.py imports nothing of stockpred, so every layer may use it."""
    assert _graph()["stockpred.stats"] == set()


def test_the_import_contracts_hold() -> None:
    """The layers in pyproject.toml's [tool.importlinter], as `make lint` checks them."""
    from importlinter.cli import lint_imports

    pyproject = PACKAGE.parents[1] / "pyproject.toml"
    assert lint_imports(config_filename=str(pyproject), no_cache=True, no_logo=True) == 0


def _defined(tree: ast.Module) -> list[str]:
    """Public functions a module defines at its top level and in its classes."""
    names = []
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        names += [m.name for m in members if isinstance(m, ast.FunctionDef)]
    return [name for name in names if not name.startswith("_")]


@pytest.mark.parametrize("entry", ["walk_forward", "backtest"])
def test_one_entry_point_per_use_case(entry: str) -> None:
    """One function a use case (the CLI's commands aside, which are named as they are typed)."""
    where = [
        name
        for name, path in MODULES.items()
        if not name.startswith("stockpred.cli")
        for defined in _defined(ast.parse(path.read_text()))
        if defined == entry
    ]
    assert where == ["stockpred.evaluation.forecaster"], where
