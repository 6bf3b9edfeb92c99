"""Time and size budgets for the stages a project controls: parsing, SHACL shapes, reasoning, query checks,
publishing.

A project's files decide how much work `validate` and `build` do: a 2 GB file, a shape or a `*-violation.rq`
with a cartesian join. pyoxigraph and pySHACL cannot be cancelled from Python, so a timed stage runs in a
forked child process that is killed at its deadline (the parent's copy of the store is untouched, and the
child returns picklable results). The budget then ends the command with `BudgetExceeded` (exit 2), naming
the stage, the file it was working on and the option that raises the limit. A budget of 0 means no limit:
the stage then runs in this process (and so never beside another). A child killed from outside (kill -9,
the out-of-memory killer) raises `WorkerKilled`; the command cleans up and dies of the same signal, so it
ends as it would have without the child.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from tipkg.background import die_with_parent
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
    with Timed(stage, steps, seconds, option) as timed:
        return timed.results()


class WorkerKilled(BaseException):
    """A stage's child process was killed from outside (kill -9, the out-of-memory killer). A BaseException,
    like KeyboardInterrupt: nothing handles it but the command's edge (`cli.common.reports_errors`), which
    dies of the same signal once the `with` blocks on the way have cleaned up (a staging folder, the other
    children), so the command ends as it would have without the child."""

    def __init__(self, stage: str, signal_number: int) -> None:
        super().__init__(f"{stage}: the worker process was killed by signal {signal_number}")
        self.signal_number = signal_number


class Timed:
    """A timed stage: its steps in a forked child started by `start()` (or by `results()`), which waits for
    their results within `seconds` of the start. Two started before either is awaited run side by side, on
    two cores. Leaving the `with` block kills a child still running (the caller failed, or another stage
    did). Without a budget (0) or without fork, `results()` runs the steps here. `seconds_taken`: how long
    each step took, measured where it ran."""

    def __init__(self, stage: str, steps: Sequence[Step], seconds: float, option: str) -> None:
        self.stage, self.steps, self.seconds, self.option = stage, steps, seconds, option
        self.seconds_taken: list[float] = []
        self.child: Any = None
        self.receiver: Connection | None = None
        self.deadline = 0.0

    @property
    def forks(self) -> bool:
        return self.seconds > 0 and bool(self.steps) and hasattr(os, "fork")

    def start(self) -> Timed:
        if self.forks and self.child is None:
            context = multiprocessing.get_context("fork")
            self.receiver, sender = context.Pipe(duplex=False)
            self.child = context.Process(target=_child, args=(self.steps, sender, os.getpid()), daemon=True)
            self.deadline = time.monotonic() + self.seconds
            self.child.start()
            sender.close()
        return self

    def results(self) -> list[Any]:
        if not self.forks:
            return [self._here(step) for step in self.steps]
        self.start()
        try:
            return self._collect()
        except EOFError:  # the child ended without a word: killed from outside (kill -9, out of memory)
            self.child.join()
            if self.child.exitcode is not None and self.child.exitcode < 0:
                raise WorkerKilled(self.stage, -self.child.exitcode) from None
            exit_code = self.child.exitcode
            raise RuntimeError(f"{self.stage}: the worker process ended (exit {exit_code})") from None
        finally:
            self.stop()

    def _here(self, step: Step) -> Any:
        started = time.perf_counter()
        value = step.work()
        self.seconds_taken.append(time.perf_counter() - started)
        return value

    def _collect(self) -> list[Any]:
        assert self.receiver is not None
        results: list[Any] = []
        current = 0
        while len(results) < len(self.steps):
            left = self.deadline - time.monotonic()
            if not self.receiver.poll(max(left, 0)):  # a result already waiting counts, however late
                running = self.steps[current].name
                raise BudgetExceeded(
                    f"{self.stage} ran out of time ({self.seconds:g} s) while running {running}",
                    hint=f"make it cheaper, or raise the budget with {self.option} (0 = no limit)",
                )
            kind, value = self.receiver.recv()  # EOFError when the child was killed: results() answers it
            if kind == "start":
                current = value
            elif kind == "done":
                result, seconds = value
                results.append(result)
                self.seconds_taken.append(seconds)
            elif kind == "error":
                raise value
            else:
                raise RuntimeError(f"{self.stage} failed in its worker process:\n{value}")
        return results

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.close()
            self.receiver = None
        if self.child is not None:
            if self.child.is_alive():
                self.child.kill()  # the only way to stop an Oxigraph or pySHACL evaluation
            self.child.join()

    def __enter__(self) -> Timed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _child(steps: Sequence[Step], sender: Connection, parent: int) -> None:
    """In the forked child: announce each step, then send its result and how long it took, or the error
    that ended it. It dies with its parent: a killed build leaves no worker writing behind it."""
    die_with_parent(parent)
    try:
        for index, step in enumerate(steps):
            sender.send(("start", index))
            started = time.perf_counter()
            value = step.work()
            sender.send(("done", (value, time.perf_counter() - started)))
    except TipkgError as exc:
        sender.send(("error", exc))
    except BaseException:  # a bug: its traceback is shown, as it would be without the budget
        sender.send(("crash", traceback.format_exc()))
    finally:
        sender.close()


CGROUP = Path("/sys/fs/cgroup")


def usable_cores(cgroup: Path = CGROUP) -> int:
    """The cores this process may keep busy: its CPU affinity (`taskset`, a cpuset), and no more than a
    CPU quota allows (`docker --cpus=1`: cgroup v2's cpu.max, v1's cpu.cfs_quota_us), whole cores only."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = cpu_quota(cgroup)
    return max(1, min(cores, int(quota))) if quota is not None else cores


def cpu_quota(cgroup: Path) -> float | None:
    """How many CPUs the cgroup's quota allows, or None without a quota (or a readable cgroup)."""
    try:
        limit, period = (cgroup / "cpu.max").read_text().split()[:2]  # v2: "max 100000" or "150000 100000"
    except (OSError, ValueError):
        try:  # v1: -1 when there is no quota
            limit = (cgroup / "cpu" / "cpu.cfs_quota_us").read_text().strip()
            period = (cgroup / "cpu" / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        quota, length = int(limit), int(period)
    except ValueError:  # "max"
        return None
    return quota / length if quota > 0 and length > 0 else None


def file_too_large(size: int, budgets_bytes: int | None) -> str | None:
    """Why a file of `size` bytes is over the parsing budget, or None when it fits."""
    if budgets_bytes is None or size <= budgets_bytes:
        return None
    return (f"the file is {size / 1024 / 1024:,.1f} MiB; files up to {budgets_bytes / 1024 / 1024:,.1f} MiB "
            "are parsed")
