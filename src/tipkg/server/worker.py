"""The query worker: a separate Python process that holds the store in memory and answers queries.

Started by engine.py as `python -B -m tipkg.server.worker FD MEMORY_BYTES` with one end of a socket pair as
FD (not through multiprocessing, whose spawn would re-run the parent's __main__). Messages are pickled by
multiprocessing.connection: first the data, then one request per query; the answer is plain tuples.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import socket
import sys
from multiprocessing.connection import Connection

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


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


def encode(term):
    """A pyoxigraph term as a tuple: ("uri", iri) | ("bnode", id) | ("literal", lexical, datatype, lang)
    | ("triple", s, p, o)."""
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, term.datatype.value, term.language)
    if isinstance(term, ox.Triple):
        return ("triple", encode(term.subject), encode(term.predicate), encode(term.object))
    raise TypeError(f"unexpected term {term!r}")


def decode(term):
    """The inverse of `encode` (for parameter values)."""
    import pyoxigraph as ox

    kind = term[0]
    if kind == "uri":
        return ox.NamedNode(term[1])
    if kind == "bnode":
        return ox.BlankNode(term[1])
    if term[3]:
        return ox.Literal(term[1], language=term[3])
    return ox.Literal(term[1], datatype=ox.NamedNode(term[2]))


def run(store, request: dict, prefixes: dict[str, str]) -> tuple:
    """Evaluate one query: ("ok", kind, vars, rows, boolean, truncated) or ("error", status, title, text).

    `prefixes` are predeclared, as `tipkg sparql` does, so a query may use id:, tip:, org:, ... without
    PREFIX lines; the query's own PREFIX declarations take precedence."""
    import pyoxigraph as ox

    options: dict = {"prefixes": prefixes}
    if request["default_graphs"]:  # "" stands for the store's own default graph
        options["default_graph"] = [
            ox.NamedNode(iri) if iri else ox.DefaultGraph() for iri in request["default_graphs"]
        ]
    else:
        options["use_default_graph_as_union"] = True
    if request["named_graphs"]:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in request["named_graphs"]]
    if request.get("bindings"):
        options["substitutions"] = {ox.Variable(name): decode(term) for name, term in request["bindings"]}
    max_rows = request["max_rows"]
    try:
        result = store.query(request["query"], **options)
        if isinstance(result, ox.QueryBoolean):
            return ("ok", "ask", (), (), bool(result), False)
        rows = []
        truncated = False
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            for solution in result:
                if len(rows) == max_rows:
                    truncated = True
                    break
                rows.append(tuple(encode(solution[v]) for v in variables))
            return ("ok", "select", variables, tuple(rows), None, truncated)
        for triple in result:
            if len(rows) == max_rows:
                truncated = True
                break
            rows.append((encode(triple.subject), encode(triple.predicate), encode(triple.object)))
        return ("ok", "graph", ("subject", "predicate", "object"), tuple(rows), None, truncated)
    except SyntaxError as exc:
        return ("error", 400, "Malformed query", str(exc))
    except MemoryError:
        return ("error", 503, "Query too large", "the query needed more memory than a query may use")
    except Exception as exc:  # OSError/RuntimeError from evaluation: a type error, a failed SERVICE, ...
        return ("error", 400, "Query failed", str(exc) or type(exc).__name__)


def main(fd: int, memory_bytes: int) -> None:
    import pyoxigraph as ox

    conn = Connection(socket.socket(fileno=fd).detach())
    isolated = isolate_network()
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    data = conn.recv()
    store = ox.Store()  # in memory: nothing on disk
    store.load(data["nquads"], format=ox.RdfFormat.N_QUADS)
    prefixes = data["prefixes"]
    conn.send(("ready", os.getpid(), isolated))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        conn.send(run(store, request, prefixes))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
