"""Typed records from JSON: the one way a parsed JSON object becomes a frozen dataclass.

Results travel between functions as frozen dataclasses and become plain JSON only where a
file is written (``dataclasses.asdict``: field for field, in field order, nested records as
nested objects) or read (:func:`from_json`, here), so a record's JSON is its dataclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from pydantic import TypeAdapter

T = TypeVar("T")
_ADAPTERS: dict[object, TypeAdapter[Any]] = {}  # by the type each validates


def from_json(kind: type[T], data: object) -> T:
    """``kind`` rebuilt from parsed JSON: each field converted to its declared type (a list
    to a tuple, an int to a float, an object to a nested record); keys ``kind`` has no field
    for are ignored. A value that does not fit raises pydantic's ValidationError, a
    ValueError (what loading a model folder turns into its one-line ArtifactError)."""
    return cast("T", _adapter(kind).validate_python(data))


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """pydantic's validator for ``kind``, built once (building one costs milliseconds)."""
    from pydantic import TypeAdapter

    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]
