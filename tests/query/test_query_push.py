"""`tipkg push` into a real Oxigraph server: named graphs kept, counts verified on the server, --replace,
--graph, stale graphs dropped, and a failed push leaves the store as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from query_support import Oxigraph, free_port, running_oxigraph
from rdflib import Dataset, URIRef

from tipkg.cli import main
from tipkg.errors import RemoteError
from tipkg.load import LoadedProject
from tipkg.push import GraphStore, plan, push, sibling_url
from tipkg.results import QueryForm
from tipkg.stores import RemoteStore, Sparql, local_store

GRAPHS = Sparql.parse("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
ALL = Sparql.parse("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def server_graphs(server: Oxigraph) -> dict[str, int]:
    rows = RemoteStore(server.query).query(GRAPHS).rows
    return {str(g): int(n) for g, n in rows}  # type: ignore[arg-type]


def local_graphs(loaded: LoadedProject) -> dict[str, int]:
    dataset = local_store(loaded).dataset
    default = dataset.default_graph.identifier
    return {str(g.identifier): len(g) for g in dataset.graphs() if g.identifier != default}


def test_push_keeps_every_named_graph_and_verifies_counts(empty_oxigraph: Oxigraph, mini_dir: Path,
                                                          mini_loaded: LoadedProject) -> None:
    result = cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir))
    assert result.exit_code == 0, result.stderr
    dataset = local_store(mini_loaded).dataset
    total = sum(len(g) for g in dataset.graphs())
    assert result.stdout.startswith(f"pushed {total} triples in 3 graphs to {empty_oxigraph.store}")
    assert f"the server holds {total} triples" in result.stdout
    assert server_graphs(empty_oxigraph) == local_graphs(mini_loaded)
    store = GraphStore(empty_oxigraph.store)
    assert store.count(None) == len(dataset.default_graph)
    assert not [g for g in server_graphs(empty_oxigraph) if g.startswith("urn:tipkg:push:")]


def test_push_twice_adds_and_replace_replaces(empty_oxigraph: Oxigraph, mini_dir: Path,
                                              tmp_path: Path) -> None:
    assert cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir)).exit_code == 0
    before = server_graphs(empty_oxigraph)
    assert cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir)).exit_code == 0
    assert server_graphs(empty_oxigraph) == before  # the same triples again: nothing new

    changed = tmp_path / "project"
    shutil.copytree(mini_dir, changed)
    trig = changed / "data" / "mini.trig"
    text = trig.read_text(encoding="utf-8")
    start = text.index("<https://w3id.org/tipkg/id/graph/s-2> {")
    trig.write_text(text[:start], encoding="utf-8")  # the second sentence's graph is gone

    result = cli("push", "--store", empty_oxigraph.store, "--project", str(changed), "--replace")
    assert result.exit_code == 0, result.stderr
    assert "dropped 1 stale graphs" in result.stdout
    assert list(server_graphs(empty_oxigraph)) == ["https://w3id.org/tipkg/id/graph/s-1"]


def test_push_into_one_graph(empty_oxigraph: Oxigraph, mini_dir: Path, mini_loaded: LoadedProject) -> None:
    target = "https://example.org/graph/tipkg"
    result = cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir), "--graph", target,
                 "--replace")
    assert result.exit_code == 0, result.stderr
    quads = local_store(mini_loaded).dataset.quads((None, None, None, None))
    merged = len({(s, p, o) for s, p, o, _ in quads})
    assert server_graphs(empty_oxigraph) == {target: merged}
    assert "in 1 graphs" in result.stdout


def test_push_a_built_file(empty_oxigraph: Oxigraph, mini_loaded: LoadedProject, tmp_path: Path) -> None:
    path = tmp_path / "dump.trig"
    local_store(mini_loaded).dataset.serialize(path, format="trig")
    result = cli("push", "--store", empty_oxigraph.store, "--from", str(path))
    assert result.exit_code == 0, result.stderr
    assert server_graphs(empty_oxigraph) == local_graphs(mini_loaded)
    assert cli("push", "--store", empty_oxigraph.store, "--from", str(path), "--inferred").exit_code == 2


def test_push_inferred_adds_the_entailments_graph(empty_oxigraph: Oxigraph, mini_dir: Path) -> None:
    result = cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir), "--inferred")
    assert result.exit_code == 0, result.stderr
    assert "https://w3id.org/tipkg/id/graph/inferred" in server_graphs(empty_oxigraph)
    assert RemoteStore(empty_oxigraph.query).has_graph(URIRef("https://w3id.org/tipkg/id/graph/inferred"))


def test_a_failed_move_leaves_the_store_as_it_was(empty_oxigraph: Oxigraph,
                                                  mini_loaded: LoadedProject) -> None:
    dataset = local_store(mini_loaded).dataset
    push(dataset, GraphStore(empty_oxigraph.store, empty_oxigraph.update), replace=True)
    before = server_graphs(empty_oxigraph)
    total_before = RemoteStore(empty_oxigraph.query).query(ALL).rows
    broken = GraphStore(empty_oxigraph.store, empty_oxigraph.url + "/no-update-here")
    with pytest.raises(RemoteError, match="HTTP 404"):
        push(dataset, broken, into=URIRef("https://w3id.org/tipkg/id/graph/s-1"), replace=True)
    assert server_graphs(empty_oxigraph) == before  # no temporary graph left, nothing replaced
    assert RemoteStore(empty_oxigraph.query).query(ALL).rows == total_before


def test_without_an_update_endpoint_graphs_go_straight_in(empty_oxigraph: Oxigraph,
                                                          mini_loaded: LoadedProject) -> None:
    notes: list[str] = []
    report = push(local_store(mini_loaded).dataset, GraphStore(empty_oxigraph.store), replace=True,
                  progress=notes.append)
    assert not report.atomic and any("not atomic" in note for note in notes)
    assert server_graphs(empty_oxigraph) == local_graphs(mini_loaded)
    assert report.triples_on_server == report.triples_sent


@pytest.mark.parametrize("path, message", [("/500", "HTTP 500"), ("/html", "answered text/html, not RDF")])
def test_bad_stores_fail_with_exit_3(mini_dir: Path, bad_endpoint: str, path: str, message: str) -> None:
    result = cli("push", "--store", bad_endpoint + path, "--project", str(mini_dir),
                 "--update", bad_endpoint + "/missing")
    assert result.exit_code == 3
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_closed_store_fails_with_exit_3(mini_dir: Path) -> None:
    result = cli("push", "--store", f"http://127.0.0.1:{free_port()}/store", "--project", str(mini_dir))
    assert result.exit_code == 3 and "connection refused" in result.stderr


def test_push_usage_errors(mini_dir: Path) -> None:
    assert cli("push", "--project", str(mini_dir)).exit_code == 2  # --store is required
    result = cli("push", "--store", "http://127.0.0.1:1/store", "--graph", "not an iri",
                 "--project", str(mini_dir))
    assert result.exit_code == 2 and "not a valid IRI" in result.stderr


def test_sibling_urls_and_plan() -> None:
    assert sibling_url("http://h:7878/store", "update") == "http://h:7878/update"
    assert sibling_url("http://h/ds/data", "query") == "http://h/ds/query"
    assert sibling_url("http://h/gsp", "update") is None
    dataset = Dataset()
    dataset.graph(URIRef("urn:g")).add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    assert [(str(t), len(g)) for t, g in plan(dataset)] == [("urn:g", 1)]
    assert plan(Dataset()) == []
    assert Sparql.parse("ASK {}").form is QueryForm.ASK


def test_a_server_without_the_union_default_graph_is_pointed_out(mini_dir: Path, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "store", union=False) as server:
        assert cli("push", "--store", server.store, "--project", str(mini_dir)).exit_code == 0
        result = cli("query", "run", "units", "--project", str(mini_dir), "--endpoint", server.query)
        assert result.exit_code == 0
        assert "does not query the union of its graphs" in result.stderr
        assert "--union-default-graph" in result.stderr
        assert len(result.stdout.splitlines()) == 2  # header and rule: the units are in sentence graphs


def test_a_union_server_gets_no_such_note(empty_oxigraph: Oxigraph, mini_dir: Path) -> None:
    assert cli("push", "--store", empty_oxigraph.store, "--project", str(mini_dir)).exit_code == 0
    result = cli("query", "run", "units", "--project", str(mini_dir), "--endpoint", empty_oxigraph.query)
    assert result.exit_code == 0 and "note:" not in result.stderr
    assert "Bureau of Samples" in result.stdout
