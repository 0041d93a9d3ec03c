"""benchmarks/universe/universe_speed.py's CPU accounting and benchmarks/unit.py's unit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# A command whose child outlives it and burns CPU after it exits: as a fork server's workers do.
ORPHAN = textwrap.dedent(
    """
    import os, sys, time
    if os.fork() == 0:
        time.sleep(0.2)  # the parent has exited: this process is an orphan now
        t = time.process_time()
        while time.process_time() - t < 0.5:
            pass
        os._exit(0)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the subreaper is Linux's")
def test_a_contenders_cpu_includes_descendants_that_outlive_it() -> None:
    """The fork server and its workers outlive the command; their CPU counts all the same."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(BENCHMARKS / "universe")!r})
        import universe_speed as u
        u.become_subreaper()
        print(u.measure([sys.executable, "-c", {ORPHAN!r}])["cpu_tree_s"])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert float(out.stdout) >= 0.5


def test_the_unit_is_a_positive_cpu_time_and_leaves_torchs_threads_alone() -> None:
    import torch

    sys.path.insert(0, str(BENCHMARKS))
    from unit import unit_seconds

    threads = torch.get_num_threads()
    assert unit_seconds(repeats=1) > 0
    assert torch.get_num_threads() == threads
