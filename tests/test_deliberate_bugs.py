"""The deliberate bugs still fit the source: an edit that no longer applies plants nothing,
and the suite would silently stop being checked against it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "deliberate_bugs.py"
spec = importlib.util.spec_from_file_location("deliberate_bugs", TOOL)
assert spec is not None
assert spec.loader is not None
deliberate_bugs = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = deliberate_bugs  # its dataclasses look their module up there
spec.loader.exec_module(deliberate_bugs)


@pytest.mark.parametrize("bug", deliberate_bugs.BUGS, ids=lambda bug: bug.path)
def test_each_deliberate_bug_applies_to_exactly_one_place(bug: object) -> None:
    source = (deliberate_bugs.SRC / bug.path).read_text()  # type: ignore[attr-defined]
    assert source.count(bug.old) == 1, bug.what  # type: ignore[attr-defined]
