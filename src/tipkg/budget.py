"""Time and size budgets for the stages a project controls: parsing, SHACL shapes, reasoning, query checks,
publishing.

A project's files decide how much work `validate` and `build` do: a 2 GB file, a shape or a `*-violation.rq`
with a cartesian join. pyoxigraph and pySHACL cannot be cancelled from Python, so a timed stage runs in a
forked child process that is killed at its deadline (the parent's copy of the store is untouched, and the
child returns picklable results). The budget then ends the command with `BudgetExceeded` (exit 2), naming
the stage, the file it was working on and the option that raises the limit. A budget of 0 means no limit:
the stage then runs in this process. A child killed from outside (kill -9, the out-of-memory killer) takes
this process with it by the same signal, so the command ends as it would have without the child.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from tipkg.errors import BudgetExceeded, TipkgError

T = TypeVar("T")

DEFAULT_SHACL_SECONDS = 120.0
DEFAULT_QUERY_SECONDS = 60.0
DEFAULT_MAX_FILE_MB = 256.0
DEFAULT_PUBLISH_SECONDS = 300.0
DEFAULT_REASON_SECONDS = 120.0


@dataclass(frozen=True)
class Budgets:
    """What one run of validate/build may spend; 0 switches a limit off."""

    shacl_seconds: float = DEFAULT_SHACL_SECONDS
    query_seconds: float = DEFAULT_QUERY_SECONDS
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    publish_seconds: float = DEFAULT_PUBLISH_SECONDS  # canonical blank nodes: deep nesting costs ~n**2.6
    reason_seconds: float = DEFAULT_REASON_SECONDS  # a chain of 400 owl:sameAs: minutes

    @property
    def max_file_bytes(self) -> int | None:
        return int(self.max_file_mb * 1024 * 1024) if self.max_file_mb > 0 else None


DEFAULT_BUDGETS = Budgets()


@dataclass(frozen=True)
class Step:
    """One piece of a timed stage: what it works on (for the message) and the work."""

    name: str
    work: Callable[[], Any]


def run_steps(stage: str, steps: Sequence[Step], seconds: float, option: str) -> list[Any]:
    """Each step's result, in order; all of them within `seconds` or `BudgetExceeded`."""
    if seconds <= 0 or not steps or not hasattr(os, "fork"):
        return [step.work() for step in steps]
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(steps, sender), daemon=True)
    child.start()
    sender.close()
    try:
        return _collect(receiver, stage, steps, seconds, option)
    except EOFError:  # the child ended without a word: killed from outside (kill -9, out of memory)
        child.join()
        if child.exitcode is not None and child.exitcode < 0:
            os.kill(os.getpid(), -child.exitcode)  # die of the same signal, as without the child
        raise RuntimeError(f"{stage}: the worker process ended (exit {child.exitcode})") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()  # the only way to stop an Oxigraph or pySHACL evaluation
        child.join()


def _child(steps: Sequence[Step], sender: Connection) -> None:
    """In the forked child: announce each step, then send its result, or the error that ended it."""
    try:
        for index, step in enumerate(steps):
            sender.send(("start", index))
            sender.send(("done", step.work()))
    except TipkgError as exc:
        sender.send(("error", exc))
    except BaseException:  # a bug: its traceback is shown, as it would be without the budget
        sender.send(("crash", traceback.format_exc()))
    finally:
        sender.close()


def _collect(receiver: Connection, stage: str, steps: Sequence[Step], seconds: float, option: str) -> list:
    deadline = time.monotonic() + seconds
    results: list[Any] = []
    current = 0
    while len(results) < len(steps):
        left = deadline - time.monotonic()
        if left <= 0 or not receiver.poll(left):
            raise BudgetExceeded(
                f"{stage} ran out of time ({seconds:g} s) while running {steps[current].name}",
                hint=f"make it cheaper, or raise the budget with {option} (0 = no limit)",
            )
        kind, value = receiver.recv()  # EOFError when the child was killed: run_steps answers it
        if kind == "start":
            current = value
        elif kind == "done":
            results.append(value)
        elif kind == "error":
            raise value
        else:
            raise RuntimeError(f"{stage} failed in its worker process:\n{value}")
    return results


def file_too_large(size: int, budgets_bytes: int | None) -> str | None:
    """Why a file of `size` bytes is over the parsing budget, or None when it fits."""
    if budgets_bytes is None or size <= budgets_bytes:
        return None
    return (f"the file is {size / 1024 / 1024:,.1f} MiB; files up to {budgets_bytes / 1024 / 1024:,.1f} MiB "
            "are parsed")
