"""The server's small parts on their own: the screen the engine runs before a worker sees a query, content
negotiation and format parameters, the worker's guarded region, and the result writers the server uses
(`tipkg.results`, pyoxigraph's serializers) checked by an independent reader (rdflib's results parsers)."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from tipkg.engine import QueryResult
from tipkg.formats import Format
from tipkg.results import serialize
from tipkg.server.engine import QueryError, check_query
from tipkg.server.negotiation import (
    GRAPH_FORMATS,
    PAGE_FORMATS,
    ROW_FORMATS,
    ConflictingFormats,
    negotiate,
    requested_format,
)
from tipkg.server.site import humanize
from tipkg.server.worker import WorkerData, WorkerFailure, WorkerRequest, answer
from tipkg.sparql import QueryForm
from tipkg.terms import to_ox

REFUSED = [
    "INSERT DATA { <a:b> <a:c> <a:d> }",
    "PREFIX x: <urn:x:> BASE <urn:y:> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "load <http://example.org/x.ttl>",
    "# a comment\nCLEAR ALL",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE<http://example.org/sparql>{ ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    'SELECT * WHERE { "a" ?p ?o . SERVICE SILENT ?endpoint { ?s ?p ?o } }',
]
ALLOWED = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT ?service WHERE { ?service <http://example.org/SERVICE> 'SERVICE <x>' }",
    'PREFIX service: <urn:x:> SELECT * WHERE { ?s service:insert """LOAD\nSERVICE""" } # SERVICE',
    "ASK { ?s <urn:x:delete> ?o }",
    "DESCRIBE <urn:x:load>",
    'SELECT * WHERE { ?s ?p "x"@service }',
]


@pytest.mark.parametrize("query", REFUSED)
def test_screen_refuses(query):
    with pytest.raises(QueryError) as caught:
        check_query(query)
    assert caught.value.status == 403


@pytest.mark.parametrize("query", ALLOWED)
def test_screen_allows(query):
    check_query(query)


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, PAGE_FORMATS, Format.HTML),
        ("text/turtle;q=0.9, application/ld+json", PAGE_FORMATS, Format.JSONLD),
        ("application/rdf+xml, text/html;q=0.1", PAGE_FORMATS, Format.RDFXML),
        ("text/*", ROW_FORMATS, Format.CSV),
        ("application/json", ROW_FORMATS, Format.SPARQL_JSON),
        ("application/json", PAGE_FORMATS, Format.JSONLD),
        ("application/json", GRAPH_FORMATS, Format.JSONLD),
        ("application/trig", PAGE_FORMATS, Format.TRIG),
        ("text/plain", PAGE_FORMATS, Format.NTRIPLES),
        ("text/n3", GRAPH_FORMATS, Format.TURTLE),
        ("*/*;q=0.1, text/html;q=0", PAGE_FORMATS, Format.TURTLE),
        ("image/png", PAGE_FORMATS, None),
    ],
)
def test_negotiation(accept, offers, expected):
    assert negotiate(accept, offers) is expected


@pytest.mark.parametrize(
    ("values", "graph", "expected"),
    [
        (["turtle", "turtle", "turtle"], True, Format.TURTLE),  # format=, output=, results= (SPARQLWrapper)
        (["json", "json"], False, Format.SPARQL_JSON),
        (["json"], True, Format.JSONLD),
        (["xml"], True, Format.RDFXML),
        (["n3"], True, Format.TURTLE),
        (["tsv", "text/tab-separated-values"], False, Format.TSV),  # SPARQLWrapper's TSV
        (["json-ld", "application/ld+json,application/x-json+ld"], True, Format.JSONLD),  # ... and JSON-LD
        (["rdf+xml", "application/rdf+xml"], True, Format.RDFXML),
        (["application/sparql-results+json"], False, Format.SPARQL_JSON),
        (["no-such-format"], False, None),  # unknown: Accept decides
        (["no-such-format", "csv"], False, Format.CSV),
        (["text"], False, None),  # the CLI's table is not served
        ([], True, None),
    ],
)
def test_format_parameters(values, graph, expected):
    assert requested_format(values, graph) is expected


def test_format_parameters_that_disagree():
    with pytest.raises(ConflictingFormats):
        requested_format(["json", "csv"], graph=False)


def test_humanize():
    assert humanize("http://www.w3.org/ns/org#subOrganizationOf") == "sub organization of"
    assert humanize("http://www.w3.org/ns/oa#SpecificResource") == "specific resource"
    assert humanize("https://example.org/x/HHS") == "HHS"


TRICKY = [
    (URIRef("https://w3id.org/tipkg/id/hhs"), Literal('say "hi",\n\ttab', lang="en")),
    (BNode("b0"), Literal("5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))),
    (URIRef("https://w3id.org/tipkg/id/x"), None),
    (URIRef("urn:x:y"), Literal("plain, with comma")),
]


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [(Format.SPARQL_JSON, "json"), (Format.SPARQL_XML, "xml"), (Format.TSV, "tsv"), (Format.CSV, "csv")],
)
def test_result_writers_read_back_by_rdflib(fmt, rdflib_format):
    rows = tuple((to_ox(a), to_ox(b) if b is not None else None) for a, b in TRICKY)
    written = serialize(QueryResult(QueryForm.SELECT, ("s", "o"), rows), fmt)  # type: ignore[arg-type]
    parsed = Result.parse(io.BytesIO(written), format=rdflib_format)
    assert [str(v) for v in parsed.vars] == ["s", "o"]
    read = [(row[0], row[1]) for row in parsed]
    if fmt is Format.CSV:  # CSV keeps only lexical forms (by the spec); blank nodes as _:label
        expected = [("_:" + a if isinstance(a, BNode) else str(a), "" if b is None else str(b))
                    for a, b in TRICKY]
        assert [(str(a), "" if b is None else str(b)) for a, b in read] == expected
        return
    for (subject, obj), (read_subject, read_obj) in zip(TRICKY, read, strict=True):
        assert isinstance(read_subject, type(subject))
        if not isinstance(subject, BNode):
            assert read_subject == subject
        assert read_obj == obj


@pytest.mark.parametrize(("fmt", "rdflib_format"), [(Format.SPARQL_JSON, "json"), (Format.SPARQL_XML, "xml")])
def test_ask_writers_read_back_by_rdflib(fmt, rdflib_format):
    for value in (True, False):
        written = serialize(QueryResult(QueryForm.ASK, boolean=value), fmt)
        assert Result.parse(io.BytesIO(written), format=rdflib_format).askAnswer is value


# ------------------------------------------------------------------------------ the worker's guarded region


@pytest.fixture(scope="module")
def small_store():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.Literal("x"),
                      ox.NamedNode("urn:x:g")))
    return store, WorkerData(b"", ("urn:x:g",), {"x": "urn:x:"})


@pytest.mark.parametrize(
    ("request_", "status", "message"),
    [
        ("not a request", 500, "not a query: str"),
        (WorkerRequest("SELECT * WHERE { ?s ?p ", False, 10), 400, "SPARQL syntax error"),
        (WorkerRequest("SELECT * WHERE { SERVICE <http://a/> { ?s ?p ?o } }", False, 10), 403, "SERVICE"),
        (WorkerRequest("SELECT * WHERE { ?s y:p ?o }", False, 10), 400, "(line 1, column 26)"),
        (WorkerRequest("SELECT (<urn:f>(1) AS ?x) {}", False, 10), 400, "not supported"),
        (WorkerRequest("SELECT * { ?s ?p ?o }", False, 10, bindings=(("s", "not a term"),)), 400,  # type: ignore[arg-type]
         "Query failed"),
    ],
)
def test_the_worker_answers_every_failure(small_store, request_, status, message):
    store, data = small_store
    reply = answer(store, data, request_)
    assert isinstance(reply, WorkerFailure)
    assert reply.status == status
    assert message in reply.title + ": " + reply.message


def test_the_worker_runs_on_the_project_dataset_unless_told_otherwise(small_store):
    store, data = small_store
    # The project dataset's default graph is id:graph/asserted, which this small store does not have ...
    empty = answer(store, data, WorkerRequest("SELECT * { ?s ?p ?o }", False, 10))
    assert isinstance(empty, QueryResult) and empty.rows == ()
    # ... its named graphs are the data's; a FROM names its own graphs; the protocol's dataset wins.
    named = answer(store, data, WorkerRequest("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", False, 10))
    assert isinstance(named, QueryResult) and named.rows == ((ox.NamedNode("urn:x:g"),),)
    own = answer(store, data, WorkerRequest("SELECT ?s FROM <urn:x:g> { ?s ?p ?o }", False, 10))
    assert isinstance(own, QueryResult) and own.rows == ((ox.NamedNode("urn:x:a"),),)
    from tipkg.engine import QueryDataset

    given = answer(store, data, WorkerRequest("SELECT ?s { ?s ?p ?o }", False, 10,
                                              QueryDataset(("urn:x:g",), ())))
    assert isinstance(given, QueryResult) and given.rows == ((ox.NamedNode("urn:x:a"),),)
    bound = answer(store, data, WorkerRequest("SELECT ?s ?o FROM <urn:x:g> { ?s x:p ?o }", False, 10,
                                              bindings=(("o", ox.Literal("y")),)))
    assert isinstance(bound, QueryResult) and bound.rows == ()
