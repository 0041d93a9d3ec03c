"""Imported only by the worker pool's fork server (a preload): it dies with the run's process.

multiprocessing's fork server outlives a parent killed with SIGKILL, and so would the
workers it forked. Asking the kernel to kill it when its parent dies closes that gap; the
workers in turn get SIGTERM when the fork server dies (see ``backend._init_worker``).
"""

from __future__ import annotations

import signal
import sys

if sys.platform.startswith("linux"):
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
