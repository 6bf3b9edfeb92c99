"""Run untrusted SPARQL in worker processes that can be killed, so a timeout really stops the work.

Oxigraph (pyoxigraph, Rust) evaluates queries fast but cannot be interrupted from Python, and a thread
cannot be stopped. So each query runs in one of a small pool of worker processes, each holding its own
in-memory copy of the project store (`tipkg.engine.ProjectStore`, built once by the parent and handed over
as N-Quads; nothing is written to disk). When a query passes its deadline the worker is killed (SIGKILL)
and a fresh one takes its place; the other workers, and the event loop that serves pages, keep answering.
Each worker (worker.py) also caps its address space, and tries to move into a network namespace of its own
so that even a SERVICE call that slipped past the screen could not reach another host.

Two cartesian products must not make the endpoint unusable, so the pool has a quick lane. Every query
starts on any idle worker; one that is still running after `quick` seconds (0.5 s) becomes a long query,
runs on at the lowest CPU priority, and at most `workers - 1` long queries run at once. So one worker is
always idle or busy with a query younger than `quick`, and a cheap query waits at most about that long.
A query that turns long when every long slot is taken is stopped there (503 with `Retry-After`) rather
than occupying the last worker. While the slots are all taken, and for each long query near its timeout,
a started spare worker waits aside to take a stopped worker's place at once (starting one takes from
0.6 s to seconds on a busy machine); spares are retired when no long query runs.
A request that finds no idle worker waits in a FIFO queue with its own deadline (`queue`, 5 s), not the
query budget, and its run then gets the whole budget. Pages and cached answers never wait for a worker.

Before anything reaches a worker, the parent screens the text (`tipkg.sparql.screen`: update, SERVICE,
nesting that would overflow Oxigraph's parser) and its length. Answers come back as `tipkg.engine.
QueryResult`, already capped at the row limit.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import IO

from tipkg.engine import QueryDataset, QueryResult
from tipkg.server.worker import MAX_QUERY_LENGTH, WorkerData, WorkerFailure, WorkerRequest
from tipkg.sparql import QueryRefused, screen
from tipkg.terms import OxTerm

log = logging.getLogger("tipkg.serve")


class QueryError(Exception):
    """The query was refused or failed; `status` is the HTTP status the endpoint answers with."""

    def __init__(self, message: str, status: int = 400, title: str = "Malformed query") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.title = title
        self.headers: dict[str, str] = {}  # e.g. Retry-After on a 503


class QueryTimeout(QueryError):
    def __init__(self, seconds: float, waiting: bool = False) -> None:
        if waiting:
            message = f"every query worker stayed busy for {seconds:g} s; try again in a moment"
        else:
            message = (
                f"the query ran longer than the {seconds:g} s limit and was stopped; "
                "narrow it down (more specific patterns, a LIMIT, fewer unbound joins)"
            )
        super().__init__(message, status=503, title="Query timed out")
        if waiting:
            self.headers = {"Retry-After": "1"}


class QueryBusy(QueryError):
    """A query turned long while every long slot was taken: stopped, so the quick lane stays free."""

    def __init__(self, limits: EngineLimits) -> None:
        super().__init__(
            f"this query ran past {limits.quick:g} s while {limits.long_slots} long "
            f"{'query was' if limits.long_slots == 1 else 'queries were'} already running (the most this "
            "server runs at once), so it was stopped; try again later, or narrow it down",
            status=503, title="Server busy")
        self.headers = {"Retry-After": str(math.ceil(limits.timeout))}


# A long query runs at the lowest CPU priority, so that on a busy machine the quick lane's queries (and the
# event loop serving pages) still get a core at once; the work is the same, only its turn changes.
LONG_NICENESS = 19
# Seconds before a long query's timeout when a spare worker is started to take its place.
LEAD = 3.0


@dataclass(frozen=True)
class EngineLimits:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 3
    memory_bytes: int = 2 * 1024**3  # per worker address space (plus its query thread's stack)
    quick: float = 0.5  # a query still running after this many seconds is a long one
    queue: float = 5.0  # seconds a request may wait for an idle worker (at most `timeout`)

    @property
    def long_slots(self) -> int:
        """Long queries that may run at once: all workers but one, which stays the quick lane."""
        return max(1, self.workers - 1)


def check_query(text: str) -> None:
    """What the parent refuses before a worker sees the text: too long, update, SERVICE, deep nesting."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"the query is {len(text):,} characters long; this endpoint accepts up to "
                         f"{MAX_QUERY_LENGTH:,}", status=413, title="Query too long")
    try:
        screen(text)
    except QueryRefused as exc:
        if exc.title == "Read-only":  # an update: say it as the endpoint says it for update= and the body
            raise QueryError(f"this endpoint is read-only: {exc.reason}", status=exc.status,
                             title="Read-only endpoint") from None
        raise QueryError(exc.reason, status=exc.status, title=exc.title) from None


# ---------------------------------------------------------------- parent side


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    network_isolated: bool = False
    stderr: collections.deque = field(default_factory=lambda: collections.deque(maxlen=50))
    reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def drain(self, stream: IO[bytes]) -> None:
        """Keep the last lines the worker wrote to stderr (what a crash says), and log them."""
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.stderr.append(line)
                log.warning("query worker %d: %s", self.pid, line)
        stream.close()

    def set_priority(self, niceness: int) -> bool:
        """Renice the process; False when not allowed (raising a priority needs privilege)."""
        try:
            if os.getpriority(os.PRIO_PROCESS, self.pid) != niceness:
                os.setpriority(os.PRIO_PROCESS, self.pid, niceness)
        except OSError:
            return False
        return True

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def death(self) -> str:
        """How the process ended (after it has), in words: its signal or exit status, its last words."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self.reader is not None:
            self.reader.join(timeout=2)  # the pipe ends with the process; its last line may be in transit
        code = self.process.returncode
        if code is None:
            how = "stopped answering"
        elif code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        last = next((line for line in reversed(self.stderr) if line.strip() and not line[0].isspace()
                     and not line.startswith(("note:", "stack backtrace"))), None)
        return how + (f" ({last.strip()[:200]})" if last else "")


@dataclass
class QueryEngine:
    """A pool of query worker processes; `run` is safe to call from many coroutines at once."""

    data: WorkerData
    limits: EngineLimits = field(default_factory=EngineLimits)
    _idle: asyncio.Queue | None = None
    _all: set = field(default_factory=set)
    _tasks: set = field(default_factory=set)
    _closed: bool = False
    _long: int = 0
    _near: int = 0  # long queries within LEAD seconds of the timeout
    _spares: list = field(default_factory=list)  # started workers kept aside (see _top_up)
    _coming: int = 0  # spares being started
    _threads: ThreadPoolExecutor | None = None

    @property
    def worker_pids(self) -> tuple[int, ...]:
        """The process ids of the live workers (read-only; tests check that a worker survived)."""
        return tuple(sorted(worker.pid for worker in self._all))

    @property
    def network_isolated(self) -> bool:
        return bool(self._all) and all(w.network_isolated for w in self._all)

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        command = [sys.executable, "-B", "-m", "tipkg.server.worker", str(child.fileno()),
                   str(self.limits.memory_bytes)]
        env = {**os.environ, "RUST_BACKTRACE": "0"}  # a crash's first line says it; no backtrace after it
        process = subprocess.Popen(command, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=env)
        child.close()
        conn = Connection(parent.detach())
        worker = _Worker(process, conn)
        assert process.stderr is not None
        worker.reader = threading.Thread(target=worker.drain, args=(process.stderr,), daemon=True)
        worker.reader.start()
        try:
            conn.send(self.data)
            if not conn.poll(60):
                raise RuntimeError("it did not start within 60 s")
            message = conn.recv()
        except (OSError, EOFError, RuntimeError) as exc:
            worker.kill()
            raise RuntimeError(f"a SPARQL worker process failed to start: {exc} {worker.death()}") from None
        worker.network_isolated = bool(message[2])
        return worker

    def _in_thread(self, function, *args) -> asyncio.Future:
        """Run a blocking call (a wait for a worker's answer, a start, a kill) on the pool's own threads:
        the event loop's default executor has min(32, CPUs + 4) threads, fewer on a small machine than
        long queries, spares being started and the quick lane can hold at once."""
        if self._threads is None and not self._closed:
            self._threads = ThreadPoolExecutor(3 * max(1, self.limits.workers) + 4, "tipkg-query-pool")
        executor = None if self._closed else self._threads  # after close(): what is left of a request
        return asyncio.get_running_loop().run_in_executor(executor, function, *args)

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(
            *(self._in_thread(self._spawn) for _ in range(max(1, self.limits.workers)))
        )
        for worker in workers:
            self._all.add(worker)
            self._idle.put_nowait(worker)
        if not self.network_isolated:
            log.warning(
                "query workers run without a network namespace of their own (needs root or user "
                "namespaces); SERVICE is still refused by the query screen"
            )

    async def close(self) -> None:
        self._closed = True
        spares, self._spares = self._spares, []
        for worker in [*self._all, *spares]:
            with contextlib.suppress(Exception):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()
        if self._threads is not None:
            self._threads.shutdown(wait=False)  # its waits end with the workers just killed

    # Spares: starting a worker takes 0.6 s on an idle machine (Python, imports) and seconds on a busy one;
    # a worker stopped with no replacement ready leaves the pool short, the quick lane too, until then. So
    # a started worker is kept aside for each stop that may come: one while every long slot is taken (the
    # next query to turn long is stopped), and one for each long query near its timeout. They are kept
    # while any long query runs (heavy clients tend to send again), and retired when none does.

    def _at_risk(self) -> bool:
        """Every long slot is taken: the next query to turn long is stopped, and its worker replaced."""
        return self._long >= self.limits.long_slots

    def _top_up(self) -> None:
        wanted = self._near + (1 if self._at_risk() else 0)
        while len(self._spares) + self._coming < wanted and not self._closed:
            self._coming += 1
            self._background(self._make_spare())

    async def _make_spare(self) -> None:
        try:
            spare = await self._in_thread(self._spawn)
        except RuntimeError as exc:
            log.error("could not start a spare query worker: %s", exc)
            return
        finally:
            self._coming -= 1
        self._spares.append(spare)
        self._retire_spares()

    def _retire_spares(self) -> None:
        if self._long == 0 or self._closed:
            spares, self._spares = self._spares, []
            for spare in spares:
                self._background(self._in_thread(spare.kill))

    def _stop(self, worker: _Worker) -> None:
        """Take a worker out of the pool and kill it; a spare takes its place at once, else a fresh one
        is started."""
        self._all.discard(worker)
        if self._spares:
            fresh = self._spares.pop()
            self._all.add(fresh)
            assert self._idle is not None
            self._idle.put_nowait(fresh)
            self._background(self._in_thread(worker.kill))
        else:
            self._background(self._replace(worker))
        self._top_up()
        self._retire_spares()

    async def _replace(self, worker: _Worker) -> bool:
        """Kill a worker and start a fresh one in its place; False when that failed three times."""
        self._all.discard(worker)
        await self._in_thread(worker.kill)
        for attempt in range(3):
            if self._closed:
                return False
            try:
                fresh = await self._in_thread(self._spawn)
            except RuntimeError as exc:
                log.error("could not replace a query worker (attempt %d of 3): %s", attempt + 1, exc)
                await asyncio.sleep(1)
                continue
            assert self._idle is not None
            self._all.add(fresh)
            self._idle.put_nowait(fresh)
            return True
        log.error("the query pool is one worker short; restart tipkg serve")
        return False

    @property
    def long_running(self) -> int:
        """Queries past the quick limit right now (tests check that heavy queries are still running)."""
        return self._long

    @property
    def idle_workers(self) -> int:
        return self._idle.qsize() if self._idle is not None else 0

    @property
    def spares(self) -> int:
        """Started workers kept aside to replace stopped ones at once."""
        return len(self._spares)

    async def run(self, query: str, inferred: bool, dataset: QueryDataset | None = None,
                  bindings: Mapping[str, OxTerm] | None = None) -> QueryResult:
        """Screen a query, then answer it in a worker (see WorkerRequest for the dataset it runs on)."""
        if self._idle is None:
            raise RuntimeError("QueryEngine.start() was not awaited")
        check_query(query)
        request = WorkerRequest(query, inferred, self.limits.max_rows, dataset,
                                tuple(sorted((bindings or {}).items())))
        waiting = min(self.limits.queue, self.limits.timeout)
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=waiting)
        except asyncio.TimeoutError:
            raise QueryTimeout(waiting, waiting=True) from None
        # The exchange decides the worker's fate (back to the pool, or replaced) even when the client
        # goes away: shielded, and kept in _tasks until it ends.
        task = self._background(self._exchange(worker, request))
        reply = await asyncio.shield(task)
        if isinstance(reply, WorkerFailure):
            raise QueryError(reply.message, status=reply.status, title=reply.title)
        if not isinstance(reply, QueryResult):
            raise QueryError(f"the worker answered with {type(reply).__name__}", status=500,
                             title="Internal error")
        return reply

    async def _exchange(self, worker: _Worker, request: WorkerRequest) -> object:
        """Send one request and wait for its answer: `quick` seconds, then as a long query (if a slot is
        free) up to the budget. The worker goes back to the pool, or is replaced when stopped or dead."""
        limits = self.limits

        def send_and_wait(seconds: float) -> bool:
            worker.conn.send(request)
            return worker.conn.poll(seconds)

        try:
            ready = await self._in_thread(send_and_wait, min(limits.quick, limits.timeout))
            if not ready and limits.timeout > limits.quick:
                if self._at_risk():
                    self._stop(worker)
                    raise QueryBusy(limits)
                ready = await self._run_long(worker)
            if not ready:
                log.warning("a query ran past %g s; its worker (pid %d) was stopped", limits.timeout,
                            worker.pid)
                self._stop(worker)
                raise QueryTimeout(limits.timeout)
            reply = await self._in_thread(worker.conn.recv)
        except (EOFError, OSError):
            # The worker died while answering (Oxigraph crashed, or ran out of memory and aborted).
            replaced = bool(self._spares)
            if replaced:
                self._stop(worker)
            else:
                replaced = await self._replace(worker)
            how = worker.death()
            log.error("query worker %d %s while answering a query", worker.pid, how)
            after = "a fresh worker took its place" if replaced else "no worker could be started in its place"
            raise QueryError(f"the query worker process (pid {worker.pid}) {how} while answering this query; "
                             f"{after}", status=503, title="Query worker died") from None
        if not worker.set_priority(os.getpriority(os.PRIO_PROCESS, 0)):
            self._stop(worker)  # it would stay slow: a fresh one takes its place
        else:
            assert self._idle is not None
            self._idle.put_nowait(worker)
            self._retire_spares()
        return reply

    async def _run_long(self, worker: _Worker) -> bool:
        """Wait for a long query's answer up to the timeout, at the lowest priority; a spare is started
        `LEAD` seconds before the timeout, so that a stopped worker is replaced at once."""
        limits = self.limits
        self._long += 1
        self._top_up()
        if limits.long_slots < limits.workers:  # yield the CPU to the quick lane, when there is one
            worker.set_priority(LONG_NICENESS)
        left = limits.timeout - limits.quick
        lead = min(LEAD, left / 2)
        try:
            if await self._in_thread(worker.conn.poll, left - lead):
                return True
            self._near += 1
            self._top_up()
            try:
                return await self._in_thread(worker.conn.poll, lead)
            finally:
                self._near -= 1
        finally:
            self._long -= 1

    def _background(self, coroutine) -> asyncio.Future:
        """Run a coroutine to its end whoever awaits it; an exception nobody reads is not logged as lost."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return task
