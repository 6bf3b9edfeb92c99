"""`tipkg push`: upload the graph, its named graphs kept, to a SPARQL 1.1 Graph Store.

How (and why):
1. Each graph (the default graph and every named graph, or everything merged into one `--graph IRI`) is
   PUT as N-Triples into a temporary graph `urn:tipkg:push:<run>:<n>` through the Graph Store HTTP Protocol.
2. Each temporary graph's triple count is read back and compared with what was sent.
3. One SPARQL Update request moves them into place: `MOVE` with `--replace` (the target's old content goes),
   `ADD` + `DROP` without it (the triples are added to what is there). Stores that run an update request as
   one transaction (Oxigraph does) switch from the old to the new content at once. With `--replace`, graphs in
   the project's own graph namespace (`id:graph/...`) that the push no longer carries are dropped too.
4. The target graphs' counts are read back and compared with what was sent (equal with `--replace`).
On a failure before step 3 the temporary graphs are dropped and the store is as it was. Without an Update
endpoint (a plain Graph Store) the graphs are PUT or POSTed straight to their targets, and the report says so.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from tipkg.errors import InputError, RemoteError, UsageError
from tipkg.load import parse_into
from tipkg.project import RDF_SUFFIXES
from tipkg.stores import (
    DEFAULT_TIMEOUT,
    USER_AGENT,
    RemoteStore,
    RetryPolicy,
    Sparql,
    _Retryable,
    check_url,
    http_failure,
    parse_rdf_answer,
)
from tipkg.vocab import ID

OWN_GRAPHS = str(ID["graph/"])
LIST_GRAPHS = Sparql.parse("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")


def sibling_url(store_url: str, name: str) -> str | None:
    """The Update or Query URL beside a Graph Store URL (Oxigraph: /store, Fuseki: /data)."""
    parts = urllib.parse.urlsplit(store_url)
    path = parts.path.rstrip("/")
    for suffix in ("/store", "/data"):
        if path.endswith(suffix):
            return urllib.parse.urlunsplit(parts._replace(path=path[: -len(suffix)] + "/" + name, query=""))
    return None


class GraphStore:
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint plus, where there is one, its Update endpoint.

    Reads (GET) are retried with backoff; writes never are: a PUT that timed out may have been applied.
    """

    def __init__(self, store_url: str, update_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None) -> None:
        self.store_url = check_url(store_url, "Graph Store")
        self.update_url = check_url(update_url, "update") if update_url else None
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    def graph_url(self, graph: URIRef | None) -> str:
        query = "default" if graph is None else urllib.parse.urlencode({"graph": str(graph)})
        separator = "&" if "?" in self.store_url else "?"
        return f"{self.store_url}{separator}{query}"

    def _request(self, method: str, url: str, data: bytes | None = None,
                 headers: Mapping[str, str] | None = None) -> tuple[int, bytes, str]:
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"User-Agent": USER_AGENT, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "") or ""
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and method in ("GET", "DELETE"):  # no such graph: an answer, not a failure
                return 404, b"", ""
            raise http_failure(url, exc, self.timeout) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise http_failure(url, exc, self.timeout) from None

    def _write(self, method: str, url: str, data: bytes, content_type: str) -> None:
        try:
            self._request(method, url, data, {"Content-Type": content_type})
        except _Retryable as exc:
            raise exc.error from None

    def put(self, graph: URIRef | None, ntriples: bytes) -> None:
        """Replace a graph's content."""
        self._write("PUT", self.graph_url(graph), ntriples, "application/n-triples")

    def post(self, graph: URIRef | None, ntriples: bytes) -> None:
        """Add to a graph's content."""
        self._write("POST", self.graph_url(graph), ntriples, "application/n-triples")

    def delete(self, graph: URIRef) -> None:
        """Remove a graph (no error when it does not exist)."""
        try:
            self._request("DELETE", self.graph_url(graph))
        except _Retryable as exc:
            raise exc.error from None

    def count(self, graph: URIRef | None) -> int:
        """How many triples the store holds in a graph (0 when there is no such graph)."""
        url = self.graph_url(graph)
        status, body, content_type = self.retry.run(
            lambda: self._request("GET", url, headers={"Accept": "application/n-triples"}))
        if status == 404:
            return 0
        media = content_type.split(";")[0].strip().lower() or "application/n-triples"
        return len(parse_rdf_answer(body, media, url))

    def update(self, operations: Iterable[str]) -> None:
        """Send one SPARQL Update request."""
        if not self.update_url:
            raise UsageError("this Graph Store has no SPARQL Update endpoint: pass --update URL")
        data = urllib.parse.urlencode({"update": " ;\n".join(operations)}).encode("utf-8")
        self._write("POST", self.update_url, data, "application/x-www-form-urlencoded")


@dataclass
class PushReport:
    store_url: str
    graphs: int = 0
    triples_sent: int = 0
    triples_on_server: int = 0
    atomic: bool = True
    dropped_stale: list[URIRef] = field(default_factory=list)


def read_dataset(path: Path) -> Dataset:
    """A built file (e.g. dist/tipkg.trig or .nq) as a dataset to push, its named graphs kept."""
    if path.suffix not in RDF_SUFFIXES:
        raise InputError(f"cannot push a '{path.suffix}' file", path, hint="use .trig, .nq, .ttl or .nt")
    dataset = Dataset(default_union=True)
    parse_into(dataset, path)
    return dataset


def plan(dataset: Dataset, into: URIRef | None = None) -> list[tuple[URIRef | None, Graph]]:
    """What goes where: (target graph, triples); None is the default graph. Empty graphs are skipped."""
    if into is not None:
        merged = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            merged.add((s, p, o))
        return [(into, merged)] if len(merged) else []
    default_id = dataset.default_graph.identifier
    parts: list[tuple[URIRef | None, Graph]] = []
    for graph in sorted(dataset.graphs(), key=lambda g: (g.identifier != default_id, str(g.identifier))):
        if not len(graph):
            continue
        target = None if graph.identifier == default_id else URIRef(graph.identifier)
        plain = Graph()
        for triple in graph:
            plain.add(triple)
        parts.append((target, plain))
    return parts


def ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def graph_ref(target: URIRef | None) -> str:
    return "DEFAULT" if target is None else f"GRAPH {target.n3()}"


def push(dataset: Dataset, store: GraphStore, into: URIRef | None = None, replace: bool = False,
         query_endpoint: str | None = None, progress: Callable[[str], None] = lambda _: None) -> PushReport:
    """Upload a dataset; returns what was sent and what the store holds after. Raises RemoteError."""
    parts = plan(dataset, into)
    if not parts:
        raise UsageError("nothing to push: the graph is empty")
    report = PushReport(store.store_url, graphs=len(parts), triples_sent=sum(len(g) for _, g in parts))
    if store.update_url is None:
        report.atomic = False
        progress("no SPARQL Update endpoint: uploading straight into the target graphs (not atomic)")
        for target, graph in parts:
            (store.put if replace else store.post)(target, ntriples(graph))
    else:
        _push_via_temporary_graphs(parts, store, replace, progress)
    if replace and into is None and query_endpoint:
        report.dropped_stale = _drop_stale_graphs(parts, store, query_endpoint, progress)
    progress("verifying the triple counts on the server")
    for target, graph in parts:
        held = store.count(target)
        report.triples_on_server += held
        if held < len(graph) or (replace and held != len(graph)):
            where = "the default graph" if target is None else f"graph <{target}>"
            raise RemoteError(f"{store.store_url}: {where} holds {held} triples after the push; "
                              f"{len(graph)} were sent")
    return report


def _push_via_temporary_graphs(parts: list[tuple[URIRef | None, Graph]], store: GraphStore, replace: bool,
                               progress: Callable[[str], None]) -> None:
    run = uuid.uuid4().hex
    temporaries = [URIRef(f"urn:tipkg:push:{run}:{n}") for n in range(len(parts))]
    try:
        progress(f"uploading {len(parts)} graphs into temporary graphs")
        for temporary, (_, graph) in zip(temporaries, parts, strict=True):
            store.put(temporary, ntriples(graph))
            held = store.count(temporary)
            if held != len(graph):
                raise RemoteError(f"{store.store_url}: temporary graph <{temporary}> holds {held} triples; "
                                  f"{len(graph)} were sent")
        if replace:
            operations = [f"MOVE SILENT GRAPH {t.n3()} TO {graph_ref(target)}"
                          for t, (target, _) in zip(temporaries, parts, strict=True)]
        else:
            operations = []
            for t, (target, _) in zip(temporaries, parts, strict=True):
                operations += [f"ADD SILENT GRAPH {t.n3()} TO {graph_ref(target)}",
                               f"DROP SILENT GRAPH {t.n3()}"]
        progress("moving the temporary graphs into place (one update request)")
        store.update(operations)
    except (RemoteError, UsageError):
        _drop_quietly(store, temporaries)
        raise


def _drop_quietly(store: GraphStore, graphs: list[URIRef]) -> None:
    """Best-effort clean-up after a failed push, through the Graph Store (DELETE), which does not depend on
    the Update endpoint that may be what failed; the original error is what the user needs to see."""
    for graph in graphs:
        try:
            store.delete(graph)
        except (RemoteError, UsageError):
            continue


def _drop_stale_graphs(parts: list[tuple[URIRef | None, Graph]], store: GraphStore, query_endpoint: str,
                       progress: Callable[[str], None]) -> list[URIRef]:
    """With --replace: drop the project's own graphs (id:graph/...) that this push no longer has."""
    pushed = {target for target, _ in parts}
    result = RemoteStore(query_endpoint, timeout=store.timeout, retry=store.retry).query(LIST_GRAPHS)
    stale = sorted(URIRef(row[0]) for row in result.rows
                   if row[0] is not None and str(row[0]).startswith(OWN_GRAPHS) and row[0] not in pushed)
    if stale:
        progress(f"dropping {len(stale)} graphs of an earlier push that this one no longer has")
        store.update(f"DROP SILENT GRAPH {g.n3()}" for g in stale)
    return stale
