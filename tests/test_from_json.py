"""Typed records from JSON: the inverse of ``dataclasses.asdict`` through JSON text."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pytest

from stockpred.artifacts import from_json


@dataclass(frozen=True)
class Inner:
    """A nested record."""

    scale: float
    band: tuple[float, float]


@dataclass(frozen=True)
class Outer:
    """A record holding one."""

    name: str
    inner: Inner
    count: int | None = None


def test_a_record_round_trips_through_json_text_in_field_order() -> None:
    record = Outer("a", Inner(0.5, (-1.0, 2.0)), 3)
    text = json.dumps(asdict(record))
    assert text == '{"name": "a", "inner": {"scale": 0.5, "band": [-1.0, 2.0]}, "count": 3}'
    assert from_json(Outer, json.loads(text)) == record


def test_reading_converts_to_the_declared_types_and_ignores_unknown_keys() -> None:
    read = from_json(Inner, {"scale": 1, "band": [0, 2], "sentence": "derived"})
    assert read == Inner(1.0, (0.0, 2.0))
    assert isinstance(read.scale, float)


def test_a_value_that_does_not_fit_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="scale"):
        from_json(Inner, {"scale": "wide", "band": [0, 1]})
