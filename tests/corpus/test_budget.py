"""tipkg.budget on its own: results in order, the deadline really stops the work and names the step that
was running, a TipkgError raised in the child reaches the caller as itself, and 0 means no limit."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tipkg.budget import Step, Timed, WorkerKilled, run_steps, usable_cores
from tipkg.errors import BudgetExceeded, InputError


def pid() -> int:
    return os.getpid()


def test_results_come_back_in_order_from_another_process() -> None:
    steps = [Step("one", lambda: 1), Step("two", lambda: "2"), Step("pid", pid)]
    one, two, child = run_steps("stage", steps, 30, "--x")
    assert (one, two) == (1, "2")
    assert child != os.getpid()  # the work ran in a child that could be killed


def test_the_deadline_stops_the_work_and_names_the_running_step() -> None:
    steps = [Step("quick", lambda: None), Step("queries/slow.rq", lambda: time.sleep(60))]
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as raised:
        run_steps("the query checks", steps, 0.5, "--query-timeout")
    assert time.monotonic() - started < 10
    assert "the query checks ran out of time (0.5 s) while running queries/slow.rq" in str(raised.value)
    assert "--query-timeout" in str(raised.value)


def fail() -> None:
    raise InputError("broken", "shapes/x.ttl", 3, 1)


def test_an_error_in_the_child_reaches_the_caller() -> None:
    with pytest.raises(InputError, match=r"^shapes/x\.ttl:3:1: broken$"):
        run_steps("SHACL", [Step("shapes", fail)], 30, "--shacl-timeout")


def test_no_limit_runs_here() -> None:
    [here] = run_steps("stage", [Step("pid", pid)], 0, "--x")
    assert here == os.getpid()


def test_two_started_stages_run_side_by_side(tmp_path) -> None:
    """The first stage waits for a file only the second one writes: awaited one after the other, it would
    run out of time."""
    marker = tmp_path / "second-ran"

    def wait_for_second() -> str:
        deadline = time.monotonic() + 20
        while not marker.exists():
            if time.monotonic() > deadline:
                return "the second stage never ran beside me"
            time.sleep(0.01)
        return "saw the second"

    first = Timed("first", [Step("wait", wait_for_second)], 30, "--x")
    second = Timed("second", [Step("mark", lambda: marker.write_text("x") and "marked")], 30, "--x")
    with first, second:
        first.start()
        second.start()
        assert first.results() == ["saw the second"]
        assert second.results() == ["marked"]
    assert len(first.seconds_taken) == len(second.seconds_taken) == 1


def test_leaving_the_block_kills_a_stage_not_awaited() -> None:
    with Timed("slow", [Step("sleep", lambda: time.sleep(60))], 30, "--x") as slow:
        slow.start()
        child = slow.child
        assert child.is_alive()
    assert not child.is_alive()


def test_the_deadline_counts_from_the_start() -> None:
    stage = Timed("stage", [Step("sleep", lambda: time.sleep(2))], 1, "--x").start()
    time.sleep(1.2)  # the child's budget is spent while the caller does other work
    with stage, pytest.raises(BudgetExceeded):
        stage.results()


def test_a_result_waiting_past_the_deadline_is_taken() -> None:
    """A stage started early may be read late (SHACL ran meanwhile): what it sent in time is its result."""
    with Timed("early", [Step("quick", lambda: "done")], 0.5, "--x") as early:
        early.start()
        time.sleep(1.5)
        assert early.results() == ["done"]


def kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_from_outside_unwinds_then_ends_the_command(tmp_path) -> None:
    """WorkerKilled passes through the `with` blocks (they clean up) to the command's edge."""
    cleaned = tmp_path / "cleaned"
    with pytest.raises(WorkerKilled) as raised:
        try:
            run_steps("SHACL", [Step("shapes", kill_myself)], 30, "--shacl-timeout")
        finally:
            cleaned.write_text("yes")
    assert raised.value.signal_number == signal.SIGKILL
    assert cleaned.read_text() == "yes"


def cgroup(folder, v2: str | None = None, v1: tuple[str, str] | None = None):
    """A cgroup folder as /sys/fs/cgroup shows it: v2's cpu.max, or v1's cpu/cpu.cfs_*_us, or neither."""
    folder.mkdir()
    if v2 is not None:
        (folder / "cpu.max").write_text(v2 + "\n")
    if v1 is not None:
        (folder / "cpu").mkdir()
        (folder / "cpu" / "cpu.cfs_quota_us").write_text(v1[0] + "\n")
        (folder / "cpu" / "cpu.cfs_period_us").write_text(v1[1] + "\n")
    return folder


def test_a_cpu_quota_limits_the_cores_used(tmp_path, monkeypatch) -> None:
    """`docker --cpus=1` leaves every core in the affinity mask but allows one core's time: work side by
    side would only cost memory."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert usable_cores(cgroup(tmp_path / "none")) == 4
    assert usable_cores(cgroup(tmp_path / "one", v2="100000 100000")) == 1
    assert usable_cores(cgroup(tmp_path / "two-and-a-half", v2="250000 100000")) == 2  # whole cores only
    assert usable_cores(cgroup(tmp_path / "unlimited", v2="max 100000")) == 4
    assert usable_cores(cgroup(tmp_path / "half-v1", v1=("50000", "100000"))) == 1
    assert usable_cores(cgroup(tmp_path / "unlimited-v1", v1=("-1", "100000"))) == 4
