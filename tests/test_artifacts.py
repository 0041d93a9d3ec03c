"""The model folder's files follow the umask like every other file stockpred writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from stockpred.artifacts import JSON_FILES, MANIFEST, WEIGHTS, load_model, save_model, to_json


@pytest.fixture
def umask_022() -> Iterator[None]:
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


@pytest.mark.usefixtures("umask_022")
def test_every_model_file_has_the_same_mode_the_weights_too(tmp_path: Path) -> None:
    save_model(tmp_path, {"w": np.ones((2, 3))}, {name: {"a": 1} for name in JSON_FILES})
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == dict.fromkeys((WEIGHTS, MANIFEST, *JSON_FILES), 0o644)
    tensors, _ = load_model(tmp_path)
    assert np.array_equal(tensors["w"], np.ones((2, 3)))


@dataclass(frozen=True)
class _Inner:
    a: int
    b: tuple[float | None, ...]


@dataclass(frozen=True)
class _Written:
    x: float

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "twice": 2 * self.x}


@dataclass(frozen=True)
class _Outer:
    step: int
    inner: _Inner = field(metadata={"json": "inline"})
    by_name: dict[str, _Inner]
    written: list[_Written]
    hidden: bool = field(default=True, metadata={"json": False})


def test_to_json_writes_nested_results_in_field_order() -> None:
    """Nested results become objects, tuples lists; inline fields are flattened in place, a
    value with its own to_dict is written by it, and a json=False field is left out."""
    record = _Outer(1, _Inner(2, (0.5, None)), {"k": _Inner(3, ())}, [_Written(1.5)])
    doc = to_json(record)
    assert doc == {
        "step": 1,
        "a": 2,
        "b": [0.5, None],
        "by_name": {"k": {"a": 3, "b": []}},
        "written": [{"x": 1.5, "twice": 3.0}],
    }
    assert list(doc) == ["step", "a", "b", "by_name", "written"]
