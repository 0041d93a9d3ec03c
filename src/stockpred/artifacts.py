"""The model folder: safetensors weights and JSON state, checksummed; never pickle. And
:func:`to_json`, the one way a result dataclass becomes a JSON document, and :func:`from_json`,
its inverse.

Layout: ``weights.safetensors``, ``config.json``, ``scaler.json``, ``fingerprint.json``
(where the data came from and a hash of the training span), ``state.json`` (what
prediction needs besides weights) and ``manifest.json`` (sha256 of every other file, so a
changed file is refused instead of silently giving different forecasts).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np

from stockpred.exceptions import ArtifactError
from stockpred.run_folder import TMP_PREFIX, umask

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from pydantic import TypeAdapter

WEIGHTS = "weights.safetensors"
JSON_FILES = ("config.json", "scaler.json", "fingerprint.json", "state.json")
MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def to_json(record: DataclassInstance) -> dict[str, Any]:
    """A result dataclass as its JSON document, field for field and nested results within.

    The one way results become JSON (metrics.json, summary.json, ...), so the result types stay
    typed and their documents cannot drift from them: a field marked ``metadata={"json": False}``
    is left out, one marked ``"inline"`` has its fields written in its place, and a nested value
    with its own ``to_dict`` (a result that adds a derived figure) is written by it.
    """
    return dict(_json_items(record))


def _json_items(record: DataclassInstance) -> Iterator[tuple[str, object]]:
    """The record's fields as document entries, in field order."""
    for f in fields(record):
        how = f.metadata.get("json", True)
        if how == "inline":
            yield from _json_items(getattr(record, f.name))
        elif how:
            yield f.name, _json_value(getattr(record, f.name))


def _json_value(value: object) -> object:
    """One field's value in JSON terms: results as objects, tuples as lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    if isinstance(value, Mapping):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file via a temp file and rename, so readers never see half of it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{path.name}.", dir=path.parent)
    os.fchmod(fd, 0o666 & ~umask())  # mkstemp makes 0600; the result should look like any file
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(directory: Path, tensors: dict[str, np.ndarray], documents: dict[str, Any]) -> None:
    """Write weights and JSON documents into ``directory`` (which must exist), with a manifest."""
    from safetensors.numpy import save_file

    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(directory / WEIGHTS))
    (directory / WEIGHTS).chmod(0o666 & ~umask())  # safetensors writes 0600; follow the umask
    for name in JSON_FILES:
        (directory / name).write_text(json.dumps(documents[name], indent=2, sort_keys=True))
    manifest = {name: _sha256(directory / name) for name in (WEIGHTS, *JSON_FILES)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))


def load_model(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read and verify a model folder; any missing or altered file is an ArtifactError.

    Weights come back as numpy arrays: prediction runs without importing torch.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    directory = Path(directory)
    if not directory.is_dir():
        raise ArtifactError(
            f"no model folder at {directory}; train one with 'stockpred train' or 'stockpred run'"
        )
    manifest = _read_json(directory / MANIFEST)
    for name in (WEIGHTS, *JSON_FILES):
        file = directory / name
        if not file.is_file():
            raise ArtifactError(f"model folder {directory} lacks {name}; retrain the model")
        if manifest.get(name) != _sha256(file):
            raise ArtifactError(
                f"{file} was changed after training (checksum mismatch); retrain the model"
            )
    try:
        tensors = load_file(str(directory / WEIGHTS))
    except (SafetensorError, OSError) as exc:
        raise ArtifactError(f"cannot read weights in {directory}: {exc}") from exc
    return tensors, {name: _read_json(directory / name) for name in JSON_FILES}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ArtifactError(
            f"{path} is missing; this is not a complete stockpred model folder"
        ) from exc
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path} is not valid JSON; retrain the model") from exc
    if not isinstance(data, dict):
        raise ArtifactError(f"{path} does not hold a JSON object; retrain the model")
    return data


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
