"""Output formats: the W3C SPARQL result formats (written by pyoxigraph's serializers) read back to the same
terms, `table` is aligned and short, graph results come out as RDF that parses back to the same graph, and
the format vocabulary resolves the names and media types people and clients use."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from tipkg.engine import QueryResult, result_of
from tipkg.errors import UsageError
from tipkg.formats import Format, from_media_type, resolve
from tipkg.results import serialize, summary
from tipkg.sparql import QueryForm, Sparql

ID = "https://w3id.org/tipkg/id/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
NOTE = 'says "hi",\tthen\nleaves'
ROWS = QueryResult(
    QueryForm.SELECT,
    variables=("org", "label", "count", "note", "node"),
    rows=(
        (ox.NamedNode(ID + "dhs"), ox.Literal("Department of Homeland Security", language="en"),
         ox.Literal("3", datatype=XSD_INTEGER), ox.Literal(NOTE), ox.BlankNode("b0")),
        (ox.NamedNode("http://example.org/x%20y"), ox.Literal("plain"), None, None, None),
    ),
)


def read_back(data: bytes, fmt: Format) -> QueryResult:
    """What pyoxigraph's own results parser makes of a serialized answer."""
    return result_of(ox.parse_query_results(data, format=fmt.results_format), QueryForm.SELECT)


def test_json_is_sparql_results_json_and_reads_back() -> None:
    data = serialize(ROWS, Format.SPARQL_JSON)
    doc = json.loads(data)
    assert doc["head"]["vars"] == list(ROWS.variables)
    first = doc["results"]["bindings"][0]
    assert first["org"] == {"type": "uri", "value": ID + "dhs"}
    assert first["label"] == {"type": "literal", "value": "Department of Homeland Security", "xml:lang": "en"}
    assert first["count"] == {"type": "literal", "value": "3", "datatype": XSD_INTEGER.value}
    assert first["note"] == {"type": "literal", "value": NOTE}  # a plain string names no datatype
    assert first["node"] == {"type": "bnode", "value": "b0"}
    assert "count" not in doc["results"]["bindings"][1]  # unbound stays out
    assert read_back(data, Format.SPARQL_JSON).rows == ROWS.rows


def test_xml_is_sparql_results_xml_and_reads_back() -> None:
    data = serialize(ROWS, Format.SPARQL_XML)
    root = ElementTree.fromstring(data)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.tag == ns + "sparql"
    assert [v.get("name") for v in root.iter(ns + "variable")] == list(ROWS.variables)
    assert [len(r) for r in root.iter(ns + "result")] == [5, 2]  # unbound variables have no binding
    assert read_back(data, Format.SPARQL_XML).rows == ROWS.rows


def test_csv_follows_the_sparql_csv_format() -> None:
    text = serialize(ROWS, Format.CSV).decode("utf-8")
    assert text.endswith("\r\n") and text.count("\r\n") == 3  # CRLF line ends (RFC 4180)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(ROWS.variables)
    assert rows[1] == [ID + "dhs", "Department of Homeland Security", "3", NOTE, "_:b0"]
    assert rows[2] == ["http://example.org/x%20y", "plain", "", "", ""]


def test_tsv_writes_terms_in_turtle_syntax_one_row_a_line() -> None:
    data = serialize(ROWS, Format.TSV)
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "?org\t?label\t?count\t?note\t?node"
    assert len(lines) == 3  # the newline and tab of the note are escaped, not written
    cells = lines[1].split("\t")
    assert cells[0] == f"<{ID}dhs>"
    assert cells[1] == '"Department of Homeland Security"@en'
    assert cells[3] == '"says \\"hi\\",\\tthen\\nleaves"'
    # pyoxigraph writes an xsd:integer in Turtle's short form (3); read back it is the same typed literal
    assert read_back(data, Format.TSV).rows == ROWS.rows


def test_table_aligns_columns_and_shortens_iris() -> None:
    lines = serialize(ROWS, Format.TABLE).decode("utf-8").splitlines()
    assert lines[0].split() == list(ROWS.variables)
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("id:dhs ")
    assert "<http://example.org/x%20y>" in lines[3]
    column = lines[0].index("label")
    assert lines[2][column:].startswith("Department of Homeland Security")
    assert lines[3][column:].startswith("plain")
    assert len(lines) == 4  # the note's newline does not break its row


def test_ask_results() -> None:
    yes = QueryResult(QueryForm.ASK, boolean=True)
    assert json.loads(serialize(yes, Format.SPARQL_JSON)) == {"head": {}, "boolean": True}
    xml = ElementTree.fromstring(serialize(yes, Format.SPARQL_XML))
    assert xml.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"  # type: ignore[union-attr]
    assert serialize(yes, Format.TABLE) == b"yes\n"
    no = QueryResult(QueryForm.ASK, boolean=False)
    # SPARQL CSV/TSV define no boolean form; pyoxigraph writes the bare word (the old writer had a header)
    assert serialize(no, Format.CSV).decode().split() == ["false"]
    for fmt in (Format.SPARQL_JSON, Format.SPARQL_XML):
        assert bool(ox.parse_query_results(serialize(yes, fmt), format=fmt.results_format)) is True
        assert bool(ox.parse_query_results(serialize(no, fmt), format=fmt.results_format)) is False
    assert summary(yes) == "answer: yes"


GRAPH_TEXT = f"""
<{ID}hotline> <https://schema.org/telephone> "1-888-3737-888" .
<{ID}hotline> <http://www.w3.org/2004/02/skos/core#prefLabel> "the hotline"@en .
<{ID}hhs> <https://w3id.org/tipkg/ontology#funds> <{ID}hotline> .
_:b1 <https://w3id.org/tipkg/ontology#funds> <{ID}hotline> .
"""
TRIPLES = tuple(ox.parse(GRAPH_TEXT.encode(), format=ox.RdfFormat.N_TRIPLES))
GRAPH = QueryResult(QueryForm.CONSTRUCT, triples=TRIPLES)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt, parser", [(Format.TURTLE, "turtle"), (Format.NTRIPLES, "nt"),
                                         (Format.RDFXML, "xml"), (Format.JSONLD, "json-ld"),
                                         (Format.TRIG, "trig"), (Format.NQUADS, "nquads")])
def test_graph_results_parse_back(fmt: Format, parser: str) -> None:
    """Each RDF format, read by rdflib (an independent parser), is the same graph (blank nodes matched)."""
    data = serialize(GRAPH, fmt)
    expected = Graph().parse(data=GRAPH_TEXT, format="nt")
    if parser in ("trig", "nquads"):
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(data=data, format=parser)
        actual = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            actual.add((s, p, o))
    else:
        actual = Graph().parse(data=data, format=parser)
    assert isomorphic(actual, expected)


def test_graph_results_are_stable_and_prefixed() -> None:
    shuffled = QueryResult(QueryForm.CONSTRUCT, triples=tuple(reversed(TRIPLES)))
    nt = serialize(GRAPH, Format.NTRIPLES)
    assert nt == serialize(shuffled, Format.NTRIPLES)  # the same bytes whatever order the engine gave
    lines = nt.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == 4
    turtle = serialize(GRAPH).decode()  # turtle is the default for graphs
    assert "@prefix id: <https://w3id.org/tipkg/id/> ." in turtle
    assert "@prefix rdfs:" not in turtle  # only the prefixes the triples use
    assert 'xmlns:id="https://w3id.org/tipkg/id/"' in serialize(GRAPH, Format.RDFXML).decode()
    # pyoxigraph writes expanded JSON-LD (no @context); it is the same graph, checked above
    assert json.loads(serialize(GRAPH, Format.JSONLD))
    table = serialize(GRAPH, Format.TABLE).decode().splitlines()
    assert table[0].split() == ["subject", "predicate", "object"] and len(table) == 6
    assert summary(GRAPH) == "4 triples"


def test_formats_that_do_not_fit_the_query_form_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="CONSTRUCT/DESCRIBE"):
        serialize(ROWS, Format.TURTLE)
    with pytest.raises(UsageError, match="returns a graph"):
        serialize(QueryResult(QueryForm.CONSTRUCT), Format.CSV)
    with pytest.raises(UsageError, match="page format"):
        serialize(ROWS, Format.HTML)


def test_query_forms_are_recognised() -> None:
    assert Sparql.parse("ASK { ?s ?p ?o }").form is QueryForm.ASK
    assert Sparql.parse("DESCRIBE <urn:x>").form is QueryForm.DESCRIBE
    assert Sparql.parse("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").form is QueryForm.CONSTRUCT
    select = Sparql.parse("SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s")
    assert select.form is QueryForm.SELECT and select.projected == ("s", "n")


@pytest.mark.parametrize("name, graph, fmt", [
    ("turtle", True, Format.TURTLE), ("ttl", True, Format.TURTLE), ("nt", True, Format.NTRIPLES),
    ("ntriples", True, Format.NTRIPLES), ("n-triples", True, Format.NTRIPLES), ("xml", True, Format.RDFXML),
    ("rdfxml", True, Format.RDFXML), ("json-ld", True, Format.JSONLD), ("jsonld", True, Format.JSONLD),
    ("json", True, Format.JSONLD), ("trig", True, Format.TRIG), ("nq", True, Format.NQUADS),
    ("json", False, Format.SPARQL_JSON), ("xml", False, Format.SPARQL_XML), ("CSV", False, Format.CSV),
    ("tsv", False, Format.TSV), ("table", False, Format.TABLE), ("nope", False, None),
])
def test_format_names(name: str, graph: bool, fmt: Format | None) -> None:
    assert resolve(name, graph) is fmt


def test_media_types() -> None:
    assert from_media_type("application/json", graph=False) is Format.SPARQL_JSON
    assert from_media_type("application/json; charset=utf-8", graph=True) is Format.JSONLD
    assert from_media_type("application/sparql-results+xml", graph=False) is Format.SPARQL_XML
    assert Format.NTRIPLES.media_type == "application/n-triples"
    assert Format.TURTLE.content_type == "text/turtle; charset=utf-8"
