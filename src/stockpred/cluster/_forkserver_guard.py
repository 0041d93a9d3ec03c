"""Imported only by the worker pool's fork server (a preload): it dies with the run's process.

multiprocessing's fork server outlives a parent killed with SIGKILL, and so would the
workers it forked. Asking the kernel to kill it when its parent dies closes that gap; the
workers in turn get SIGTERM when the fork server dies (see ``backend._init_worker``).
"""

from __future__ import annotations

import signal
import sys

PR_SET_PDEATHSIG = 1


def _in_fork_server() -> bool:
    """The fork server runs as ``python -c 'from multiprocessing.forkserver import main…'``;
    anywhere else (a test collecting modules, say) importing this changes nothing."""
    return sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules


if sys.platform.startswith("linux") and _in_fork_server():
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
