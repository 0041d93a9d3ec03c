"""What the folder tests share: a full snapshot of a folder, and a folder this process cannot
write (whether the suite runs as root or not)."""

from __future__ import annotations

import importlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534

# A user's home-like folder: hidden files a careless writer would take for its own.
USER_HIDDEN = {
    ".ssh/id_ed25519": b"-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n",
    ".git/HEAD": b"ref: refs/heads/main\n",
    ".env": b"API_KEY=123\n",
    ".bashrc": b"export PATH=$PATH:~/bin\n",
}


def snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry below ``folder`` (hidden ones and empty folders too): mode and bytes."""
    return {
        str(p.relative_to(folder)): (
            stat.S_IMODE(p.lstat().st_mode),
            p.read_bytes() if p.is_file() else None,
        )
        for p in sorted(folder.rglob("*"))
    }


def plant(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (relative path -> bytes) below ``folder``."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@contextmanager
def open_tmp() -> Iterator[Path]:
    """A temporary folder every user may enter and read (pytest's are root's alone)."""
    root = Path(tempfile.mkdtemp())
    try:
        root.chmod(0o755)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Inside the block this process cannot write ``folder`` (made by this process, 0755).

    As root, permissions do not bind: the process then acts as ``nobody`` for the block
    (``folder`` must lie below :func:`open_tmp`); otherwise the folder is made read-only.
    """
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    # What the commands import lazily from Python's own library, which may lie in a
    # root-only folder (pyenv under /root): imported while still root.
    importlib.import_module("concurrent.futures.process")
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
