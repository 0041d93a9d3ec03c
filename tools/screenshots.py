"""Screenshots of a real report page and a real universe page for the docs (make screenshots).

Runs stockpred at its defaults (offline): the report on the bundled MSFT sample, the universe
on the first 12 files of ../shared/data/us-daily from 2010 when that folder is there (the
cross-section needs at least 5 tickers on a date, which the sample's five do not give), else
on the sample. Then it photographs each page in headless Chromium, the browser the tests
use, into docs/images/. Pictures come from the code, never by hand.

    python tools/screenshots.py [--chromium PATH] [--universe DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
SHARED = ROOT.parent / "shared" / "data" / "us-daily"
UNIVERSE_SIZE = 12


def _chromium(given: str | None) -> str:
    """The browser to use, or a one-line way out."""
    found = given or shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        sys.exit("no Chromium on PATH: apt-get install chromium (or give --chromium PATH)")
    return found


def _universe_args(folder: Path | None, work: Path) -> list[str]:
    """The universe's inputs: a folder of the first files of ``folder``, else the sample."""
    if folder is None or not folder.is_dir():
        return ["AAPL", "FB", "GOOG", "IBM", "MSFT"]
    picked = work / "prices"
    picked.mkdir()
    for path in sorted(folder.glob("*.csv.gz"))[:UNIVERSE_SIZE]:
        shutil.copy(path, picked / path.name)
    return ["--csv", str(picked), "--start", "2010-01-01"]


def _run(args: list[str], out: Path) -> None:
    """One stockpred run into ``out``, quietly; its failure is this script's failure."""
    cmd = [sys.executable, "-m", "stockpred", "run", *args, "--out", str(out), "-q"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)


def _shoot(browser: str, page: Path, png: Path, work: Path) -> None:
    """A 1200-pixel-wide picture of the page's first screen and a half, written whole."""
    tmp = work / png.name
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={work / 'profile'}",
        "--window-size=1200,1500",
        "--virtual-time-budget=3000",
        f"--screenshot={tmp}",
    ]
    subprocess.run([browser, *flags, page.as_uri()], check=True, capture_output=True)
    tmp.replace(png)


def main(argv: list[str] | None = None) -> int:
    """Run, photograph, and say where the pictures went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", help="the browser binary (default: chromium on PATH)")
    parser.add_argument("--universe", type=Path, default=SHARED, help="folder of price files")
    args = parser.parse_args(argv)
    browser = _chromium(args.chromium)
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shots = {
            "report.png": (["MSFT"], Path("report.html")),
            "universe.png": (_universe_args(args.universe, work), Path("index.html")),
        }
        for png, (run_args, page) in shots.items():
            out = work / png.removesuffix(".png")
            _run(run_args, out)
            _shoot(browser, out / page, IMAGES / png, work)
            print(f"wrote {(IMAGES / png).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
