"""A universe stopped by a signal, with real processes: only whole ticker folders, no process
left behind, then ``--resume`` finishes the run (or Ctrl-C exits 130 saying what finished).

Each test starts the CLI in its own process group with one worker on three tickers; the signal
comes when the first ticker folder appears, so one ticker is finished, one in flight and one not
started. A short history (2012 on) keeps each ticker about a second of work. The killed run is a
real process with its real imports and signals; the resume only reads what it left on disk, so
it runs in the test's own process (a fresh interpreter and fork server cost ~7 s of CPU each).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..cli.test_cli import TINY_ARGS, run_cli
from .test_runner import _folder

TICKERS = ("AAPL", "IBM", "MSFT")
START = "2012-01-01"


def _complete(folder: Path) -> bool:
    names = {"stamp.json", "metrics.json", "predictions.csv", "report.html", "forecast.csv"}
    return (
        names <= {p.name for p in folder.iterdir()}
        and (folder / "model" / "manifest.json").is_file()
    )


def _start(folder: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    """The CLI in its own process group; output to files (a pipe would also wait for any
    process that inherited it, which is what the tests check does not happen)."""
    cmd = [sys.executable, "-m", "stockpred", "run", "--csv", str(folder), "--out", str(out)]
    log = out.parent / f"log-{time.monotonic_ns()}"
    # A suite started in the background (`make test &` in a script) ignores SIGINT, and a child
    # inherits an ignored signal, so its Ctrl-C would do nothing; a handled one is reset to
    # the default in the child, where Python turns it into KeyboardInterrupt as a terminal's.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with (
            log.with_suffix(".out").open("w") as stdout,
            log.with_suffix(".err").open("w") as stderr,
        ):
            proc = subprocess.Popen(
                [*cmd, "--workers", "1", "--days", "2", *TINY_ARGS, *extra],
                stdout=stdout,
                stderr=stderr,
                text=True,
                start_new_session=True,
            )
    finally:
        signal.signal(signal.SIGINT, before)
    LOGS[proc.pid] = log.with_suffix(".err")
    return proc


LOGS: dict[int, Path] = {}


def _stderr(proc: subprocess.Popen[str]) -> str:
    return LOGS[proc.pid].read_text()


def _group_alive(pgid: int) -> list[str]:
    """Processes still in the run's process group (workers, fork server, trackers)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(entry.name)
    return alive


def _all_gone(pgid: int, within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _group_alive(pgid)


def _wait_for_a_ticker(out: Path, proc: subprocess.Popen[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.is_dir() and any(p.is_dir() and not p.name.startswith(".") for p in out.iterdir()):
            return
        assert proc.poll() is None, _stderr(proc)
        time.sleep(0.05)
    raise AssertionError("no ticker finished in time")


@pytest.mark.parametrize("how", ["SIGKILL group", "SIGTERM group", "SIGKILL main"])
def test_kill_then_resume_with_real_processes(
    how: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path, TICKERS, broken=False, start=START)
    out = tmp_path / "out"
    proc = _start(folder, out)
    _wait_for_a_ticker(out, proc)
    sig, target = how.split()
    if target == "group":
        os.killpg(proc.pid, getattr(signal, sig))
    else:
        os.kill(proc.pid, getattr(signal, sig))
    proc.wait(timeout=60)
    assert _all_gone(proc.pid), "a worker or the fork server outlived the run"
    finished = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert finished, "the kill came before any ticker finished"
    assert all(_complete(p) for p in finished)  # only whole ticker folders, whatever the moment
    # The resume needs no process of its own: the same command, in this one.
    args = ["run", "--csv", str(folder), "--out", str(out), "--workers", "1", "--days", "2"]
    code, _, err = run_cli([*args, *TINY_ARGS, "--resume"], capsys, monkeypatch)
    assert code == 0, err
    doc = json.loads((out / "universe.json").read_text())
    assert doc["tickers"]["done"] == len(TICKERS)
    assert doc["tickers"]["resumed"] >= len(finished)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".stockpred.json"]


def test_ctrl_c_stops_promptly_says_what_finished_and_exits_130(tmp_path: Path) -> None:
    # A fourth ticker only widens the time in which the Ctrl-C lands mid-run; it costs
    # nothing, as the run stops at its first ticker and nothing is resumed.
    folder = _folder(tmp_path, (*TICKERS, "GOOG"), broken=False, start=START)
    out = tmp_path / "out"
    proc = _start(folder, out)
    _wait_for_a_ticker(out, proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
    started = time.monotonic()
    proc.wait(timeout=60)
    assert time.monotonic() - started < 30
    assert proc.returncode == 130
    assert _all_gone(proc.pid)
    err = _stderr(proc)
    assert "interrupted:" in err
    for noise in ("Exception in thread", "InvalidStateError", "leaked semaphore", "Traceback"):
        assert noise not in err, err  # one line says what finished, and nothing else
    assert "tickers finished and are complete in" in err.replace("\n", " ")
    for p in out.iterdir():
        if p.is_dir() and not p.name.startswith("."):
            assert _complete(p)
