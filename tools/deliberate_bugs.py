"""Put each deliberate bug into the source, run the tests, say which test caught it.

Each bug is one textual edit of one source file; the file is restored afterwards (also on
Ctrl-C). By default only the test files named beside each bug run (fast); ``--full`` runs
the whole suite for every bug, which is what "``make test`` fails" means.

    .venv/bin/python tools/deliberate_bugs.py [--full] [--only N ...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "stockpred"


@dataclass(frozen=True)
class Bug:
    """One deliberate bug: replace ``old`` by ``new`` in ``path`` (exactly one occurrence)."""

    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


BUGS = [
    Bug(
        "the x-scaler fitted on all rows",
        "features.py",
        "train_signals = signals[: split.train_end]",
        "train_signals = signals",
        ("tests/test_features.py", "tests/test_leakage.py"),
    ),
    Bug(
        "the naive forecast one session stale",
        "models/baselines.py",
        "return prices[origins][:, None] + self.slope(prices, origins)[:, None] * steps",
        "return prices[origins - 1][:, None] + self.slope(prices, origins)[:, None] * steps",
        ("tests/models/test_baselines.py", "tests/models/test_contract.py"),
    ),
    Bug(
        "a training target one session into validation",
        "splits.py",
        "np.arange(cfg.window, self.train_end - cfg.horizon)",
        "np.arange(cfg.window, self.train_end - cfg.horizon + 1)",
        ("tests/test_features.py", "tests/test_leakage.py", "tests/test_properties.py"),
    ),
    Bug(
        "the y-scaler fitted on training and validation targets",
        "features.py",
        "Scaler.fit(signals, target_matrix(prices, train_o, cfg), split)",
        "Scaler.fit(signals, target_matrix(prices, np.concatenate([train_o, val_o]), cfg), split)",
        ("tests/test_leakage.py",),
    ),
    Bug(
        "Diebold-Mariano long-run variance weighting autocovariances by 1, not 2",
        "stats.py",
        "gamma[0] + 2.0 * sum(gamma[1:])",
        "gamma[0] + 1.0 * sum(gamma[1:])",
        ("tests/test_stats.py", "tests/test_stats_reference.py"),
    ),
    Bug(
        "the HLN small-sample factor ignoring the horizon",
        "stats.py",
        "np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)",
        "np.sqrt((n - 1) / n)",
        ("tests/test_stats.py", "tests/test_stats_reference.py"),
    ),
    Bug(
        "a backtest fold fitted on history that includes its own first test session",
        "evaluation/walkforward.py",
        "history.frame.iloc[fold.fit_start : fold.test_start]",
        "history.frame.iloc[fold.fit_start : fold.test_start + 1]",
        ("tests/evaluation/test_backtest.py", "tests/test_leakage.py"),
    ),
    Bug(
        "the prediction interval widening with the step instead of its square root",
        "stats.py",
        "widen = np.sqrt(steps)",
        "widen = np.asarray(steps, dtype=float)",
        (
            "tests/evaluation/test_intervals.py",
            "tests/evaluation/test_backtest.py",
            "tests/evaluation/test_lag_intervals.py",
        ),
    ),
    Bug(
        "the bad-row limit raised from 5 rows to 15",
        "data/schema.py",
        "MAX_BAD_ROWS_ALWAYS_REPAIRED = 5",
        "MAX_BAD_ROWS_ALWAYS_REPAIRED = 15",
        ("tests/data/test_schema.py", "tests/data/test_schema_boundaries.py"),
    ),
    Bug(
        "the trading rule in the backtest summary given tomorrow's actual price",
        "evaluation/summary.py",
        "signal_backtest(prev, lstm, actual, rule)",
        "signal_backtest(prev, actual, actual, rule)",
        (
            "tests/evaluation/test_summary.py",
            "tests/evaluation/test_trading.py",
            "tests/evaluation/test_backtest.py",
        ),
    ),
    Bug(
        "the atomic folder writer leaving its temporary folder behind on an error",
        "run_folder/__init__.py",
        "        _WRITING.remove(os.path.realpath(tmp))\n        shutil.rmtree(tmp, ignore_errors=True)",
        "        _WRITING.remove(os.path.realpath(tmp))",
        ("tests/test_atomic_writes.py", "tests/test_run_folder.py"),
    ),
    Bug(
        "the gap rule off by one (a gap of max_gap refused)",
        "data/soundness.py",
        "long = [g for g in found if g[2] > max_gap]",
        "long = [g for g in found if g[2] >= max_gap]",
        ("tests/data/test_schema.py", "tests/data/test_schema_boundaries.py"),
    ),
    Bug(
        "the gap rule off by one (a gap of max_gap + 1 filled)",
        "data/soundness.py",
        "long = [g for g in found if g[2] > max_gap]",
        "long = [g for g in found if g[2] > max_gap + 1]",
        ("tests/data/test_schema.py", "tests/data/test_schema_boundaries.py"),
    ),
    Bug(
        "a failed job leaving behind the output folder it created",
        "run_folder/__init__.py",
        "            _unmake(target.absolute(), made)",
        "            pass",
        ("tests/test_atomic_writes.py", "tests/test_run_folder.py"),
    ),
    Bug(
        "a new folder (a universe ticker's) renamed into place without its marker",
        "run_folder/__init__.py",
        "        write_marker(tmp, kind, _entries(tmp))\n        _rename_new(tmp, target)",
        "        _rename_new(tmp, target)",
        ("tests/test_run_folder.py", "tests/universe/test_folder.py"),
    ),
    Bug(
        "every hidden entry taken for one of stockpred's temporaries (and deleted)",
        "run_folder/__init__.py",
        "return name.startswith((TMP_PREFIX, OLD_PREFIX)) or name == LEGACY_LOCK",
        'return name.startswith(".") and name != MARKER',
        ("tests/test_run_folder.py", "tests/universe/test_folder.py"),
    ),
    Bug(
        "the output folder checked for its marker but not for being writable",
        "run_folder/__init__.py",
        "    check_writable(target)\n    if not target.exists()",
        "    if not target.exists()",
        ("tests/test_run_folder.py", "tests/cli/test_out_folder_cli.py"),
    ),
]


def run_tests(paths: tuple[str, ...]) -> tuple[int, list[str]]:
    """Exit code and the failing test ids of one pytest run."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-rf", "--no-header", "-p", "no:cacheprovider"]
    done = subprocess.run([*cmd, *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, flags=re.MULTILINE)
    return done.returncode, failed


def try_bug(bug: Bug, full: bool) -> tuple[str, list[str]]:
    """Apply the bug, run the tests, restore the file; (outcome, failing tests)."""
    path = SRC / bug.path
    original = path.read_text()
    if original.count(bug.old) != 1:
        return f"not applied: the text occurs {original.count(bug.old)} times", []
    try:
        path.write_text(original.replace(bug.old, bug.new))
        code, failed = run_tests(() if full else tuple(p for p in bug.tests if (ROOT / p).exists()))
    finally:
        path.write_text(original)
    return ("caught" if code != 0 else "NOT CAUGHT"), failed


def main() -> None:
    """Try every bug (or the ``--only`` ones) and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="run the whole suite for each bug")
    parser.add_argument("--only", type=int, nargs="*", help="bug numbers (1-based)")
    args = parser.parse_args()
    print("| # | deliberate bug | outcome | failing tests |\n|---|---|---|---|", flush=True)
    missed = 0
    for number, bug in enumerate(BUGS, start=1):
        if args.only and number not in args.only:
            continue
        outcome, failed = try_bug(bug, args.full)
        missed += outcome != "caught"
        names = "<br>".join(f"`{t}`" for t in failed)
        print(f"| {number} | {bug.what} | {outcome} | {names} |", flush=True)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
