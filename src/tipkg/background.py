"""Run one piece of work in a forked child while this process does other work: the second core.

`tipkg build` writes the JSON-LD (a third of the publishing time at a million triples, all of it Python)
while the other files are written. A fork shares what is already computed (the merged triples, the
context) without copying or pickling it; only the work's small result comes back through a pipe.

The child dies with its parent (Linux `PR_SET_PDEATHSIG`): a build killed by its budget or by `kill -9`
leaves no writer behind, and none that holds the staging folder's lock. Without `fork` (not POSIX) the work
runs in this process, first.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from tipkg.errors import TipkgError

T = TypeVar("T")
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent ends; end now if it already has."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent still waits for, or kills, its child
        pass
    if os.getppid() != parent:
        os._exit(1)


class Background(Generic[T]):
    """`work` started in a forked child; `result()` waits for it and gives its value or raises its error;
    `cancel()` kills it (the caller failed and will not wait)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.pid = 0
        self.value: T | None = None
        if not hasattr(os, "fork"):
            self.value = work()
            return
        parent = os.getpid()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            die_with_parent(parent)
            self._run(work, write)
        os.close(write)
        self.pid, self.pipe = pid, read

    @staticmethod
    def _run(work: Callable[[], T], write: int) -> None:
        try:
            message: tuple = ("done", work())
        except TipkgError as exc:  # picklable, and shown as the command's own error
            message = ("error", exc)
        except BaseException:  # a bug: its traceback is shown, as it would be in this process
            message = ("crash", traceback.format_exc())
        with os.fdopen(write, "wb") as stream:
            pickle.dump(message, stream)
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers twice

    def result(self) -> T:
        if not self.pid:
            return self.value  # type: ignore[return-value]
        with os.fdopen(self.pipe, "rb") as stream:
            data = stream.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if not data:
            raise RuntimeError(f"the background writer ended without a result (wait status {status})")
        kind, value = pickle.loads(data)  # noqa: S301 - our own child's message, through our own pipe
        if kind == "error":
            raise value
        if kind == "crash":
            raise RuntimeError(f"the background writer failed:\n{value}")
        return value

    def cancel(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.pipe)
            self.pid = 0
