"""The dumps are written from the store (tipkg.publish, tipkg.nodeobjects): data that holds blank nodes
(anonymous ones get a new random label on every parse, two point to each other), RDF lists and typed
literals must come out as the same graph, byte for byte the same on every build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_support import tree_bytes
from pyld import jsonld
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from test_publish import loader_for

from tipkg.load import load_project
from tipkg.project import Project
from tipkg.publish import publish
from tipkg.reason import reason

TANGLED = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:list ( ex:b "two" [ ex:p 3 ] ) ;
    ex:count "05"^^xsd:integer, 7 ;
    ex:flag "1"^^xsd:boolean, true ;
    ex:ratio 1.5e0, "0.50"^^xsd:decimal ;
    ex:empty () .
_:x ex:q _:y . _:y ex:q _:x .
[] ex:r "anon"@en .
ex:g { ex:a ex:knows [ ex:name "in a named graph" ] . }
"""
FORMATS = {"tipkg.ttl": "turtle", "tipkg.nt": "nt", "tipkg.trig": "trig", "tipkg.nq": "nquads"}


def merged(path: Path, fmt: str) -> Graph:
    dataset = Dataset()
    dataset.parse(path, format=fmt)
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def same_graph(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        pytest.fail(f"only expected:\n{only_expected.serialize(format='nt')}\n"
                    f"only written:\n{only_actual.serialize(format='nt')}")


@pytest.fixture
def tangled(mini: Path) -> Path:
    (mini / "data" / "tangled.trig").write_text(TANGLED, encoding="utf-8")
    return mini


def build(project: Path, out: Path) -> Path:
    loaded = load_project(Project(project))
    publish(loaded, reason(loaded), out)
    return out


def test_blank_nodes_get_the_same_labels_on_every_build(tangled: Path, tmp_path: Path) -> None:
    one, two = build(tangled, tmp_path / "one"), build(tangled, tmp_path / "two")
    assert tree_bytes(one) == tree_bytes(two)
    assert "_:" in (one / "tipkg.nq").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_dump_is_the_loaded_graph(tangled: Path, tmp_path: Path, name: str) -> None:
    out = build(tangled, tmp_path / "dist")
    same_graph(load_project(Project(tangled)).full_graph(), merged(out / name, FORMATS[name]))


def test_jsonld_keeps_lists_and_blank_cycles(tangled: Path, tmp_path: Path) -> None:
    out = build(tangled, tmp_path / "dist")
    document = json.loads((out / "tipkg.jsonld").read_text(encoding="utf-8"))
    text = json.dumps(document)
    assert '"@list"' in text and text.count('"http://example.org/q"') == 2
    options = {"format": "application/n-quads", "base": (out / "tipkg.jsonld").as_uri(),
               "documentLoader": loader_for(out)}
    nquads = jsonld.to_rdf(document, options)
    same_graph(load_project(Project(tangled)).full_graph(), Graph().parse(data=nquads, format="nt"))
