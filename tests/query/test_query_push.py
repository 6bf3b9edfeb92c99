"""`tipkg push` into real Oxigraph servers: the store layout of `tipkg.engine` (named graphs, default graph,
id:graph/asserted, id:graph/inferred) goes up in one update request, counts verified on the server,
--replace, --graph, --no-inferred, stale graphs dropped, and a failed push leaves the store as it was.
Interrupted pushes (signals, a dying server): test_push_interrupted.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from query_support import Oxigraph, free_port, project_store

from tipkg.cli import main
from tipkg.engine import ASSERTED_GRAPH, INFERRED_GRAPH, ProjectStore
from tipkg.errors import RemoteError, UsageError
from tipkg.load import load_project
from tipkg.project import Project
from tipkg.push import GraphStore, plan, push, push_project, sibling_url
from tipkg.remote import RemoteStore
from tipkg.sparql import Sparql

GRAPHS = Sparql.parse("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
ALL = Sparql.parse("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
S1 = "https://w3id.org/tipkg/id/graph/s-1"
S2 = "https://w3id.org/tipkg/id/graph/s-2"


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def server_graphs(server: Oxigraph) -> dict[str, int]:
    """The server's named graphs and their sizes, asked of its own default dataset."""
    rows = RemoteStore(server.query).send(GRAPHS, None, None).rows
    return {g.value: int(n.value) for g, n in rows}  # type: ignore[union-attr]


def local_graphs(store: ProjectStore, inferred: bool = True) -> dict[str, int]:
    """The named graphs of the local store layout and their sizes."""
    counts: dict[str, int] = {}
    for quad in store.remote_layout():
        if isinstance(quad.graph_name, ox.NamedNode):
            counts[quad.graph_name.value] = counts.get(quad.graph_name.value, 0) + 1
    if not inferred:
        counts.pop(INFERRED_GRAPH, None)
    return dict(sorted(counts.items()))


def default_size(store: ProjectStore) -> int:
    return sum(1 for _ in store.remote_layout().quads_for_pattern(None, None, None, ox.DefaultGraph()))


@pytest.fixture(scope="module")
def local(mini_store: ProjectStore) -> ProjectStore:
    return mini_store


@pytest.mark.parametrize("which", ["stock", "union"])
def test_push_uploads_the_store_layout_and_verifies_counts(which: str, empty_oxigraph: Oxigraph,
                                                           empty_stock_oxigraph: Oxigraph, mini_dir: Path,
                                                           local: ProjectStore) -> None:
    server = empty_stock_oxigraph if which == "stock" else empty_oxigraph
    result = cli("push", "--store", server.store, "--project", str(mini_dir))
    assert result.exit_code == 0, result.stderr
    graphs = local_graphs(local)
    assert ASSERTED_GRAPH in graphs and INFERRED_GRAPH in graphs  # the entailments go up by default
    total = len(local.remote_layout())
    assert result.stdout.startswith(f"pushed {total} triples in {len(graphs) + 1} graphs to {server.store}")
    assert f"the server holds {total} triples" in result.stdout
    assert server_graphs(server) == graphs  # no temporary graph left behind
    assert GraphStore(server.store).count(None) == default_size(local)
    assert RemoteStore(server.query).laid_out() and RemoteStore(server.query).has_entailments()


def test_push_no_inferred_leaves_the_entailments_out(empty_stock_oxigraph: Oxigraph, mini_dir: Path,
                                                     local: ProjectStore) -> None:
    result = cli("push", "--store", empty_stock_oxigraph.store, "--project", str(mini_dir), "--no-inferred")
    assert result.exit_code == 0, result.stderr
    assert "entailments" not in result.stderr
    assert server_graphs(empty_stock_oxigraph) == local_graphs(local, inferred=False)
    remote = RemoteStore(empty_stock_oxigraph.query)
    assert remote.laid_out() and not remote.has_entailments()
    # after a default push, --no-inferred --replace drops the entailments graph: none of it goes stale
    assert cli("push", "--store", empty_stock_oxigraph.store, "--project", str(mini_dir)).exit_code == 0
    assert RemoteStore(empty_stock_oxigraph.query).has_entailments()
    result = cli("push", "--store", empty_stock_oxigraph.store, "--project", str(mini_dir), "--no-inferred",
                 "--replace")
    assert result.exit_code == 0 and "dropped 1 stale graphs" in result.stdout, result.stderr
    assert server_graphs(empty_stock_oxigraph) == local_graphs(local, inferred=False)


def test_push_twice_adds_and_replace_replaces(empty_stock_oxigraph: Oxigraph, mini_dir: Path,
                                              tmp_path: Path) -> None:
    server = empty_stock_oxigraph
    assert cli("push", "--store", server.store, "--project", str(mini_dir)).exit_code == 0
    before = server_graphs(server)
    default_before = GraphStore(server.store).count(None)
    assert cli("push", "--store", server.store, "--project", str(mini_dir)).exit_code == 0
    assert server_graphs(server) == before  # the same triples again: nothing new
    assert GraphStore(server.store).count(None) == default_before

    changed = tmp_path / "project"
    shutil.copytree(mini_dir, changed)
    trig = changed / "data" / "mini.trig"
    text = trig.read_text(encoding="utf-8")
    start = text.index("<https://w3id.org/tipkg/id/graph/s-2> {")
    trig.write_text(text[:start], encoding="utf-8")  # the second sentence's graph is gone

    result = cli("push", "--store", server.store, "--project", str(changed), "--replace")
    assert result.exit_code == 0, result.stderr
    assert "dropped 1 stale graphs" in result.stdout
    now = project_store(load_project(Project(changed)))
    assert server_graphs(server) == local_graphs(now)  # s-2 gone, asserted and inferred replaced
    assert S2 not in server_graphs(server) and S1 in server_graphs(server)
    assert GraphStore(server.store).count(None) == default_size(now)


def test_push_into_one_graph(empty_oxigraph: Oxigraph, mini_dir: Path, local: ProjectStore) -> None:
    target = "https://example.org/graph/tipkg"
    result = cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir), "--graph", target,
                 "--replace")
    assert result.exit_code == 0, result.stderr
    merged = len({(q.subject, q.predicate, q.object) for q in local.remote_layout()})  # the merge, once each
    assert server_graphs(empty_oxigraph) == {target: merged}
    assert "in 1 graphs" in result.stdout


def test_push_a_built_file(empty_stock_oxigraph: Oxigraph, local: ProjectStore, tmp_path: Path,
                           mini_dir: Path) -> None:
    """A built TriG (the data's graphs and the default graph) goes up with its merge beside it; it carries
    no entailments, so a question about them is refused by the store, not answered from the asserted graph."""
    path = tmp_path / "dump.trig"
    data = [q for q in local.remote_layout()
            if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in (ASSERTED_GRAPH,
                                                                                      INFERRED_GRAPH))]
    path.write_bytes(ox.serialize(data, format=ox.RdfFormat.TRIG))
    result = cli("push", "--store", empty_stock_oxigraph.store, "--from", str(path))
    assert result.exit_code == 0, result.stderr
    assert "a built file holds no entailments" in result.stderr
    assert server_graphs(empty_stock_oxigraph) == local_graphs(local, inferred=False)
    units = cli("query", "run", "units", "--project", str(mini_dir), "--endpoint", empty_stock_oxigraph.query)
    assert units.exit_code == 0 and "Bureau of Samples" in units.stdout
    tree = cli("query", "run", "tree", "--project", str(mini_dir), "--endpoint", empty_stock_oxigraph.query)
    assert tree.exit_code == 3 and "holds no entailments" in tree.stderr


def test_a_failed_update_leaves_the_store_as_it_was(empty_stock_oxigraph: Oxigraph,
                                                    local: ProjectStore) -> None:
    server = empty_stock_oxigraph
    quads = list(local.store)
    push(quads, GraphStore(server.store, server.update), replace=True)
    before = server_graphs(server)
    total_before = RemoteStore(server.query).send(ALL, None, None).rows
    broken = GraphStore(server.store, server.url + "/no-update-here")
    with pytest.raises(RemoteError, match="HTTP 404(.|\n)*holds its old graphs or all of the new ones"):
        push(quads, broken, into=S1, replace=True)
    assert server_graphs(server) == before  # nothing replaced
    assert RemoteStore(server.query).send(ALL, None, None).rows == total_before


def test_a_store_url_without_update_endpoint_is_refused(empty_stock_oxigraph: Oxigraph, mini_dir: Path,
                                                        local: ProjectStore) -> None:
    """No silent upload without a transaction: the Update (and query) URL must be derivable or given."""
    server = empty_stock_oxigraph
    for given, flag in (((), "--update"), (("--update", server.update), "--endpoint")):
        result = cli("push", "--store", server.url + "/gsp", "--project", str(mini_dir), *given)
        assert result.exit_code == 2 and f"give it with {flag} URL" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert server_graphs(server) == {}  # nothing was sent
    with pytest.raises(UsageError, match="cannot tell the SPARQL Update URL"):
        GraphStore(server.url + "/gsp")
    with pytest.raises(UsageError, match="cannot tell the SPARQL query URL"):
        GraphStore(server.url + "/gsp", server.update)
    given = GraphStore(server.url + "/gsp", server.update, server.query)
    assert (given.update_url, given.query_url) == (server.update, server.query)
    result = cli("push", "--store", server.store, "--project", str(mini_dir), "--update", server.update,
                 "--endpoint", server.query)
    assert result.exit_code == 0, result.stderr
    assert server_graphs(server) == local_graphs(local)


@pytest.mark.parametrize("path, message", [("/500", "HTTP 500"), ("/html", "answered an HTML page")])
def test_bad_stores_fail_with_exit_3(mini_dir: Path, bad_endpoint: str, path: str, message: str) -> None:
    result = cli("push", "--store", bad_endpoint + path, "--project", str(mini_dir),
                 "--update", bad_endpoint + "/missing", "--endpoint", bad_endpoint + path, "--no-inferred")
    assert result.exit_code == 3
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_closed_store_fails_with_exit_3(mini_dir: Path) -> None:
    result = cli("push", "--store", f"http://127.0.0.1:{free_port()}/store", "--project", str(mini_dir))
    assert result.exit_code == 3 and "connection refused" in result.stderr


def test_push_usage_errors(mini_dir: Path) -> None:
    assert cli("push", "--project", str(mini_dir)).exit_code == 2  # --store is required
    result = cli("push", "--store", "http://127.0.0.1:1/store", "--graph", "not an iri",
                 "--project", str(mini_dir))
    assert result.exit_code == 2 and "the target graph is not a valid IRI: 'not an iri'" in result.stderr
    assert "double quotes" not in result.stderr  # a parameter's hint, not this option's
    result = cli("push", "--store", "ftp://127.0.0.1/store", "--project", str(mini_dir))
    assert result.exit_code == 2 and "must be http:// or https://" in result.stderr
    with pytest.raises(UsageError, match="nothing to push"):
        push([], GraphStore("http://127.0.0.1:1/store"))
    with pytest.raises(UsageError, match="not a valid IRI"):
        push_project("http://127.0.0.1:1/store", mini_dir, graph_iri="http://a>")


def test_sibling_urls_and_plan() -> None:
    assert sibling_url("http://h:7878/store", "update") == "http://h:7878/update"
    assert sibling_url("http://h/ds/data", "query") == "http://h/ds/query"
    assert sibling_url("http://h/gsp", "update") is None
    s, p, o = ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")
    triple = ox.Triple(s, p, o)
    quads = [ox.Quad(s, p, o, ox.NamedNode("urn:g")), ox.Quad(s, p, o, ox.NamedNode("urn:g")),
             ox.Quad(s, p, o, ox.DefaultGraph()), ox.Quad(s, p, o, ox.NamedNode(ASSERTED_GRAPH))]
    assert plan(quads) == [(None, [triple]), (ASSERTED_GRAPH, [triple]), ("urn:g", [triple])]
    assert plan(quads, into="urn:one") == [("urn:one", [triple])]  # the merge graph is not copied in
    assert plan([]) == []
