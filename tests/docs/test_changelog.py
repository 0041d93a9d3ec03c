"""CHANGELOG.md's top released version is the one stockpred reports; the README stays short."""

from __future__ import annotations

import re
from pathlib import Path

from stockpred import __version__
from stockpred.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


def top_release(text: str) -> str:
    """The newest released version of a Keep a Changelog file ([Unreleased] is not one)."""
    found = RELEASE.search(text)
    assert found is not None, "no released version in the changelog"
    return found[1]


def test_top_release_is_read_past_unreleased() -> None:
    text = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2027-01-02\n\n## [1.1.0] - 2026-12-01\n"
    assert top_release(text) == "1.2.0"


def test_version_matches_the_changelog() -> None:
    from typer.testing import CliRunner

    shown = CliRunner().invoke(app, ["--version"]).output.strip()
    assert shown == f"stockpred {top_release((ROOT / 'CHANGELOG.md').read_text())}"
    assert __version__ == top_release((ROOT / "CHANGELOG.md").read_text())


def test_pyproject_version_is_the_same() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{__version__}"' in text


def test_the_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200
