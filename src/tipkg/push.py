"""`tipkg push`: upload the project's store layout (`tipkg.engine`) to a SPARQL 1.1 Graph Store.

What goes up is exactly what the local queries run on: the data's named graphs, the default graph (the
provenance records and the ontology), `id:graph/asserted` (their merge) and, unless `--no-inferred`,
`id:graph/inferred` (the OWL 2 RL entailments). `tipkg query --endpoint` then sends every query with the
same dataset as locally, so a stock store (`oxigraph serve` with no flags) gives the same rows.

How (and why):
1. Each graph is PUT as N-Triples into a temporary graph `urn:tipkg:push:<run>:<n>` through the Graph Store
   HTTP Protocol, and its triple count is read back and compared with what was sent.
2. One SPARQL Update request moves them into place: `MOVE` with `--replace` (the target's old content goes),
   `ADD` + `DROP` without it (the triples are added to what is there). Stores that run an update request as
   one transaction (Oxigraph does) switch from the old to the new content at once. With `--replace`, graphs in
   the project's own graph namespace (`id:graph/...`) that the push no longer carries are dropped too.
3. The target graphs' counts are read back and compared with what was sent (equal with `--replace`).
On a failure before step 2 the temporary graphs are dropped and the store is as it was. Without an Update
endpoint (a plain Graph Store) the graphs are PUT or POSTed straight to their targets, and the report says so.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from tipkg.engine import ASSERTED_GRAPH, ProjectStore, layout_store
from tipkg.errors import InputError, RemoteError, UsageError
from tipkg.formats import Kind, from_media_type
from tipkg.load import load_project
from tipkg.project import RDF_SUFFIXES, find_project
from tipkg.reason import reason
from tipkg.remote import (
    DEFAULT_TIMEOUT,
    LIST_GRAPHS,
    USER_AGENT,
    RemoteStore,
    Retryable,
    RetryPolicy,
    check_url,
    http_failure,
)
from tipkg.vocab import ID

OWN_GRAPHS = str(ID["graph/"])


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

    def graph_url(self, graph: str | None) -> str:
        query = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
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
        except Retryable as exc:
            raise exc.error from None

    def put(self, graph: str | None, ntriples: bytes) -> None:
        """Replace a graph's content."""
        self._write("PUT", self.graph_url(graph), ntriples, "application/n-triples")

    def post(self, graph: str | None, ntriples: bytes) -> None:
        """Add to a graph's content."""
        self._write("POST", self.graph_url(graph), ntriples, "application/n-triples")

    def delete(self, graph: str) -> None:
        """Remove a graph (no error when it does not exist)."""
        try:
            self._request("DELETE", self.graph_url(graph))
        except Retryable as exc:
            raise exc.error from None

    def count(self, graph: str | None) -> int:
        """How many triples the store holds in a graph (0 when there is no such graph)."""
        url = self.graph_url(graph)
        status, body, content_type = self.retry.run(
            lambda: self._request("GET", url, headers={"Accept": "application/n-triples"}))
        if status == 404:
            return 0
        fmt = from_media_type(content_type or "application/n-triples", graph=True)
        if fmt is None or fmt.kind not in (Kind.GRAPH, Kind.DATASET):
            raise RemoteError(f"{url}: answered {content_type or 'no media type'}, not RDF")
        try:
            return len({(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt.rdf_format)})
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"{url}: the graph does not parse ({exc})") from None

    def update(self, operations: Iterable[str]) -> None:
        """Send one SPARQL Update request."""
        if not self.update_url:
            raise UsageError("no SPARQL Update URL is known for this Graph Store; give the update URL")
        data = urllib.parse.urlencode({"update": " ;\n".join(operations)}).encode("utf-8")
        self._write("POST", self.update_url, data, "application/x-www-form-urlencoded")


@dataclass
class PushReport:
    store_url: str
    graphs: int = 0
    triples_sent: int = 0
    triples_on_server: int = 0
    atomic: bool = True
    dropped_stale: list[str] = field(default_factory=list)


Part = tuple[str | None, list[ox.Triple]]  # a target graph (None: the default graph) and its triples


def read_quads(path: Path) -> list[ox.Quad]:
    """A built file (e.g. dist/tipkg.trig or .nq), laid out as the project's store would hold it."""
    if path.suffix not in RDF_SUFFIXES:
        raise InputError(f"cannot push a '{path.suffix}' file", path, hint="use .trig, .nq, .ttl or .nt")
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
    data = ox.Store()
    try:
        data.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as exc:
        raise InputError(f"cannot read: {exc}", path) from None
    return list(layout_store(data))


def project_quads(project_dir: Path | None, inferred: bool, progress: Callable[[str], None]) -> list[ox.Quad]:
    """The project's store layout, with the entailments when `inferred`."""
    store = ProjectStore(load_project(find_project(project_dir)))
    if inferred:
        progress("computing the OWL 2 RL entailments")
        store.add_entailments(reason(store.loaded).entailments)
    return list(store.store)


def plan(quads: Iterable[ox.Quad], into: str | None = None) -> list[Part]:
    """What goes where, graph by graph, each triple once; `into` puts everything into one graph."""
    graphs: dict[str | None, dict[ox.Triple, None]] = defaultdict(dict)
    for quad in quads:
        if into is not None and quad.graph_name == ox.NamedNode(ASSERTED_GRAPH):
            continue
        target = into if into is not None else (
            None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value)
        graphs[target][ox.Triple(quad.subject, quad.predicate, quad.object)] = None
    ordered = sorted(graphs, key=lambda g: (g is not None, g or ""))
    return [(target, list(graphs[target])) for target in ordered if graphs[target]]


def ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""  # bytes when no output is given


def graph_ref(target: str | None) -> str:
    return "DEFAULT" if target is None else f"GRAPH {ox.NamedNode(target)}"


def target_graph(iri: str) -> str:
    """The one graph to push everything into, checked by building it (the IRI goes into SPARQL Update)."""
    try:
        return ox.NamedNode(iri).value
    except ValueError as exc:
        raise UsageError(f"the target graph is not a valid IRI: {iri!r} ({exc})") from None


def push_project(store_url: str, project_dir: Path | None = None, source: Path | None = None,
                 update_url: str | None = None, query_url: str | None = None, graph_iri: str | None = None,
                 replace: bool = False, inferred: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 progress: Callable[[str], None] = lambda _: None) -> PushReport:
    """`tipkg push`: the project (or a built file) to a Graph Store, laid out as the local store."""
    into = target_graph(graph_iri) if graph_iri else None
    if source is not None:
        if inferred:
            progress("a built file holds no entailments of its own: pushing it as it is")
        quads = read_quads(source)
    else:
        quads = project_quads(project_dir, inferred, progress)
    store = GraphStore(store_url, update_url or sibling_url(store_url, "update"), timeout)
    return push(quads, store, into, replace, query_url or sibling_url(store_url, "query"), progress)


def push(quads: Iterable[ox.Quad], store: GraphStore, into: str | None = None, replace: bool = False,
         query_endpoint: str | None = None, progress: Callable[[str], None] = lambda _: None) -> PushReport:
    """Upload quads; returns what was sent and what the store holds after. Raises RemoteError."""
    parts = plan(quads, into)
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


def _push_via_temporary_graphs(parts: list[Part], store: GraphStore, replace: bool,
                               progress: Callable[[str], None]) -> None:
    run = uuid.uuid4().hex
    temporaries = [f"urn:tipkg:push:{run}:{n}" for n in range(len(parts))]
    try:
        progress(f"uploading {len(parts)} graphs into temporary graphs")
        for temporary, (_, graph) in zip(temporaries, parts, strict=True):
            store.put(temporary, ntriples(graph))
            held = store.count(temporary)
            if held != len(graph):
                raise RemoteError(f"{store.store_url}: temporary graph <{temporary}> holds {held} triples; "
                                  f"{len(graph)} were sent")
        if replace:
            operations = [f"MOVE SILENT {graph_ref(t)} TO {graph_ref(target)}"
                          for t, (target, _) in zip(temporaries, parts, strict=True)]
        else:
            operations = []
            for t, (target, _) in zip(temporaries, parts, strict=True):
                operations += [f"ADD SILENT {graph_ref(t)} TO {graph_ref(target)}",
                               f"DROP SILENT {graph_ref(t)}"]
        progress("moving the temporary graphs into place (one update request)")
        store.update(operations)
    except (RemoteError, UsageError):
        _drop_quietly(store, temporaries)
        raise


def _drop_quietly(store: GraphStore, graphs: list[str]) -> None:
    """Best-effort clean-up after a failed push, through the Graph Store (DELETE), which does not depend on
    the Update endpoint that may be what failed; the original error is what the user needs to see."""
    for graph in graphs:
        try:
            store.delete(graph)
        except (RemoteError, UsageError):
            continue


def _drop_stale_graphs(parts: list[Part], store: GraphStore, query_endpoint: str,
                       progress: Callable[[str], None]) -> list[str]:
    """With --replace: drop the project's own graphs (id:graph/...) that this push no longer has."""
    pushed = {target for target, _ in parts}
    remote = RemoteStore(query_endpoint, timeout=store.timeout, retry=store.retry)
    result = remote.send(LIST_GRAPHS, None, None)
    stale = sorted(row[0].value for row in result.rows
                   if isinstance(row[0], ox.NamedNode) and row[0].value.startswith(OWN_GRAPHS)
                   and row[0].value not in pushed)
    if stale:
        progress(f"dropping {len(stale)} graphs of an earlier push that this one no longer has")
        store.update(f"DROP SILENT {graph_ref(g)}" for g in stale)
    return stale
