"""One local Ray cluster for the tests in this folder, gone as soon as the last one has run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="package")
def ray_cluster() -> Iterator[Any]:
    """2 CPUs, a small object store, nothing on the terminal; package scope, so Ray's own
    processes stop with this folder's tests instead of idling until the session ends."""
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install 'stockpred[ray]'")
    from stockpred.cluster.session import output_to

    with output_to(None):
        ray.init(
            num_cpus=2,
            object_store_memory=80 * 1024**2,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    yield ray
    with output_to(None):
        ray.shutdown()
