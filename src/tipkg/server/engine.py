"""Run untrusted SPARQL in worker processes that can be killed, so a timeout really stops the work.

Oxigraph (pyoxigraph, Rust) evaluates queries fast but cannot be interrupted from Python, and a thread
cannot be stopped. So each query runs in one of a small pool of worker processes, each holding its own
in-memory copy of the store (nothing is written to disk). When a query passes its deadline the worker
is killed (SIGKILL) and a fresh one takes its place; the other workers, and the event loop that serves
pages, keep answering. Each worker (worker.py) also caps its address space, and tries to move into a
network namespace of its own so that even a SERVICE call that slipped past `safety.check_read_only`
could not reach another host.

Results cross the process boundary as plain tuples (see `Term`), already capped at the row limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from multiprocessing.connection import Connection

from tipkg.vocab import PREFIXES

# A term as it crosses the process boundary: ("uri", iri) | ("bnode", id) |
# ("literal", lexical, datatype_iri, language_or_None) | ("triple", s, p, o).
Term = tuple


class ResultKind(str, Enum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE


@dataclass(frozen=True)
class QueryResult:
    kind: ResultKind
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()  # SELECT rows; GRAPH triples as 3-tuples
    boolean: bool | None = None
    truncated: bool = False  # more rows (or triples) than the cap; the rest were not computed


class QueryError(Exception):
    """The query was refused or failed; `status` is the HTTP status the endpoint answers with."""

    def __init__(self, message: str, status: int = 400, title: str = "Malformed query") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.title = title


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


log = logging.getLogger("tipkg.serve")


@dataclass(frozen=True)
class StoreData:
    """What every worker loads (N-Quads), and what the service description says about it."""

    nquads: bytes
    named_graphs: tuple[str, ...] = ()
    quads: int = 0


@dataclass(frozen=True)
class EngineLimits:
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    memory_bytes: int = 2 * 1024**3  # per worker address space


# ---------------------------------------------------------------- parent side


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    conn: Connection
    network_isolated: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class QueryEngine:
    """A pool of query worker processes; `run` is safe to call from many coroutines at once."""

    data: StoreData
    limits: EngineLimits = field(default_factory=EngineLimits)
    _idle: asyncio.Queue | None = None
    _all: set = field(default_factory=set)
    _tasks: set = field(default_factory=set)
    _closed: bool = False

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair()
        command = [
            sys.executable,
            "-B",
            "-m",
            "tipkg.server.worker",
            str(child.fileno()),
            str(self.limits.memory_bytes),
        ]
        process = subprocess.Popen(command, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL)
        child.close()
        conn = Connection(parent.detach())
        try:
            conn.send({"nquads": self.data.nquads, "prefixes": PREFIXES})
            if not conn.poll(60):
                raise RuntimeError("a SPARQL worker process did not start within 60 s")
            message = conn.recv()
        except (OSError, EOFError, RuntimeError) as exc:
            process.kill()
            raise RuntimeError(f"a SPARQL worker process failed to start: {exc}") from None
        worker = _Worker(process, conn, network_isolated=bool(message[2]))
        self._all.add(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(
            *(loop.run_in_executor(None, self._spawn) for _ in range(max(1, self.limits.workers)))
        )
        for worker in workers:
            self._idle.put_nowait(worker)
        if not self.network_isolated:
            log.warning(
                "query workers run without a network namespace of their own (needs root or user "
                "namespaces); SERVICE is still refused by the query screen"
            )

    async def close(self) -> None:
        self._closed = True
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()

    @property
    def network_isolated(self) -> bool:
        return bool(self._all) and all(w.network_isolated for w in self._all)

    async def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, worker.kill)
        for attempt in range(3):
            if self._closed:
                return
            try:
                fresh = await loop.run_in_executor(None, self._spawn)
            except RuntimeError as exc:
                log.error("could not replace a query worker (attempt %d of 3): %s", attempt + 1, exc)
                await asyncio.sleep(1)
                continue
            assert self._idle is not None
            self._idle.put_nowait(fresh)
            return
        log.error("the query pool is one worker short; restart tipkg serve")

    async def run(
        self,
        query: str,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
        bindings: Sequence[tuple[str, Term]] = (),
    ) -> QueryResult:
        if self._idle is None:
            raise RuntimeError("QueryEngine.start() was not awaited")
        budget = self.limits.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=budget)
        except asyncio.TimeoutError:
            raise QueryTimeout(budget, waiting=True) from None
        remaining = max(0.001, budget - (loop.time() - started))
        request = {
            "query": query,
            "default_graphs": list(default_graphs),
            "named_graphs": list(named_graphs),
            "max_rows": self.limits.max_rows,
            "bindings": list(bindings),
        }

        def exchange():
            worker.conn.send(request)
            if not worker.conn.poll(remaining):
                return None
            return worker.conn.recv()

        future = loop.run_in_executor(None, exchange)
        try:
            reply = await asyncio.shield(future)
        except asyncio.CancelledError:
            # The client went away: let the worker finish (or hit its deadline) before it is reused.
            future.add_done_callback(lambda done: self._settle(worker, done))
            raise
        except (EOFError, OSError):
            # The worker died (memory limit, crash): replace it and report a server-side failure.
            self._background(self._replace(worker))
            raise QueryError(
                "the query worker stopped while answering (too much memory?)",
                status=503,
                title="Query failed",
            ) from None
        if reply is None:
            log.warning("a query ran past %g s; its worker (pid %d) was stopped", budget, worker.pid)
            self._background(self._replace(worker))
            raise QueryTimeout(budget)
        self._idle.put_nowait(worker)
        if reply[0] == "error":
            _, status, title, message = reply
            raise QueryError(message, status=status, title=title)
        _, kind, variables, rows, boolean, truncated = reply
        return QueryResult(ResultKind(kind), tuple(variables), tuple(rows), boolean, truncated)

    def _settle(self, worker: _Worker, done: asyncio.Future) -> None:
        reply = None
        if not done.cancelled() and done.exception() is None:
            reply = done.result()
        if reply is None:
            self._background(self._replace(worker))
        else:
            assert self._idle is not None
            self._idle.put_nowait(worker)

    def _background(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
