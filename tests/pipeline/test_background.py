"""tipkg.background: the work of a forked child comes back (value or error), and the child never outlives the
process that started it (a build killed by its budget or by kill -9 leaves no JSON-LD writer running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tipkg.background import Background
from tipkg.errors import InputError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")


def test_the_value_comes_back_from_another_process() -> None:
    job = Background(lambda: (os.getpid(), "written"))
    pid, text = job.result()
    assert text == "written" and pid != os.getpid()


def test_a_tipkg_error_is_raised_here() -> None:
    def fail() -> None:
        raise InputError("bad input", hint="fix it")

    with pytest.raises(InputError, match="bad input"):
        Background(fail).result()


def test_a_crash_shows_its_traceback() -> None:
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        Background(lambda: 1 / 0).result()


def test_cancel_kills_the_child() -> None:
    job = Background(lambda: time.sleep(60))
    pid = job.pid
    job.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


CHILD_PID_OF_KILLED_PARENT = """
import sys, time
from tipkg.background import Background
job = Background(lambda: time.sleep(60))
print(job.pid, flush=True)
time.sleep(60)
"""


def test_the_child_dies_with_its_parent() -> None:
    with subprocess.Popen([sys.executable, "-c", CHILD_PID_OF_KILLED_PARENT], stdout=subprocess.PIPE,
                          text=True) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.send_signal(signal.SIGKILL)
    for _ in range(100):  # the kernel delivers the death signal; the child is reaped by init
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the background child outlived its killed parent")
