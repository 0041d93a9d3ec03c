"""Files as users download them: Nasdaq.com's layout is read, Excel workbooks are named."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from stockpred.data.loading import load_prices
from stockpred.exceptions import ValidationError

from .test_schema_boundaries import raw_table


def _nasdaq_file(path: Path, base: float, *, spaced: bool) -> np.ndarray:
    """A file as Nasdaq.com's "Download historical data" writes it: newest first, MM/DD/YYYY,
    prices with a ``$`` (and a thousands comma, quoted, above $999); the closes, oldest first."""
    raw = raw_table(120)
    close = base + np.sin(np.arange(120)) + np.arange(120) * 0.1
    sep = ", " if spaced else ","

    def money(x: float) -> str:
        text = f"${x:,.2f}"
        return f'"{text}"' if "," in text else text

    lines = ["Date,Close/Last,Volume,Open,High,Low"]
    for day, price in zip(raw["Date"][::-1], close[::-1], strict=True):
        month_first = f"{day[5:7]}/{day[8:10]}/{day[:4]}"
        fields = [month_first, money(price), "38328820", money(price), money(price + 1)]
        lines.append(sep.join([*fields, money(price - 1)]))
    path.write_text("\n".join(lines) + "\n")
    return close


@pytest.mark.parametrize(("base", "spaced"), [(120.0, False), (120.0, True), (1200.0, False)])
def test_the_nasdaq_layout_is_read(tmp_path: Path, base: float, spaced: bool) -> None:
    close = _nasdaq_file(tmp_path / "AAPL.csv", base, spaced=spaced)
    history = load_prices(csv=tmp_path / "AAPL.csv")
    assert history.price_column == "close"
    assert len(history) == 120
    assert history.frame.index.is_monotonic_increasing
    np.testing.assert_allclose(history.frame["close"], close.round(2))
    assert history.cleaning is not None
    assert history.cleaning.messages() == []


def _xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    return path


@pytest.mark.parametrize("name", ["prices.xlsx", "prices.csv"])
def test_an_excel_workbook_is_named_with_how_to_export_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationError, match=r"is an Excel workbook, not a CSV file; open it in"):
        load_prices(csv=_xlsx(tmp_path / name))


def test_an_old_excel_file_renamed_csv_is_named(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x98" * 600)
    with pytest.raises(ValidationError, match="Excel workbook"):
        load_prices(csv=path)


def test_a_zipped_csv_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "KO.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("KO.csv", raw_table(100).to_csv(index=False))
    assert len(load_prices("KO", csv=path)) == 100
