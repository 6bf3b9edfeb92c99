"""Issue 11: the endpoint stays usable while heavy queries run.

`tipkg serve`'s app in this process (`serve_in_process`, so the test can see the engine's state) on the
fixture project, with three query workers (two long-query slots and the quick lane, engine.py) and an 8 s
timeout. Two cartesian products are started, and the test waits until the engine counts both as long
queries (past 0.5 s, their workers reniced to 19) and holds a spare worker aside. Then a third cartesian
product takes the last worker: without the quick lane every worker would now be held until the timeout.
While the two run, a cheap SPARQL query, a canned query nobody asked before and entity pages must each
answer within 1 s (after a warm-up). Afterwards the two must still have been running at the end of the
measurement and must end with the 503 of the 8 s timeout; the third is stopped early with 503 and
Retry-After. Last, a request that finds no free worker waits only the queue's deadline, not the budget.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.serve.conftest import FIXTURE_PROJECT, InProcessServer, serve_in_process
from tests.serve.test_headers import assert_secure

from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.server import ServerSettings
from tipkg.server.engine import LONG_NICENESS

TIMEOUT = 8.0
BOUND = 1.0  # seconds: what the issue asks of a cheap request while heavy ones run
CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
)
CHEAP = ("SELECT ?label WHERE { <https://w3id.org/tipkg/id/hhs> "
         "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }")
FRESH = itertools.count()


@pytest.fixture(scope="module")
def served() -> Iterator[InProcessServer]:
    loaded = load_project(find_project(FIXTURE_PROJECT))
    with serve_in_process(loaded, ServerSettings(workers=3, timeout=TIMEOUT)) as server:
        yield server


def niceness(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[16])  # field 19 of proc(5): after the name, 3


def timed(http: httpx.Client, path: str, **params) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = http.get(path, params=params)
    return time.monotonic() - started, response


class Heavy(threading.Thread):
    """A cartesian product sent from its own client; keeps the response and how long it took."""

    def __init__(self, served: InProcessServer) -> None:
        super().__init__(daemon=True)
        self.served = served
        self.response: httpx.Response | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        with self.served.client() as own:
            self.seconds, self.response = timed(own, "/sparql", query=f"{CARTESIAN} # heavy {next(FRESH)}")


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_cheap_requests_answer_within_a_second_while_heavy_queries_hold_the_workers(served):
    engine = served.engine
    with served.client() as http:
        # Warm-up: the templates, a page and the workers' first queries are not what is measured.
        assert http.get("/id/hhs").status_code == 200
        for n in range(3):
            assert http.get("/sparql", params={"query": f"{CHEAP} # warm-up {n}"}).status_code == 200
        first, second = Heavy(served), Heavy(served)
        assert wait_until(lambda: engine.long_running == 2 and engine.spares >= 1, TIMEOUT / 2), \
            "the two heavy queries did not become long queries with a spare worker aside"
        reniced = sorted(niceness(pid) for pid in engine.worker_pids)
        third = Heavy(served)
        assert wait_until(lambda: engine.idle_workers == 0, TIMEOUT / 2), "the third took no worker"
        measured = {
            "cheap SPARQL": timed(http, "/sparql", query=f"{CHEAP} # {next(FRESH)}"),
            "another cheap SPARQL": timed(http, "/sparql", query=f"ASK {{ ?s ?p ?o }} # {next(FRESH)}"),
            "canned query, first time": timed(http, "/queries/hotlines", format="csv"),
            "entity page": timed(http, "/id/hhs"),
            "entity page, first time": timed(http, "/id/nhtrc"),
            "entity as Turtle, first time": timed(http, "/id/hhs.ttl"),
        }
        still_running = (first.is_alive(), second.is_alive(), engine.long_running)
    for thread in (first, second, third):
        thread.join(timeout=TIMEOUT + 30)

    assert reniced == [0, LONG_NICENESS, LONG_NICENESS]
    for what, (seconds, response) in measured.items():
        assert response.status_code == 200, f"{what}: {response.status_code} {response.text[:300]}"
        assert seconds < BOUND, f"{what} took {seconds:.2f} s while two heavy queries ran"
    assert still_running == (True, True, 2), "the heavy queries ended before the measurement did"
    # The two long ones held their workers until the timeout, so they ran through the measurement.
    for thread in (first, second):
        assert thread.response is not None and thread.response.status_code == 503
        assert f"longer than the {TIMEOUT:g} s limit" in thread.response.text
    # The third turned long with both slots taken: stopped early, and told when to come back.
    stopped = third.response
    assert stopped is not None and stopped.status_code == 503, stopped
    assert "Server busy" in stopped.text and "2 long queries were already running" in stopped.text
    assert int(stopped.headers["retry-after"]) >= 1
    assert_secure(stopped)
    assert third.seconds < TIMEOUT / 2, f"the third heavy query held a worker for {third.seconds:.1f} s"


def test_the_pool_is_whole_again_after_the_heavy_queries(served):
    """The stopped workers were replaced and the spare retired: three workers at normal priority."""
    engine = served.engine
    assert wait_until(lambda: len(engine.worker_pids) == 3 and engine.spares == 0, 30)
    assert engine.long_running == 0
    assert [niceness(pid) for pid in engine.worker_pids] == [0, 0, 0]
    with served.client() as http:
        assert http.get("/sparql", params={"query": f"{CHEAP} # after {next(FRESH)}"}).status_code == 200


def test_a_request_waits_for_a_worker_only_as_long_as_the_queue_allows():
    """One worker, held by a heavy query for 4 s: a request that waits for it gets 503 after the queue's
    1 s, with Retry-After, instead of waiting out the heavy query's whole budget."""
    loaded = load_project(find_project(FIXTURE_PROJECT))
    with serve_in_process(loaded, ServerSettings(workers=1, timeout=4.0, queue=1.0)) as server:
        heavy = Heavy(server)
        assert wait_until(lambda: server.engine.long_running == 1, 3.0)
        with server.client() as http:
            seconds, response = timed(http, "/sparql", query=f"{CHEAP} # queued {next(FRESH)}")
        heavy.join(timeout=30)
    assert response.status_code == 503, response.text
    assert "every query worker stayed busy for 1 s" in response.text
    assert response.headers["retry-after"] == "1"
    assert 0.9 < seconds < 3.0, f"answered after {seconds:.2f} s"
    assert heavy.response is not None and "longer than the 4 s limit" in heavy.response.text
