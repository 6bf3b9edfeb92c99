"""Output formats: the W3C SPARQL result formats read back to the same terms, `table` is aligned and short,
graph results come out as RDF that parses back to the same graph."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from tipkg.errors import UsageError
from tipkg.results import OutputFormat, QueryForm, QueryResult, render, summary
from tipkg.stores import Sparql, parse_json_results, parse_xml_results

ID = "https://w3id.org/tipkg/id/"
ROWS = QueryResult(
    QueryForm.SELECT,
    variables=["org", "label", "count", "note", "node"],
    rows=[
        (URIRef(ID + "dhs"), Literal("Department of Homeland Security", lang="en"),
         Literal(3, datatype=XSD.integer), Literal('says "hi",\tthen\nleaves'), BNode("b0")),
        (URIRef("http://example.org/x y"), Literal("plain"), None, None, None),
    ],
)


def test_json_is_sparql_results_json_and_reads_back() -> None:
    text = render(ROWS, OutputFormat.JSON)
    doc = json.loads(text)
    assert doc["head"]["vars"] == ROWS.variables
    first = doc["results"]["bindings"][0]
    assert first["org"] == {"type": "uri", "value": ID + "dhs"}
    assert first["label"] == {"type": "literal", "value": "Department of Homeland Security", "xml:lang": "en"}
    assert first["count"]["datatype"] == str(XSD.integer)
    assert "count" not in doc["results"]["bindings"][1]  # unbound stays out
    assert parse_json_results(text.encode(), QueryForm.SELECT, "x").rows == ROWS.rows


def test_xml_is_sparql_results_xml_and_reads_back() -> None:
    text = render(ROWS, OutputFormat.XML)
    root = ElementTree.fromstring(text)
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    assert parse_xml_results(text.encode(), QueryForm.SELECT, "x").rows == ROWS.rows


def test_csv_follows_the_sparql_csv_format() -> None:
    text = render(ROWS, OutputFormat.CSV)
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ROWS.variables
    assert rows[1] == [ID + "dhs", "Department of Homeland Security", "3", 'says "hi",\tthen\nleaves', "_:b0"]
    assert rows[2] == ["http://example.org/x y", "plain", "", "", ""]


def test_tsv_writes_terms_in_turtle_syntax_one_row_a_line() -> None:
    lines = render(ROWS, OutputFormat.TSV).splitlines()
    assert lines[0] == "?org\t?label\t?count\t?note\t?node"
    cells = lines[1].split("\t")
    assert cells[0] == f"<{ID}dhs>"
    assert cells[1] == '"Department of Homeland Security"@en'
    assert cells[2] == f'"3"^^<{XSD.integer}>'
    assert "\n" not in cells[3] and "\t" not in cells[3]
    assert len(lines) == 3


def test_table_aligns_columns_and_shortens_iris() -> None:
    lines = render(ROWS, OutputFormat.TABLE).splitlines()
    assert lines[0].split() == ROWS.variables
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("id:dhs ")
    assert "<http://example.org/x y>" in lines[3]
    column = lines[0].index("label")
    assert lines[2][column:].startswith("Department of Homeland Security")
    assert lines[3][column:].startswith("plain")


def test_ask_results() -> None:
    yes = QueryResult(QueryForm.ASK, boolean=True)
    assert json.loads(render(yes, OutputFormat.JSON)) == {"head": {}, "boolean": True}
    assert "<boolean>true</boolean>" in render(yes, OutputFormat.XML)
    assert render(yes, OutputFormat.TABLE) == "yes\n"
    no = QueryResult(QueryForm.ASK, boolean=False)
    assert render(no, OutputFormat.CSV).splitlines() == ["boolean", "false"]
    assert parse_json_results(render(yes, OutputFormat.JSON).encode(), QueryForm.ASK, "x").boolean is True
    assert summary(yes) == "answer: yes"


GRAPH_TEXT = f"""
<{ID}hotline> <https://schema.org/telephone> "1-888-3737-888" .
<{ID}hotline> <http://www.w3.org/2004/02/skos/core#prefLabel> "the hotline"@en .
<{ID}hhs> <https://w3id.org/tipkg/ontology#funds> <{ID}hotline> .
"""


@pytest.mark.parametrize("fmt, parser", [(OutputFormat.TURTLE, "turtle"), (OutputFormat.NTRIPLES, "nt"),
                                         (OutputFormat.RDFXML, "xml"), (OutputFormat.JSONLD, "json-ld")])
def test_graph_results_parse_back(fmt: OutputFormat, parser: str) -> None:
    graph = Graph().parse(data=GRAPH_TEXT, format="nt")
    text = render(QueryResult(QueryForm.CONSTRUCT, graph=graph), fmt)
    assert isomorphic(Graph().parse(data=text, format=parser), graph)


def test_graph_results_are_stable_and_prefixed() -> None:
    graph = Graph().parse(data=GRAPH_TEXT, format="nt")
    result = QueryResult(QueryForm.CONSTRUCT, graph=graph)
    nt = render(result, OutputFormat.NTRIPLES)
    assert nt.splitlines() == sorted(nt.splitlines())
    assert "@prefix id: <https://w3id.org/tipkg/id/>" in render(result)  # turtle is the default for graphs
    jsonld = render(result, OutputFormat.JSONLD)
    assert '"@context"' in jsonld and '"id": "https://w3id.org/tipkg/id/"' in jsonld
    table = render(result, OutputFormat.TABLE).splitlines()
    assert table[0].split() == ["subject", "predicate", "object"] and len(table) == 5


def test_formats_that_do_not_fit_the_query_form_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="CONSTRUCT/DESCRIBE"):
        render(ROWS, OutputFormat.TURTLE)
    with pytest.raises(UsageError, match="returns a graph"):
        render(QueryResult(QueryForm.CONSTRUCT, graph=Graph()), OutputFormat.CSV)


def test_query_forms_are_recognised() -> None:
    assert Sparql.parse("ASK { ?s ?p ?o }").form is QueryForm.ASK
    assert Sparql.parse("DESCRIBE <urn:x>").form is QueryForm.DESCRIBE
    assert Sparql.parse("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").form is QueryForm.CONSTRUCT
    select = Sparql.parse("SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s")
    assert select.form is QueryForm.SELECT and select.projected == ("s", "n")
