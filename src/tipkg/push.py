"""`tipkg push`: upload the project's store layout (`tipkg.engine`) to a SPARQL 1.1 Graph Store.

What goes up is exactly what the local queries run on: the data's named graphs, the default graph (the
provenance records and the ontology), `id:graph/asserted` (their merge) and, unless `--no-inferred`,
`id:graph/inferred` (the OWL 2 RL entailments). `tipkg query --endpoint` then sends every query with the
same dataset as locally, so a stock store (`oxigraph serve` with no flags) gives the same rows.

How (and why): the whole upload is one SPARQL Update request, so that an interrupted push is never seen.
1. The store's graphs are listed (query endpoint). Any `urn:tipkg:push:*` graph is a temporary graph that
   an interrupted push of an earlier tipkg left behind (those uploaded graph by graph into temporary graphs,
   then moved them; Ctrl-C or a dying server left them, and queries over the union saw every statement twice).
2. One request: `DROP SILENT` each such graph; with `--replace` also each target graph (the default graph
   too) and the project's own graphs (`id:graph/...`) that this push no longer carries; then one
   `INSERT DATA` holding every graph's triples, written by pyoxigraph's N-Triples serializer. A store that
   runs an update request as one transaction (Oxigraph: `Store::update` runs in one storage transaction;
   Fuseki/TDB2 too) switches from the old content to the new at once. Ctrl-C, SIGTERM or kill -9 of tipkg,
   or the server dying, leave the old content or the new, never a mix, and nothing to clean up.
3. The target graphs' counts are read back through the Graph Store Protocol and compared with what was
   sent (equal with `--replace`).
The Update and query URLs default to the siblings of the Graph Store URL (`.../store` -> `.../update`,
`.../query`); a store URL without them is refused rather than uploaded to without a transaction. The
request carries the whole upload (about 1 MB for the bundled graph), which the store must accept.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
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
    PUSH_TEMPORARY,
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
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint with its Update and query endpoints.

    Reads are retried with backoff; the update never is: one that timed out may have been applied.
    """

    def __init__(self, store_url: str, update_url: str | None = None, query_url: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, retry: RetryPolicy | None = None) -> None:
        self.store_url = check_url(store_url, "Graph Store")
        self.update_url = check_url(update_url or _beside(store_url, "update", "SPARQL Update"), "update")
        self.query_url = check_url(query_url or _beside(store_url, "query", "SPARQL query"), "query")
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
            if exc.code == 404 and method == "GET":  # no such graph: an answer, not a failure
                return 404, b"", ""
            raise http_failure(url, exc, self.timeout) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise http_failure(url, exc, self.timeout) from None

    def graphs(self) -> list[str]:
        """Every named graph of the store, the temporary graphs of interrupted pushes included."""
        remote = RemoteStore(self.query_url, timeout=self.timeout, retry=self.retry)
        rows = remote.send(LIST_GRAPHS, None, None).rows
        return sorted(row[0].value for row in rows if isinstance(row[0], ox.NamedNode))

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

    def update(self, request: str) -> None:
        """Send one SPARQL Update request (POSTed directly, SPARQL 1.1 Protocol 2.2.2)."""
        try:
            self._request("POST", self.update_url, request.encode("utf-8"),
                          {"Content-Type": "application/sparql-update"})
        except Retryable as exc:
            raise exc.error from None


def _beside(store_url: str, name: str, what: str) -> str:
    url = sibling_url(store_url, name)
    if url is None:
        why = ("a push is one update request, never a graph-by-graph upload that could be left half done"
               if name == "update" else "a push asks it which graphs to drop")
        raise UsageError(f"cannot tell the {what} URL from the Graph Store URL {store_url!r} (it does not "
                         f"end in /store or /data); give the {what} URL explicitly ({why})")
    return url


@dataclass
class PushReport:
    store_url: str
    graphs: int = 0
    triples_sent: int = 0
    triples_on_server: int = 0
    dropped_stale: list[str] = field(default_factory=list)  # the project's graphs it no longer has
    dropped_temporary: list[str] = field(default_factory=list)  # left by interrupted pushes


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
    return list(store.remote_layout())


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
    store = GraphStore(store_url, update_url, query_url, timeout)
    return push(quads, store, into, replace, progress)


def push(quads: Iterable[ox.Quad], store: GraphStore, into: str | None = None, replace: bool = False,
         progress: Callable[[str], None] = lambda _: None) -> PushReport:
    """Upload quads in one update request; returns what was sent and what the store holds after.
    Raises RemoteError (exit 3) or UsageError (exit 2)."""
    parts = plan(quads, into)
    if not parts:
        raise UsageError("nothing to push: the graph is empty")
    report = PushReport(store.store_url, graphs=len(parts), triples_sent=sum(len(g) for _, g in parts))
    report.dropped_temporary, report.dropped_stale = graphs_to_drop(store.graphs(), parts, into, replace)
    if report.dropped_temporary:
        progress(f"dropping {len(report.dropped_temporary)} temporary graphs that an interrupted push left")
    if report.dropped_stale:
        progress(f"dropping {len(report.dropped_stale)} graphs of an earlier push that this one "
                 "no longer has")
    progress(f"sending {report.triples_sent} triples in {len(parts)} graphs as one update request")
    try:
        store.update(update_request(parts, replace, report.dropped_temporary + report.dropped_stale))
    except RemoteError as exc:
        raise RemoteError(f"{exc}\n  the push is one update request, so the store holds its old graphs or "
                          "all of the new ones, never a mix; run the push again") from None
    progress("verifying the triple counts on the server")
    report.triples_on_server = verify(store, parts, replace)
    return report


def graphs_to_drop(present: list[str], parts: list[Part], into: str | None,
                   replace: bool) -> tuple[list[str], list[str]]:
    """The temporary graphs interrupted pushes left, and (with --replace, keeping the named graphs) the
    project's own graphs that this push no longer has."""
    temporary = [g for g in present if g.startswith(PUSH_TEMPORARY)]
    if not replace or into is not None:
        return temporary, []
    pushed = {target for target, _ in parts}
    return temporary, [g for g in present if g.startswith(OWN_GRAPHS) and g not in pushed]


def verify(store: GraphStore, parts: list[Part], replace: bool) -> int:
    """Each target graph's count on the server against what was sent; returns the server's total."""
    total = 0
    for target, graph in parts:
        held = store.count(target)
        total += held
        if held < len(graph) or (replace and held != len(graph)):
            where = "the default graph" if target is None else f"graph <{target}>"
            raise RemoteError(f"{store.store_url}: {where} holds {held} triples after the push; "
                              f"{len(graph)} were sent")
    return total


def update_request(parts: list[Part], replace: bool, drop: Iterable[str]) -> str:
    """The one SPARQL Update request of a push: drops first, then all the data; every IRI and term is
    written by pyoxigraph (`graph_ref`, the N-Triples serializer), never pasted from text."""
    operations = [f"DROP SILENT {graph_ref(g)}" for g in drop]
    if replace:
        operations += [f"DROP SILENT {graph_ref(target)}" for target, _ in parts]
    data = "".join(ntriples(graph).decode("utf-8") if target is None
                   else f"{graph_ref(target)} {{\n{ntriples(graph).decode('utf-8')}}}\n"
                   for target, graph in parts)
    return " ;\n".join([*operations, f"INSERT DATA {{\n{data}}}"])
