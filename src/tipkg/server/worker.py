"""The query worker: a separate Python process that holds the project store in memory and answers queries.

Started by engine.py as `python -B -m tipkg.server.worker FD MEMORY_BYTES` with one end of a socket pair as
FD (not through multiprocessing, whose spawn would re-run the parent's __main__). Messages are pickled by
multiprocessing.connection: first a `WorkerData` (the `ProjectStore` as N-Quads, its data graphs, the
prefixes), then one `WorkerRequest` per query; the answer is a `tipkg.engine.QueryResult` (pyoxigraph terms
pickle) or a `WorkerFailure`.

Everything a request can make go wrong happens inside one guarded region (`answer`): reading the message,
parsing the query, evaluating it, even pickling the answer. So no request ends the process with a Python
exception. What Python cannot catch is a crash of Oxigraph itself; the deepest recursion a query can cause
is bounded by its length (engine.py refuses a query longer than `MAX_QUERY_LENGTH`), and the requests are
answered on a thread whose stack is large enough for that (`STACK_BYTES`), so the parser's and the
optimiser's recursion does not overflow it. The stack is reserved address space; only a deep query uses it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import socket
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyoxigraph as ox

    from tipkg.engine import QueryDataset, QueryResult
    from tipkg.terms import OxTerm

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

# Oxigraph recurses once per level of a query's syntax tree, and a level can be as short as one character
# (`!!!!...`, `1+1+1...`, `a/a/a...`, a collection `(1 1 1 ...)`). The worst measured (pyoxigraph 0.5) was
# about 1 KiB of stack a character; the thread gets 2 KiB for every character a query may have.
MAX_QUERY_LENGTH = 256 * 1024
STACK_BYTES = 2 * 1024 * MAX_QUERY_LENGTH


@dataclass(frozen=True)
class WorkerData:
    """What a worker loads once: the store (N-Quads), the data's named graphs, the predeclared prefixes."""

    nquads: bytes
    graphs: tuple[str, ...]
    prefixes: dict[str, str]


@dataclass(frozen=True)
class WorkerRequest:
    """One query. The dataset: the protocol's (`default-graph-uri`, `named-graph-uri`) when given, else the
    query's own FROM / FROM NAMED when it has them, else the project's (`QueryDataset.of`, with the
    entailments when `inferred`). Parameters are pyoxigraph terms, substituted by the engine."""

    query: str
    inferred: bool
    max_rows: int
    dataset: QueryDataset | None = None
    bindings: tuple[tuple[str, OxTerm], ...] = ()


@dataclass(frozen=True)
class WorkerFailure:
    """A query that was refused or failed: the HTTP status, a title and a message for the client."""

    status: int
    title: str
    message: str


def isolate_network() -> bool:
    """Move this process into an empty network namespace (root, or unprivileged user namespaces)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def answer(store: ox.Store, data: WorkerData, request: Any) -> QueryResult | WorkerFailure:
    """Evaluate one request; every failure comes back as a WorkerFailure, never as an exception."""
    try:

        from tipkg.engine import QueryDataset, graphs_held, run_query
        from tipkg.errors import InputError
        from tipkg.sparql import QueryRefused, Sparql

        if not isinstance(request, WorkerRequest):
            return WorkerFailure(500, "Internal error", f"not a query: {type(request).__name__}")
        try:
            sparql = Sparql.parse(request.query, prefixes=data.prefixes)
        except QueryRefused as exc:
            return WorkerFailure(exc.status, exc.title, exc.reason)
        except InputError as exc:
            return WorkerFailure(400, "Malformed query", describe(exc))
        dataset = request.dataset
        if dataset is None and not sparql.has_dataset:
            dataset = QueryDataset.of(data.graphs, request.inferred)
        return run_query(store, sparql, dataset, graphs_held(store, frozenset(data.graphs)),
                         dict(request.bindings), request.max_rows, data.prefixes)
    except SyntaxError as exc:
        return WorkerFailure(400, "Malformed query", str(exc))
    except MemoryError:
        return WorkerFailure(503, "Query too large", "the query needed more memory than a worker may use")
    except RecursionError:
        return WorkerFailure(400, "Query too complex", "the query nests too deeply to be answered")
    except Exception as exc:  # evaluation: a failed type check, an unknown function, a bad term, ...
        return WorkerFailure(400, "Query failed", f"{type(exc).__name__}: {exc}" if str(exc) else
                             type(exc).__name__)


def describe(exc: Any) -> str:
    """An InputError from parsing, with its position and hint, as one line for the client."""
    text = exc.reason
    if exc.line is not None:
        text += f" (line {exc.line}, column {exc.column})"
    if exc.hint:
        text += f"; {exc.hint}"
    return text


def send(conn: Connection, reply: Any) -> None:
    """Send a reply; one that cannot be pickled (a term nested too deeply, say) becomes a failure."""
    try:
        conn.send(reply)
    except (OSError, EOFError):
        raise
    except Exception as exc:  # pickling happens before anything is written
        conn.send(WorkerFailure(500, "Answer not sent", f"the answer could not be pickled: {exc!r}"[:500]))


def serve(conn: Connection, store: ox.Store, data: WorkerData) -> None:
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # a message that does not unpickle: answer, and wait for the next one
            send(conn, WorkerFailure(400, "Bad request", f"the request could not be read: {exc}"))
            continue
        if request is None:
            return
        send(conn, answer(store, data, request))


def main(fd: int, memory_bytes: int) -> None:
    import pyoxigraph as ox

    conn = Connection(socket.socket(fileno=fd).detach())
    isolated = isolate_network()
    with contextlib.suppress(ValueError, OSError):
        limit = memory_bytes + STACK_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = conn.recv()
    store = ox.Store()  # in memory: nothing on disk
    store.load(data.nquads, format=ox.RdfFormat.N_QUADS)
    # The first query imports the engine's modules (a quarter of a second): pay for it before the worker
    # counts as ready, so that no client's query does, and the quick lane is quick from the start.
    answer(store, data, WorkerRequest("ASK {}", False, 1))
    conn.send(("ready", os.getpid(), isolated))
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=serve, args=(conn, store, data), name="queries")
    thread.start()
    thread.join()


if __name__ == "__main__":
    # Run as the module `tipkg.server.worker`, not as `__main__`, so that the message classes unpickle as
    # the same classes the parent pickled.
    from tipkg.server import worker

    worker.main(int(sys.argv[1]), int(sys.argv[2]))
