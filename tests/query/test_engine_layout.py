"""The local store layout (`tipkg.engine.local_store`): the merge is the store's default graph, and a query
gets the same dataset as on a remote store laid out by `tipkg push`, whichever way its options are given."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tipkg.engine import ASSERTED_GRAPH, INFERRED_GRAPH, ProjectStore
from tipkg.load import LoadedProject
from tipkg.reason import reason
from tipkg.sparql import Sparql

GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def rows(store: ProjectStore, text: str, inferred: bool = False) -> list[tuple]:
    return [tuple(str(t) for t in row) for row in store.query(Sparql.parse(text), inferred=inferred).rows]


def remote_rows(remote: ox.Store, store: ProjectStore, text: str, inferred: bool) -> list[tuple]:
    """The same query on the remote layout, with the protocol's explicit dataset."""
    dataset = store.dataset(inferred)
    answer = remote.query(text, default_graph=[ox.NamedNode(g) for g in dataset.default_graphs],
                          named_graphs=[ox.NamedNode(g) for g in dataset.named_graphs])
    return [tuple(str(t) for t in row) for row in answer]


@pytest.fixture()
def store(mini_loaded: LoadedProject) -> ProjectStore:
    fresh = ProjectStore(mini_loaded)
    fresh.add_entailments(reason(mini_loaded).entailments)
    return fresh


QUERIES = [
    GRAPHS,
    COUNT,
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }",
]


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("inferred", [False, True])
def test_local_and_remote_layouts_answer_alike(store: ProjectStore, text: str, inferred: bool) -> None:
    assert rows(store, text, inferred) == remote_rows(store.remote_layout(), store, text, inferred)


def test_helper_graphs_are_not_named_graphs_of_an_asserted_query(store: ProjectStore) -> None:
    graphs = {g for (g,) in rows(store, GRAPHS)}
    assert graphs and f"<{ASSERTED_GRAPH}>" not in graphs and f"<{INFERRED_GRAPH}>" not in graphs
    assert f"<{INFERRED_GRAPH}>" in {g for (g,) in rows(store, GRAPHS, inferred=True)}


def test_the_default_graph_is_the_merge_each_triple_once(store: ProjectStore) -> None:
    merge = {(q.subject, q.predicate, q.object) for q in store.loaded.store}
    merge |= {(q.subject, q.predicate, q.object) for q in store.remote_layout()
              if q.graph_name == ox.DefaultGraph()}
    assert rows(store, COUNT) == [(f'"{len(merge)}"^^<http://www.w3.org/2001/XMLSchema#integer>',)]


def test_from_asserted_names_the_merge_and_later_graph_queries_stay_the_same(store: ProjectStore) -> None:
    before = rows(store, GRAPHS)
    named = rows(store, f"SELECT (COUNT(*) AS ?n) FROM <{ASSERTED_GRAPH}> WHERE {{ ?s ?p ?o }}")
    assert named == rows(store, COUNT)
    assert rows(store, GRAPHS) == before  # the graph made for FROM is not one of the data's named graphs


def test_a_query_without_graph_patterns_sends_no_list_of_graphs(store: ProjectStore) -> None:
    """The speed of the layout: Oxigraph pays for a list of named graphs on every query, so it is given
    only when a GRAPH pattern could see a graph that is not in the dataset."""
    dataset = store.dataset()
    assert dataset.options(store.stored_graphs, Sparql.parse(COUNT))["named_graphs"] is None
    assert dataset.options(store.stored_graphs, Sparql.parse(GRAPHS))["named_graphs"] is not None
    with_entailments = store.dataset(inferred=True)
    assert with_entailments.options(store.stored_graphs, Sparql.parse(GRAPHS))["named_graphs"] is None
