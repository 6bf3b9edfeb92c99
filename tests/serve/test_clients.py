"""SPARQL clients against a running `tipkg serve`: SPARQLWrapper with every return format it offers for each
query form (it sends `format=`, `output=` and `results=` and an Accept header of its own), and rdflib's
SPARQLStore. Each answer is parsed by the client and checked against the fixture project as rdflib reads it.
"""

from __future__ import annotations

import csv
import io
import warnings

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from tests.serve.conftest import FIXTURE_PROJECT

from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.vocab import ID, TIP

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label } ORDER BY ?thing ?label"""
HOTLINES = """PREFIX tip: <https://w3id.org/tipkg/ontology#>
CONSTRUCT { ?h tip:telephone ?t } WHERE { ?h tip:telephone ?t }"""
DESCRIBE = f"DESCRIBE <{ID.nhtrc}>"
SRX = "http://www.w3.org/2005/sparql-results#"


@pytest.fixture(scope="module")
def data():
    return load_project(find_project(FIXTURE_PROJECT))


@pytest.fixture(scope="module")
def labels(data) -> set[tuple[str, str]]:
    found = {(str(s), str(o)) for s, _, o, _ in data.data.quads((None, SKOS.prefLabel, None, None))}
    assert found
    return found


@pytest.fixture(scope="module")
def hotlines(data) -> set:
    found = {(s, p, o) for s, p, o, _ in data.data.quads((None, TIP.telephone, None, None))}
    assert found
    return found


def wrapper(server, query: str, return_format: str, method: str = GET, strict: bool = True):
    """SPARQLWrapper's answer and its conversion. `strict`: its warnings (an answer not in the format it
    asked for) are errors; graph queries turn that off, since it warns that it sends Accept */* for RDF."""
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    with warnings.catch_warnings():
        warnings.simplefilter("error" if strict else "ignore")
        response = client.query()
        return response, response.convert()


# ------------------------------------------------------------------------------ SELECT


@pytest.mark.parametrize("method", [GET, POST])
def test_select_json(fixture_server, labels, method):
    _, converted = wrapper(fixture_server, LABELS, JSON, method)
    assert {(b["thing"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]} == labels


def test_select_xml(fixture_server, labels):
    _, document = wrapper(fixture_server, LABELS, XML)
    rows = set()
    for result in document.getElementsByTagNameNS(SRX, "result"):
        cells = {b.getAttribute("name"): b.firstChild.firstChild.data
                 for b in result.getElementsByTagNameNS(SRX, "binding")}
        rows.add((cells["thing"], cells["label"]))
    assert rows == labels


def test_select_csv(fixture_server, labels):
    _, body = wrapper(fixture_server, LABELS, CSV)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["thing", "label"]
    assert {tuple(row) for row in rows[1:]} == labels


def test_select_tsv(fixture_server, labels):
    response, body = wrapper(fixture_server, LABELS, TSV)
    assert response.info()["content-type"].startswith("text/tab-separated-values")
    lines = body.decode("utf-8").rstrip("\n").split("\n")
    assert lines[0] == "?thing\t?label"
    expected = {(f"<{thing}>", f'"{label}"@en') for thing, label in labels}
    assert {tuple(line.split("\t")) for line in lines[1:]} == expected


# ------------------------------------------------------------------------------ ASK


@pytest.mark.parametrize(("query", "expected"), [("ASK { ?s ?p ?o }", True),
                                                  ("ASK { <urn:x:nothing> ?p ?o }", False)])
def test_ask_json_and_xml(fixture_server, query, expected):
    _, converted = wrapper(fixture_server, query, JSON)
    assert converted["boolean"] is expected
    _, document = wrapper(fixture_server, query, XML)
    assert document.getElementsByTagNameNS(SRX, "boolean")[0].firstChild.data == str(expected).lower()


@pytest.mark.parametrize("return_format", [CSV, TSV])
def test_ask_csv_and_tsv(fixture_server, return_format):
    for query, expected in (("ASK { ?s ?p ?o }", "true"), ("ASK { <urn:x:nothing> ?p ?o }", "false")):
        response, body = wrapper(fixture_server, query, return_format)
        assert response.info()["content-type"].startswith("text/csv" if return_format == CSV
                                                          else "text/tab-separated-values")
        assert body.decode("utf-8").strip() == expected


# ------------------------------------------------------------------------------ CONSTRUCT and DESCRIBE


def as_graph(return_format: str, converted) -> Graph:
    if isinstance(converted, bytes):  # TURTLE and N3: SPARQLWrapper hands over the text
        return Graph().parse(data=converted.decode("utf-8"), format="turtle")
    graph = Graph()
    for triple in converted.triples((None, None, None)):
        graph.add(triple)
    return graph


GRAPH_FORMATS = [TURTLE, N3, XML, RDFXML, RDF, JSONLD, JSON]
MEDIA_TYPES = {TURTLE: "text/turtle", N3: "text/turtle", XML: "application/rdf+xml",
               RDFXML: "application/rdf+xml", RDF: "application/rdf+xml", JSONLD: "application/ld+json",
               JSON: "application/ld+json"}


def graph_answer(server, query: str, return_format: str) -> Graph:
    """A CONSTRUCT or DESCRIBE through SPARQLWrapper, its media type checked, as a graph."""
    response, converted = wrapper(server, query, return_format, strict=False)
    assert response.info()["content-type"].startswith(MEDIA_TYPES[return_format])
    return as_graph(return_format, converted)


@pytest.mark.parametrize("return_format", GRAPH_FORMATS)
def test_construct(fixture_server, hotlines, return_format):
    assert set(graph_answer(fixture_server, HOTLINES, return_format)) == hotlines


@pytest.mark.parametrize("return_format", GRAPH_FORMATS)
def test_describe(fixture_server, data, return_format):
    graph = graph_answer(fixture_server, DESCRIBE, return_format)
    asserted = {(s, p, o) for s, p, o, _ in data.data.quads((ID.nhtrc, None, None, None))}
    assert asserted and asserted <= set(graph)
    assert {s for s, _, _ in graph} == {ID.nhtrc}
    assert (ID.nhtrc, SKOS.altLabel, Literal("NHTRC", lang="en")) in graph


def test_construct_as_ntriples_by_accept(fixture_server, hotlines):
    """SPARQLWrapper has no N-Triples constant; asked for by Accept alone, the answer is N-Triples."""
    client = SPARQLWrapper(fixture_server.url + "/sparql")
    client.setQuery(HOTLINES)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query()
    assert response.info()["content-type"].startswith("application/n-triples")
    graph = Graph().parse(data=response.response.read().decode("utf-8"), format="nt")
    assert set(graph) == hotlines


# ------------------------------------------------------------------------------ rdflib's SPARQLStore


@pytest.fixture()
def remote(fixture_server):
    graph = Graph(store=SPARQLStore(fixture_server.url + "/sparql"))
    yield graph
    graph.close()


def test_sparqlstore_select(remote, labels):
    rows = {(str(row.thing), str(row.label)) for row in remote.query(LABELS)}
    assert rows == labels


def test_sparqlstore_ask(remote):
    assert remote.query("ASK { ?s ?p ?o }").askAnswer is True


def test_sparqlstore_construct(remote, hotlines):
    assert set(remote.query(HOTLINES).graph) == hotlines


def test_sparqlstore_triples(remote, data):
    found = set(remote.triples((URIRef(ID.hhs), SKOS.prefLabel, None)))
    assert found == {(s, p, o) for s, p, o, _ in data.data.quads((ID.hhs, SKOS.prefLabel, None, None))}
