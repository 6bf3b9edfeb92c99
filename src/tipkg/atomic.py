"""Atomic output folders: write into a staging folder beside the target, then swap it in with one rename.

Why: `tipkg build` (and `release`) must leave `--out` as the previous build or the new one, whatever stops
it: an error, Ctrl-C, `kill -9`.

- Files are written into `.NAME.tmp-XXXXXXXX` beside the target. While it is written, the folder holds a
  marker file (`MARKER`) and the writing process holds an advisory lock (`flock`) on it.
- An existing target is exchanged with the staging folder by one `renameat2(RENAME_EXCHANGE)` system call
  (Linux 3.15+, glibc 2.28+), so there is no moment without a target; the previous build then sits in the
  staging folder and is removed. Where that call is missing (other systems, some file systems) two renames
  are used, and for microseconds the target is missing (the previous build is then in `.NAME.old-*`).
  No library is used for the exchange: the PyPI `renameat2` wrapper has not been released since 2022 and the
  call is one line of ctypes.
- A build killed before it finished leaves its staging folder; the next build into the same target removes
  it, but only a folder that is ours: named like ours, not a link, holding the marker (which is removed
  last), and not locked by a live build. The previous build gets the marker as soon as it is swapped out.
  A folder a user made, even with such a name, has no marker and is never removed. Left behind without a
  marker (so for good), each a window of microseconds: a folder killed right after its creation (empty), the
  previous build killed between the exchange and its marker, and, where the exchange is missing, the
  previous build killed between the two renames.

Tests: tests/pipeline/test_build_killed.py kills `tipkg build` with SIGKILL at several points (while
writing, at the exchange, while removing the previous build) and checks the target is the old or the new.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tipkg.errors import InputError

MARKER = ".tipkg-staging"
MARKER_TEXT = b"a folder tipkg build is writing; a later build removes it once no build holds it\n"
SUFFIX = re.compile(r"\.(tmp|old)-[a-z0-9_]{8}")  # tempfile.mkdtemp's random part: 8 of [a-z0-9_]
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` to write into; it replaces `target` when the block ends well."""
    remove_stale(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    lock = os.open(staging, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        mark(staging)
        staging.chmod(0o755)
        yield staging
        (staging / MARKER).unlink()
        replace_folder(staging, target)
        if staging.exists():  # it holds the previous build now
            mark(staging)
    finally:
        os.close(lock)
        remove(staging)


def mark(folder: Path) -> None:
    (folder / MARKER).write_bytes(MARKER_TEXT)


def remove(folder: Path) -> None:
    """Remove a staging folder, its marker last, so that a kill halfway leaves it recognisable."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` where `target` is; on failure `target` is left as it was."""
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a folder", target, hint="the output must be a folder")
    if not target.exists():
        os.rename(new, target)
    elif not exchange(new, target):
        _replace_by_two_renames(new, target)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call; False where the system or file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _replace_by_two_renames(new: Path, target: Path) -> None:
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise
    mark(old)
    remove(old)


def remove_stale(target: Path) -> list[Path]:
    """Remove the staging folders that killed builds into `target` left behind; returns them."""
    if not target.parent.is_dir():
        return []
    prefix = f".{target.name}"
    removed = []
    for entry in sorted(target.parent.iterdir()):
        if entry.name.startswith(prefix) and SUFFIX.fullmatch(entry.name[len(prefix):]) \
                and is_ours(entry) and not is_locked(entry):
            remove(entry)
            removed.append(entry)
    return removed


def is_ours(folder: Path) -> bool:
    """A folder tipkg made: a real folder (not a link) holding the marker as a regular file."""
    marker = folder / MARKER
    return not folder.is_symlink() and folder.is_dir() and marker.is_file() and not marker.is_symlink()


def is_locked(folder: Path) -> bool:
    """Whether a live build holds the folder's lock (a killed one's lock went with its process)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
