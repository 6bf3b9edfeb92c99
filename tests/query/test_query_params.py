"""Parameters are RDF terms, bound as initBindings locally and as a VALUES block of term.n3() remotely:
a value can never change the query around it."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from tipkg.errors import UsageError
from tipkg.load import LoadedProject
from tipkg.queries import load_catalogue, parse_assignment, parse_term
from tipkg.results import QueryForm
from tipkg.stores import LocalStore, Sparql, local_store

ID = "https://w3id.org/tipkg/id/"


@pytest.mark.parametrize("value, term", [
    ("id:dhs", URIRef(ID + "dhs")),
    ("id:condition/before-certification", URIRef(ID + "condition/before-certification")),
    ("tip:awards", URIRef("https://w3id.org/tipkg/ontology#awards")),
    ("<urn:x:1>", URIRef("urn:x:1")),
    ("https://example.org/a?b=c", URIRef("https://example.org/a?b=c")),
    ('"Office of Tests"@en', Literal("Office of Tests", lang="en")),
    ('"5"^^xsd:integer', Literal("5", datatype=XSD.integer)),
    ('"say \\"hi\\""', Literal('say "hi"')),
    ("plain words", Literal("plain words")),
    ("nope:thing", Literal("nope:thing")),  # an unknown prefix is not an IRI
    ("", Literal("")),
])
def test_values_become_rdf_terms(value: str, term) -> None:
    assert parse_term(value) == term
    assert type(parse_term(value)) is type(term)


@pytest.mark.parametrize("text, message", [
    ("org", "write NAME=VALUE"),
    ("=id:dhs", "write NAME=VALUE"),
    ("org=<http://x> } <y>", "not a valid IRI"),
    ("org=<no scheme>", "not a valid IRI"),
    ('org="unterminated', "malformed literal"),
    ('org="a" "b"', "malformed literal"),
    ('org="5"^^nope:int', "unknown datatype prefix"),
])
def test_malformed_assignments_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_assignment(text)


HOSTILE = [
    'x" } UNION { ?org skos:prefLabel ?label } #',
    'x"@en } UNION { ?org skos:prefLabel ?label } #',
    '"} ; DROP ALL ; SELECT * { ?s ?p ?o',
    'x" . ?org ?p ?label . FILTER("1" = "1',
    'back\\slash } \n newline """ \'\'\' ',
]
BY_LABEL = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?label WHERE {
  { ?org skos:prefLabel ?label . }
}
ORDER BY ?org
"""


@pytest.fixture(scope="module")
def mini_store(mini_loaded: LoadedProject) -> LocalStore:
    return local_store(mini_loaded)


def test_pasting_a_hostile_value_would_change_the_query(mini_store: LocalStore) -> None:
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
        assert term == Literal(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_cannot_change_the_query(mini_store: LocalStore, value: str) -> None:
    """Bound locally (initBindings) and as the VALUES block sent to endpoints, the value matches nothing;
    the genuine label still finds its organisation both ways."""
    query = Sparql.parse(BY_LABEL)
    sent = Sparql.parse(query.with_values({"label": Literal(value)}))
    assert sent.text.startswith(query.text.rstrip()) and sent.has_trailing_values
    assert sent.text.count("\n") == query.text.rstrip().count("\n") + 2  # one VALUES line, no more
    assert mini_store.query(query, {"label": Literal(value)}).rows == []
    assert mini_store.query(sent).rows == []
    genuine = Literal("Office of Tests", lang="en")
    for answer in (mini_store.query(query, {"label": genuine}),
                   mini_store.query(Sparql.parse(query.with_values({"label": genuine})))):
        assert [str(r[0]) for r in answer.rows] == [ID + "office"]


@pytest.mark.parametrize("iri", ["http://x/a> } <y", "http://x/{a}", "http://x/a b"])
def test_unsafe_iris_are_refused_in_a_values_block(iri: str) -> None:
    with pytest.raises(UsageError, match="not a valid IRI"):
        Sparql.parse(BY_LABEL).with_values({"label": URIRef(iri)})


def test_every_canned_parameter_is_projected_so_values_and_bindings_agree() -> None:
    from pathlib import Path

    catalogue = load_catalogue(Path(__file__).resolve().parents[2] / "queries")
    for query in catalogue.queries:
        for parameter in query.parameters:
            if query.sparql.form is QueryForm.SELECT:
                assert parameter.name in query.sparql.projected


def test_bindings_are_checked_against_declared_parameters() -> None:
    from pathlib import Path

    catalogue = load_catalogue(Path(__file__).resolve().parents[2] / "queries")
    query = catalogue.get("members")
    assert query.bindings(["body=id:spog"]) == {"body": URIRef(ID + "spog")}
    with pytest.raises(UsageError, match="has no parameter 'org'"):
        query.bindings(["org=id:dhs"])
    with pytest.raises(UsageError, match="given twice"):
        query.bindings(["body=id:spog", "body=id:pitf"])
