"""tipkg.budget on its own: results in order, the deadline really stops the work and names the step that
was running, a TipkgError raised in the child reaches the caller as itself, and 0 means no limit."""

from __future__ import annotations

import os
import time

import pytest

from tipkg.budget import Step, run_steps
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
