"""Local price files (CSV, gzipped CSV, Parquet): read into raw tables, written by export."""

from __future__ import annotations

import csv
import gzip
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.exceptions import ValidationError
from stockpred.run_folder import TMP_PREFIX, made_folder


def read_price_file(path: str | Path) -> pd.DataFrame:
    """Read a user's price file as raw rows; unreadable files are a one-line error."""
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"no such file: {file}; check the path given as csv=")
    refuse_excel(file)
    try:
        if file.suffix.lower() in {".parquet", ".pq"}:
            return pd.read_parquet(file)
        layout = csv_layout(file)
        return pd.read_csv(
            file,
            skipinitialspace=True,
            sep=layout.sep,
            decimal=layout.decimal,
            thousands=layout.thousands,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"cannot read {file} as a price table: {first_line}") from exc
    except (ValueError, ImportError) as exc:  # pyarrow's errors for a non-Parquet file
        raise ValidationError(f"cannot read {file} as Parquet: {exc}") from exc


_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # .xls (and other old Office files)
_ZIP = b"PK\x03\x04"  # .xlsx is a zip holding xl/workbook.xml


def refuse_excel(file: Path) -> None:
    """An Excel workbook, whatever its name, is named as one with how to export it as CSV."""
    try:
        with file.open("rb") as handle:
            magic = handle.read(8)
        workbook = magic == _OLE2 or (magic.startswith(_ZIP) and _zip_holds_workbook(file))
    except (OSError, zipfile.BadZipFile):
        return  # not a workbook: reading it gives its own one-line error
    if workbook or file.suffix.lower() in {".xlsx", ".xls", ".xlsm"}:
        raise ValidationError(
            f"{file} is an Excel workbook, not a CSV file; open it in Excel or LibreOffice, "
            "save the sheet as CSV (File > Save As > CSV) and pass that file"
        )


def _zip_holds_workbook(file: Path) -> bool:
    with zipfile.ZipFile(file) as archive:
        return "xl/workbook.xml" in archive.namelist()


_DELIMITERS = (",", ";", "\t")
# 1.234,56 or 12,5: a decimal comma (European spreadsheets); 1,234.56: a thousands comma.
_DECIMAL_COMMA = re.compile(r"-?\d{1,3}(\.\d{3})*,\d+|-?\d+,\d+")
_THOUSANDS_COMMA = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_THOUSANDS_DOT = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")


def _head(file: Path, lines: int = 200) -> list[str]:
    """The first lines of a (possibly gzipped) text file."""
    opener: Any = gzip.open if file.suffix.lower() == ".gz" else open
    with opener(file, "rt", errors="replace") as handle:
        return [line for _, line in zip(range(lines), handle, strict=False)]


@dataclass(frozen=True)
class CsvLayout:
    """``read_csv``'s delimiter and number style for one file (its defaults unless found)."""

    sep: str = ","
    decimal: str = "."
    thousands: str | None = None


def csv_layout(file: Path) -> CsvLayout:
    """The file's delimiter (``,`` ``;`` tab) and number style, from its first lines."""
    try:
        head = _head(file)
    except (OSError, EOFError):
        return CsvLayout()  # read_csv gives the one-line error
    if not head:
        return CsvLayout()
    sep = max(_DELIMITERS, key=head[0].count)
    fields = [f.strip() for row in csv.reader(head[1:], delimiter=sep) for f in row[1:]]
    if sep != "," and any(_DECIMAL_COMMA.fullmatch(f) for f in fields):
        dots = any(_THOUSANDS_DOT.fullmatch(f) for f in fields)
        return CsvLayout(sep, ",", "." if dots else None)
    if any(_THOUSANDS_COMMA.fullmatch(f) for f in fields):
        return CsvLayout(sep, thousands=",")
    return CsvLayout(sep)


def write_price_file(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write a PriceFrame as CSV or Parquet via a temporary file, so readers never see half."""
    if fmt not in ("csv", "parquet"):
        raise ValidationError(f"unknown export format {fmt!r}; use csv or parquet")
    file = Path(path)
    tmp = file.with_name(f"{TMP_PREFIX}{file.name}.{os.getpid()}")
    table = frame.rename_axis("date").reset_index()
    with made_folder(file.parent):  # a failure leaves no folder made for the file either
        try:
            if fmt == "csv":
                table.to_csv(tmp, index=False, date_format="%Y-%m-%d")
            else:
                table.to_parquet(tmp, index=False)
            os.replace(tmp, file)
        finally:
            tmp.unlink(missing_ok=True)
    return file
