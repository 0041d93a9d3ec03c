"""A Ray session for one command: join a cluster or start a quiet local one, always leave.

Without an address Ray starts on this machine with the CPUs it has, no dashboard, and its
log lines go to a file in the run folder (never to the terminal); the session ends with the
command, Ctrl-C included. A session someone already started (a test fixture, a notebook) is
used as it is and left running.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from stockpred.exceptions import ConfigError

# Ray's log in the output folder of any command that ran on Ray.
RAY_LOG = "ray.log"
INSTALL_HINT = "--backend ray needs Ray: pip install 'stockpred[ray]'"
# Ray's own Python loggers; their records go to the run folder's log file.
RAY_LOGGERS = ("ray", "ray.tune", "ray.train", "ray.data")


def import_ray() -> Any:
    """The ray module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    return ray


@contextmanager
def ray_session(address: str | None, log_file: Path | None = None) -> Iterator[Any]:
    """Ray, initialised for the block and shut down after it (unless it was already up);
    the process's Ctrl-C and SIGTERM handlers are as they were afterwards."""
    ray = import_ray()
    with signal_handlers_kept():
        if ray.is_initialized():
            yield ray
            return
        yield from _started_session(ray, address, log_file)


@contextmanager
def signal_handlers_kept() -> Iterator[None]:
    """Put SIGINT's and SIGTERM's handlers back after the block.

    ``ray.init`` installs a SIGTERM handler and Ray Tune a SIGINT one that only flags its
    run to stop, and neither is removed when they are done: in a notebook or any process
    that goes on, Ctrl-C would no longer raise KeyboardInterrupt after a tuning run on Ray.
    Off the main thread, handlers cannot change, and nothing is done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            if handler is not None:  # None: set outside Python, so not ours to put back
                signal.signal(sig, handler)


def _started_session(ray: Any, address: str | None, log_file: Path | None) -> Iterator[Any]:
    """Start Ray here (or join ``address``) quietly, yield it, and always shut it down."""
    options: dict[str, bool] = {
        "include_dashboard": False,
        "log_to_driver": False,  # workers' stdout/stderr stay in Ray's session log folder
        "configure_logging": False,
    }
    # Ray prints while it starts (and drops its logger's handlers): all of it to the file.
    with output_to(log_file):
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=available_cpus(), **options)
    try:
        with _logs_to(log_file):
            yield ray
    finally:
        with output_to(log_file):
            ray.shutdown()


@contextmanager
def output_to(log_file: Path | None) -> Iterator[None]:
    """Everything printed to stdout or stderr in the block goes to ``log_file`` (or nowhere)."""
    with (
        open(log_file or os.devnull, "a") as sink,
        redirect_stdout(sink),
        redirect_stderr(sink),
    ):
        yield


def available_cpus() -> int:
    """CPUs this process may use (its affinity, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@contextmanager
def _logs_to(log_file: Path | None) -> Iterator[None]:
    """Send Ray's log records to ``log_file`` (or nowhere) instead of the terminal."""
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file is not None else logging.NullHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved = []
    for name in RAY_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.handlers[:], logger.propagate))
        logger.handlers = [handler]
        logger.propagate = False
    try:
        yield
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate
        handler.close()
