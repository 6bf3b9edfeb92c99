"""The server's small parts on their own: the read-only screen, content negotiation, and the result writers
checked by an independent reader (rdflib's SPARQL results parsers)."""

from __future__ import annotations

import io

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.query import Result

from tipkg.server.engine import QueryError, QueryResult, ResultKind
from tipkg.server.negotiation import PAGE_FORMATS, RESULT_FORMATS, Format, negotiate
from tipkg.server.results import write_results
from tipkg.server.safety import check_read_only
from tipkg.server.site import humanize, term

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
        check_read_only(query)
    assert caught.value.status == 403


@pytest.mark.parametrize("query", ALLOWED)
def test_screen_allows(query):
    check_read_only(query)


@pytest.mark.parametrize(
    ("accept", "offers", "expected"),
    [
        (None, PAGE_FORMATS, Format.HTML),
        ("text/turtle;q=0.9, application/ld+json", PAGE_FORMATS, Format.JSONLD),
        ("application/rdf+xml, text/html;q=0.1", PAGE_FORMATS, Format.RDFXML),
        ("text/*", RESULT_FORMATS, Format.CSV),
        ("application/json", RESULT_FORMATS, Format.SPARQL_JSON),
        ("text/plain", PAGE_FORMATS, Format.NTRIPLES),
        ("*/*;q=0.1, text/html;q=0", PAGE_FORMATS, Format.TURTLE),
        ("image/png", PAGE_FORMATS, None),
    ],
)
def test_negotiation(accept, offers, expected):
    assert negotiate(accept, offers) is expected


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
    rows = tuple((term(a), term(b) if b is not None else None) for a, b in TRICKY)
    written = write_results(QueryResult(ResultKind.SELECT, ("s", "o"), rows), fmt)
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
        written = write_results(QueryResult(ResultKind.ASK, boolean=value), fmt)
        assert Result.parse(io.BytesIO(written), format=rdflib_format).askAnswer is value
