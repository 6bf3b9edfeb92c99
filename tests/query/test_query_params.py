"""Parameters are RDF terms built by pyoxigraph's validating constructors, bound by the engine's own
substitution locally and written by the library (N-Triples) in a trailing VALUES block remotely: a value can
never change the query around it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tipkg.engine import ProjectStore
from tipkg.errors import UsageError
from tipkg.queries import load_catalogue, parse_assignment
from tipkg.remote import with_values
from tipkg.sparql import QueryForm, Sparql
from tipkg.terms import parse_term

ID = "https://w3id.org/tipkg/id/"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
CATALOGUE = load_catalogue(Path(__file__).resolve().parents[2] / "queries")


@pytest.mark.parametrize("value, term", [
    ("id:dhs", ox.NamedNode(ID + "dhs")),
    ("id:condition/before-certification", ox.NamedNode(ID + "condition/before-certification")),
    ("tip:awards", ox.NamedNode("https://w3id.org/tipkg/ontology#awards")),
    ("<urn:x:1>", ox.NamedNode("urn:x:1")),
    ("https://example.org/a?b=c", ox.NamedNode("https://example.org/a?b=c")),
    ('"Office of Tests"@en', ox.Literal("Office of Tests", language="en")),
    ('"Office"@en-GB', ox.Literal("Office", language="en-GB")),
    ('"5"^^xsd:integer', ox.Literal("5", datatype=XSD_INTEGER)),
    ('"5"^^<http://www.w3.org/2001/XMLSchema#integer>', ox.Literal("5", datatype=XSD_INTEGER)),
    ('"say \\"hi\\""', ox.Literal('say "hi"')),
    ('"tab\\there \\u0041\\U0001F600"', ox.Literal("tab\there A\U0001F600")),
    ("plain words", ox.Literal("plain words")),
    ("nope:thing", ox.Literal("nope:thing")),  # an unknown prefix is not an IRI
    ("", ox.Literal("")),
])
def test_values_become_rdf_terms(value: str, term: ox.NamedNode | ox.Literal) -> None:
    assert parse_term(value) == term
    assert type(parse_term(value)) is type(term)


@pytest.mark.parametrize("text, message", [
    ("org", "write NAME=VALUE"),
    ("=id:dhs", "write NAME=VALUE"),
    ("9org=id:dhs", "write NAME=VALUE"),
    ("org=<http://x> } <y>", "not a valid IRI"),
    ("org=<no scheme>", "not a valid IRI"),
    ('org="unterminated', "malformed literal"),
    ('org="a" "b"', "malformed literal"),
    ('org="5"^^nope:int', "is not an IRI"),  # an unknown prefix: a string, so not a datatype
    ('org="x"@not_a_tag', "not a BCP 47 language tag"),
    ('org="x"^^rdf:langString', "written \"text\"@tag"),
    ('org="bad \\q escape"', "unknown escape"),
    ("org=" + "x" * 5000, "a term may have 4,096"),
])
def test_malformed_assignments_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("\\", "\\\\")):
        parse_assignment(text)


HOSTILE = [
    'x" } UNION { ?org skos:prefLabel ?label } #',
    'x"@en } UNION { ?org skos:prefLabel ?label } #',
    '"} ; DROP ALL ; SELECT * { ?s ?p ?o',
    'x" . ?org ?p ?label . FILTER("1" = "1',
    'back\\slash } \n newline """ \'\'\' ',
    'x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#>',
    'x\x00y" } #',
    ') } UNION { ?org ?p ?label } VALUES (?label) { (UNDEF',
]
BY_LABEL = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?label WHERE {
  { ?org skos:prefLabel ?label . }
}
ORDER BY ?org
"""


def test_pasting_a_hostile_value_would_change_the_query(mini_store: ProjectStore) -> None:
    """The control: string-pasting the first value turns a lookup into 'every label' (what we prevent)."""
    pasted = BY_LABEL.replace("?org skos:prefLabel ?label .", f'?org skos:prefLabel "{HOSTILE[0]}" .')
    assert len(mini_store.query(Sparql.parse(pasted))) > 1


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_one_literal_or_refused(value: str) -> None:
    """On the command line a value is either exactly that string as one literal, or a usage error."""
    try:
        _, term = parse_assignment(f"label={value}")
    except UsageError:
        assert value.startswith('"')  # it tried to be a quoted literal and is not a well-formed one
    else:
        assert term == ox.Literal(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_cannot_change_the_query(mini_store: ProjectStore, value: str) -> None:
    """Bound locally (the engine's substitution) and as the VALUES block sent to endpoints, the value matches
    nothing; the genuine label still finds its organisation both ways."""
    query = Sparql.parse(BY_LABEL)
    term = ox.Literal(value)
    sent = Sparql.parse(with_values(query, {"label": term}))
    assert sent.text.startswith(query.text.rstrip()) and sent.has_trailing_values
    assert sent.text.count("\n") == query.text.rstrip().count("\n") + 2  # one VALUES line, no more
    assert sent.text.endswith(f"VALUES (?label) {{ ({term}) }}\n")
    assert mini_store.query(query, {"label": term}).rows == ()
    assert mini_store.query(sent).rows == ()
    genuine = ox.Literal("Office of Tests", language="en")
    for answer in (mini_store.query(query, {"label": genuine}),
                   mini_store.query(Sparql.parse(with_values(query, {"label": genuine})))):
        assert [row[0] for row in answer.rows] == [ox.NamedNode(ID + "office")]


@pytest.mark.parametrize("iri", ["http://x/a> } <y", "http://x/{a}", "http://x/a b", "http://a%zz", "http://[x",
                                 "http://x/a\n", "http://x/\\u003E"])
def test_unsafe_iris_cannot_even_be_built(iri: str) -> None:
    """No IRI term that could end early exists to be written into a VALUES block: the library refuses it,
    and parse_term turns that into a usage error."""
    with pytest.raises(ValueError):
        ox.NamedNode(iri)
    with pytest.raises(UsageError, match="not a valid IRI"):
        parse_term(f"<{iri}>")


def test_values_names_are_variables_and_a_query_keeps_its_own_values() -> None:
    query = Sparql.parse(BY_LABEL)
    with pytest.raises(UsageError, match="not a variable name"):
        with_values(query, {"label) { (<urn:x>) } #": ox.Literal("x")})
    own = Sparql.parse("SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }")
    with pytest.raises(UsageError, match="its own trailing VALUES"):
        with_values(own, {"s": ox.NamedNode("urn:b")})
    assert with_values(query, {}) == query.text


def test_every_canned_parameter_is_projected_so_values_and_bindings_agree() -> None:
    for query in CATALOGUE.queries:
        for parameter in query.parameters:
            if query.sparql.form is QueryForm.SELECT:
                assert parameter.name in query.sparql.projected


def test_bindings_are_checked_against_declared_parameters() -> None:
    query = CATALOGUE.get("members")
    assert query.bindings(["body=id:spog"]) == {"body": ox.NamedNode(ID + "spog")}
    with pytest.raises(UsageError, match="has no parameter 'org'"):
        query.bindings(["org=id:dhs"])
    with pytest.raises(UsageError, match="given twice"):
        query.bindings(["body=id:spog", "body=id:pitf"])
