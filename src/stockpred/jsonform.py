"""JSON at the edges: one conversion each way between typed records and JSON objects.

Results travel between functions as frozen dataclasses; only where a file is written or
read do they become plain JSON, here, by their fields: a record's JSON object is its
dataclass, field for field and in field order, nested records as nested objects.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from pydantic import TypeAdapter

T = TypeVar("T")
_ADAPTERS: dict[object, TypeAdapter[Any]] = {}  # by the type each validates


def to_json(record: DataclassInstance) -> dict[str, Any]:
    """The record's fields as a JSON-ready object (``json.dumps`` writes tuples as lists)."""
    return asdict(record)


def from_json(kind: type[T], data: object) -> T:
    """``kind`` rebuilt from parsed JSON: each field converted to its declared type (a list
    to a tuple, an int to a float); keys ``kind`` has no field for are ignored. A value that
    does not fit raises pydantic's ValidationError, a ValueError."""
    return cast("T", _adapter(kind).validate_python(data))


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """pydantic's validator for ``kind``, built once (building one costs milliseconds)."""
    from pydantic import TypeAdapter

    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]
