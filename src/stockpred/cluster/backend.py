"""The Ray backend: the same ``map(fn, items)`` as the local process pool, as Ray tasks.

Each task declares its resources (1 CPU; a GPU fraction when training on CUDA), so Ray packs
as many at once as the cluster holds. The job function and every item go into the object
store once (``ray.put``): a task receives references, and a task retried after its worker
was lost (``max_retries``) reads them again from the store, not from the driver. Results are
yielded in the order they finish; closing the iterator cancels what is still running.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from stockpred.backend import Backend, Lost
from stockpred.cluster.local import LocalBackend, lost_result
from stockpred.cluster.session import RAY_LOG

T = TypeVar("T")
R = TypeVar("R")

# A worker lost to a crash or a preempted node: its task runs again, up to this many times.
MAX_RETRIES = 3


class RayBackend(Backend):
    """Runs each item as a Ray task on the connected cluster (see cluster.session)."""

    # A universe's global model is fitted as one task too, not on the driver.
    fits_pooled_model = True

    def __init__(self, *, gpu_fraction: float = 0.0, max_retries: int = MAX_RETRIES) -> None:
        self.gpu_fraction = gpu_fraction
        self.max_retries = max_retries

    def __str__(self) -> str:
        import ray

        return f"Ray ({int(ray.cluster_resources().get('CPU', 0))} CPUs)"

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], lost: Lost[T, R] | None = None
    ) -> Generator[R, None, None]:
        """Submit every item, yield each result as it arrives; on close, cancel the rest.

        A task whose worker died more often than ``max_retries`` yields ``lost(item, why)``.
        """
        import ray
        from ray.exceptions import RayError, RayTaskError

        task = ray.remote(_apply).options(
            num_cpus=1, num_gpus=self.gpu_fraction, max_retries=self.max_retries
        )
        fn_ref = ray.put(fn)
        item_of = {task.remote(fn_ref, ray.put(item)): item for item in items}
        pending = list(item_of)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                try:
                    result = ray.get(done[0])
                except RayTaskError:  # the job itself raised: a bug, not a lost worker
                    raise
                except RayError as exc:  # worker or node lost, out of memory, after retries
                    why = f"its Ray worker was lost {self.max_retries + 1} times ({type(exc).__name__})"
                    result = lost_result(lost, item_of[done[0]], why)
                yield result
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)


def _apply(fn: Callable[[Any], Any], item: Any) -> Any:
    """On a worker: one thread (the LSTM collapses with two on a busy core)."""
    from stockpred.training.loop import one_thread

    one_thread()
    return fn(item)


def gpu_fraction(device: str, tasks_per_gpu: int = 4) -> float:
    """The share of a GPU each task asks for: small LSTMs share a card four at a time."""
    return 1.0 / tasks_per_gpu if device == "cuda" else 0.0


@contextmanager
def ray_backend(address: str | None, log_file: Path | None, device: str) -> Iterator[RayBackend]:
    """A RayBackend inside a Ray session (joined or started here) that ends with the block."""
    from stockpred.cluster.session import ray_session

    with ray_session(address, log_file):
        yield RayBackend(gpu_fraction=gpu_fraction(device))


@contextmanager
def universe_backend(
    kind: str, workers: int | None, address: str | None, out: Path, device: str
) -> Iterator[Backend]:
    """The backend ``--backend`` names; Ray's session (and its log, OUT/ray.log) ends with it."""
    if kind != "ray":
        yield LocalBackend(workers)
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    with ray_backend(address, Path(out) / RAY_LOG, device) as backend:
        yield backend
