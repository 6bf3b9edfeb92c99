"""Atomic output folders: write into a staging folder beside the target, then swap it in with one rename.

Why: `tipkg build` (and `release`) must leave `--out` as the previous build or the new one, whatever stops
it: an error, Ctrl-C, `kill -9`.

- First a marker file `.NAME.tmp-XXXXXXXX.tipkg-lock` is made beside the target and locked (`flock`) for as
  long as the process works; then the files are written into the folder `.NAME.tmp-XXXXXXXX` it names.
- An existing target is exchanged with that folder by one `renameat2(RENAME_EXCHANGE)` system call (Linux
  3.15+, glibc 2.28+), so there is no moment without a target; the previous build then sits in the staging
  folder and is removed, and the marker last. Where the call is missing (other systems, some file systems)
  two renames are used, and for microseconds the target is missing (the previous build is then in
  `.NAME.tmp-XXXXXXXX.old`, under the same marker). No library is used for the exchange: the PyPI
  `renameat2` wrapper has not been released since 2022, and the call is a few lines of ctypes.
- A build killed before it finished leaves its marker and folder; the next build into the same target
  removes them, but only where the marker is a regular file that no live process holds locked (a killed
  process's lock goes with it). A folder with no marker beside it is never touched, whatever its name, so
  a user's folder is safe. The marker is made before the folder and removed after it, so no kill leaves a
  folder without its marker.

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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tipkg.errors import InputError

MARKER_SUFFIX = ".tipkg-lock"
MARKER_TEXT = b"tipkg build is writing the folder of this name; a later build removes both once unlocked\n"
RANDOM = re.compile(r"[a-z0-9_]{8}")  # tempfile's random part: 8 of [a-z0-9_]
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` to write into; it replaces `target` when the block ends well."""
    remove_stale(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", suffix=MARKER_SUFFIX, dir=target.parent)
    marker = Path(name)
    staging = marker.with_name(marker.name.removesuffix(MARKER_SUFFIX))
    made = False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, MARKER_TEXT)
        staging.mkdir()
        made = True
        staging.chmod(0o755)
        yield staging
        replace_folder(staging, target)
    finally:
        if made:
            remove_folders(staging)
        marker.unlink(missing_ok=True)
        os.close(fd)


def replace_folder(new: Path, target: Path) -> None:
    """Put `new` where `target` is; on failure `target` is left as it was. `new` then holds the old."""
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
    old = old_folder(new)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)
        raise


def old_folder(staging: Path) -> Path:
    return staging.with_name(staging.name + ".old")


def remove_folders(staging: Path) -> None:
    """Remove a staging folder and the previous build parked beside it (links are never followed)."""
    for folder in (staging, old_folder(staging)):
        for _ in range(20):  # a writer killed a moment ago (its kernel-sent SIGKILL) may still add a file
            if not folder.is_dir() or folder.is_symlink():
                break
            shutil.rmtree(folder, ignore_errors=True)
            if folder.exists():
                time.sleep(0.05)


def remove_stale(target: Path) -> list[Path]:
    """Remove what killed builds into `target` left behind (marker, folder); returns the folders."""
    if not target.parent.is_dir():
        return []
    prefix = f".{target.name}.tmp-"
    removed = []
    for marker in sorted(target.parent.iterdir()):
        name = marker.name
        if not (name.startswith(prefix) and name.endswith(MARKER_SUFFIX)
                and RANDOM.fullmatch(name[len(prefix):-len(MARKER_SUFFIX)])):
            continue
        if marker.is_symlink() or not marker.is_file() or is_locked(marker):
            continue
        staging = marker.with_name(name.removesuffix(MARKER_SUFFIX))
        remove_folders(staging)
        marker.unlink(missing_ok=True)
        removed.append(staging)
    return removed


def is_locked(marker: Path) -> bool:
    """Whether a live process holds the marker's lock (a killed one's lock went with its process)."""
    try:
        fd = os.open(marker, os.O_RDONLY)
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
