"""The model folder's files follow the umask like every other file stockpred writes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stockpred.artifacts import JSON_FILES, MANIFEST, WEIGHTS, load_model, save_model


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
