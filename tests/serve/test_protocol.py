"""SPARQL 1.1 Protocol over HTTP against a real `tipkg serve`: every method, media type and error.

Answers are checked against the fixture project as rdflib reads it (tipkg.load), not against hard-coded
numbers: the server and the loader must agree on what the graph says.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SKOS
from tests.serve.conftest import FIXTURE_PROJECT, MAX_BODY, MAX_ROWS

from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.vocab import ID, TIP

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label } ORDER BY ?thing"""
HOTLINES = """PREFIX tip: <https://w3id.org/tipkg/ontology#>
CONSTRUCT { ?h tip:telephone ?t } WHERE { ?h tip:telephone ?t }"""
SRX = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def fixture_data():
    return load_project(find_project(FIXTURE_PROJECT))


@pytest.fixture(scope="module")
def expected_labels(fixture_data) -> set[tuple[str, str]]:
    return {(str(s), str(o)) for s, _, o, _ in fixture_data.data.quads((None, SKOS.prefLabel, None, None))}


def rows_of_json(body: dict) -> set[tuple[str, str]]:
    return {(b["thing"]["value"], b["label"]["value"]) for b in body["results"]["bindings"]}


# ------------------------------------------------------------------------------ methods


def test_get_returns_sparql_json_by_default(client, expected_labels):
    response = client.get("/sparql", params={"query": LABELS}, headers={"Accept": ""})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    body = response.json()
    assert body["head"]["vars"] == ["thing", "label"]
    assert rows_of_json(body) == expected_labels


def test_post_form_encoded(client, expected_labels):
    response = client.post(
        "/sparql", data={"query": LABELS}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    assert rows_of_json(response.json()) == expected_labels


def test_post_sparql_query_body(client, expected_labels):
    response = client.post(
        "/sparql",
        content=LABELS.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert rows_of_json(response.json()) == expected_labels


def test_head_request_has_headers_only(client):
    response = client.head("/id/hhs")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"].startswith("text/html")


# ------------------------------------------------------------------------------ result formats


def test_select_as_xml(client, expected_labels):
    response = client.get(
        "/sparql", params={"query": LABELS}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    root = ET.fromstring(response.content)
    rows = set()
    for result in root.iter(SRX + "result"):
        cells = {b.get("name"): next(iter(b)).text for b in result.iter(SRX + "binding")}
        rows.add((cells["thing"], cells["label"]))
    assert rows == expected_labels


def test_select_as_csv(client, expected_labels):
    response = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    reader = list(csv.reader(io.StringIO(response.text)))
    assert reader[0] == ["thing", "label"]
    assert {tuple(row) for row in reader[1:]} == expected_labels


def test_select_as_tsv(client, expected_labels):
    response = client.get(
        "/sparql", params={"query": LABELS}, headers={"Accept": "text/tab-separated-values"}
    )
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    lines = response.text.rstrip("\n").split("\n")
    assert lines[0] == "?thing\t?label"
    expected = {(f"<{thing}>", f'"{label}"@en') for thing, label in expected_labels}
    assert {tuple(line.split("\t")) for line in lines[1:]} == expected


def test_select_as_html_table_with_labels(client, fixture_data):
    response = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/id/hhs"' in response.text  # IRIs of the graph link to the local pages
    for label in fixture_data.data.objects(ID.hhs, SKOS.prefLabel):
        assert str(label) in response.text


def test_format_parameter_overrides_accept(client):
    response = client.get(
        "/sparql", params={"query": LABELS, "format": "csv"}, headers={"Accept": "text/html"}
    )
    assert response.headers["content-type"].startswith("text/csv")


def test_ask(client):
    yes = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"})
    no = client.get(
        "/sparql",
        params={"query": "ASK { <urn:x:nothing> ?p ?o }"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert yes.json() == {"head": {}, "boolean": True}
    assert ET.fromstring(no.content).find(SRX + "boolean").text == "false"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_each_rdf_format(client, fixture_data, accept, rdflib_format):
    response = client.get("/sparql", params={"query": HOTLINES}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.text, format=rdflib_format)
    expected = {(s, p, o) for s, p, o, _ in fixture_data.data.quads((None, TIP.telephone, None, None))}
    assert set(graph) == expected and expected


def test_describe(client):
    response = client.get(
        "/sparql", params={"query": f"DESCRIBE <{ID.nhtrc}>"}, headers={"Accept": "text/turtle"}
    )
    graph = Graph().parse(data=response.text, format="turtle")
    assert (ID.nhtrc, SKOS.altLabel, Literal("NHTRC", lang="en")) in graph


def test_not_acceptable(client):
    response = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


# ------------------------------------------------------------------------------ datasets


def test_default_graph_is_the_union(client):
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ID.hhs}> <{TIP.funds}> ?x }} }}"
    graphs = {
        b["g"]["value"] for b in client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    }
    union = client.get("/sparql", params={"query": f"ASK {{ <{ID.hhs}> <{TIP.funds}> ?x }}"}).json()
    assert len(graphs) >= 2 and union["boolean"] is True


def test_default_graph_uri_narrows_the_default_graph(client, fixture_data):
    graph = str(ID["graph/hhs-0"])
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"
    body = client.get("/sparql", params={"query": query, "default-graph-uri": graph}).json()
    subjects = {b["s"]["value"] for b in body["results"]["bindings"]}
    assert subjects == {str(s) for s, _, _ in fixture_data.data.graph(URIRef(graph))}


def test_named_graph_uri_limits_graph_patterns(client):
    graph = str(ID["graph/hhs-1"])
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = client.post("/sparql", data={"query": query, "named-graph-uri": graph}).json()
    assert [b["g"]["value"] for b in body["results"]["bindings"]] == [graph]


# ------------------------------------------------------------------------------ service description


def test_service_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef(str(client.base_url) + "/sparql")
    assert (service, URIRef(sd + "endpoint"), service) in graph
    assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    assert (service, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    names = set(graph.objects(None, URIRef(sd + "name")))
    assert URIRef(ID["graph/hhs-6"]) in names


def test_service_description_page_for_a_browser(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert '<form action="/sparql"' in response.text


# ------------------------------------------------------------------------------ CORS and caching


def test_cors_preflight_and_simple_request(client):
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://yasgui.example")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    simple = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_etag_and_not_modified(client):
    first = client.get("/id/hhs.ttl", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get("/id/hhs.ttl", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert "max-age" in first.headers["cache-control"]


# ------------------------------------------------------------------------------ errors and limits


def test_malformed_query_gets_400_with_the_parsers_message(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    # Oxigraph's own message, with its line and column (as tipkg.sparql reports them)
    assert response.text.startswith("400 Malformed query: SPARQL syntax error: expected ")
    assert response.text.rstrip().endswith("(line 1, column 24)")


def test_empty_query_is_400(client):
    assert client.get("/sparql", params={"query": "  "}).status_code == 400


def test_query_given_twice_is_400(client):
    response = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert response.status_code == 400


def test_unsupported_post_media_type_is_415(client):
    response = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415


def test_error_page_for_a_browser_keeps_the_query(client):
    response = client.get("/sparql", params={"query": "SELECT nonsense"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert "SELECT nonsense" in response.text


def test_row_cap_cuts_off_and_says_so(client, fixture_data):
    assert len(list(fixture_data.data.quads())) > MAX_ROWS  # the fixture is large enough to hit the cap
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    assert response.headers["tipkg-truncated"] == "true"
    assert response.headers["tipkg-row-limit"] == str(MAX_ROWS)
    small = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "tipkg-truncated" not in small.headers


def test_body_over_the_cap_is_413(client):
    response = client.post(
        "/sparql", content=b"#" * (MAX_BODY + 1), headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


def test_json_errors_are_plain_text_for_programs(client):
    response = client.get(
        "/sparql", params={"query": "SELEC"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert json.dumps  # the body is one readable line, not JSON
    assert response.text.startswith("400 Malformed query")


def test_service_description_when_the_client_wanted_results(client):
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")


def test_id_without_slash_redirects_to_the_index(client):
    response = client.get("/id", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/id/"


def test_project_prefixes_are_predeclared(client, expected_labels):
    """The same query text works on /sparql as with `tipkg sparql`: skos: needs no PREFIX line."""
    response = client.get("/sparql", params={"query": LABELS.split("\n", 1)[1]})
    assert response.status_code == 200
    assert rows_of_json(response.json()) == expected_labels


def test_a_query_declaring_a_prefix_overrides_the_predeclared_one(client):
    query = "PREFIX skos: <http://example.org/not-skos#>\n" + LABELS.split("\n", 1)[1]
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert rows_of_json(response.json()) == set()


# ------------------------------------------------------------------------------ what SPARQL clients send


def test_construct_with_format_output_and_results(client, fixture_data):
    """SPARQLWrapper's CONSTRUCT with TURTLE: format=turtle&output=turtle&results=turtle."""
    params = [("query", HOTLINES), ("format", "turtle"), ("output", "turtle"), ("results", "turtle")]
    response = client.get("/sparql", params=params, headers={"Accept": "application/turtle,text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    expected = {(s, p, o) for s, p, o, _ in fixture_data.data.quads((None, TIP.telephone, None, None))}
    assert set(graph) == expected and expected


def test_repeated_identical_format_values(client, expected_labels):
    response = client.get("/sparql", params=[("query", LABELS), ("format", "json"), ("format", "json")])
    assert response.status_code == 200
    assert rows_of_json(response.json()) == expected_labels


@pytest.mark.parametrize("name", ["output", "results"])
def test_output_and_results_are_synonyms_of_format(client, name):
    response = client.get("/sparql", params={"query": LABELS, name: "csv"}, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/csv")


def test_unknown_format_falls_back_to_accept(client):
    response = client.get("/sparql", params={"query": LABELS, "format": "no-such-format"},
                          headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_formats_that_disagree_are_400(client):
    response = client.get("/sparql", params=[("query", LABELS), ("format", "json"), ("output", "csv")])
    assert response.status_code == 400
    assert "'json' and 'csv'" in response.text


def test_a_format_that_cannot_carry_the_answer_is_406(client):
    response = client.get("/sparql", params={"query": HOTLINES, "format": "csv"})
    assert response.status_code == 406
    assert "CONSTRUCT query cannot be answered as csv" in response.text


@pytest.mark.parametrize(("fmt", "media_type"), [("trig", "application/trig"), ("nq", "application/n-quads")])
def test_construct_as_a_dataset_format(client, fixture_data, fmt, media_type):
    response = client.get("/sparql", params={"query": HOTLINES, "format": fmt})
    assert response.headers["content-type"].startswith(media_type)
    dataset = Dataset()
    dataset.parse(data=response.text, format="trig" if fmt == "trig" else "nquads")
    expected = {(s, p, o) for s, p, o, _ in fixture_data.data.quads((None, TIP.telephone, None, None))}
    assert {(s, p, o) for s, p, o, _ in dataset.quads()} == expected and expected


def test_cors_preflight_allows_what_yasgui_and_sparqlwrapper_send(client):
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Requested-With, Authorization, Cache-Control, Content-Type",
        },
    )
    assert preflight.status_code == 200, preflight.text
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"x-requested-with", "authorization", "cache-control", "content-type"} <= allowed
    assert "access-control-allow-credentials" not in preflight.headers


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/sparql?query=ASK%7B%7D", {}),
        ("GET", "/sparql?query=SELEC", {}),
        ("GET", "/sparql", {"Accept": "text/turtle"}),
        ("GET", "/id/hhs", {"Accept": "text/turtle"}),
        ("GET", "/id/hhs", {"Accept": "image/png"}),
        ("GET", "/id/no-such-thing", {}),
        ("GET", "/static/style.css", {}),
        ("GET", "/download/data.nq", {}),
        ("POST", "/sparql", {"Content-Type": "application/json"}),
        ("DELETE", "/sparql", {}),
        ("OPTIONS", "/sparql", {"Origin": "https://x.example", "Access-Control-Request-Method": "GET"}),
    ],
)
def test_every_response_says_nosniff(client, method, path, headers):
    response = client.request(method, path, headers=headers)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_bad_graph_iri_is_400(client):
    response = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "http://a b"})
    assert response.status_code == 400
    assert "not a graph IRI" in response.text


def test_entailments_are_served_by_default(client, fixture_data):
    """/sparql answers from the OWL 2 RL entailments too (tip:funds owl:inverseOf tip:fundedBy)."""
    assert not list(fixture_data.data.quads((None, TIP.fundedBy, None, None)))
    body = client.get("/sparql", params={"query": f"ASK {{ ?x <{TIP.fundedBy}> <{ID.hhs}> }}"}).json()
    assert body["boolean"] is True
    inferred = client.get("/sparql", params={
        "query": f"ASK {{ GRAPH <{ID['graph/inferred']}> {{ ?x <{TIP.fundedBy}> <{ID.hhs}> }} }}"}).json()
    assert inferred["boolean"] is True


def test_the_default_graph_is_a_set_and_the_service_description_counts_it(client, fixture_data):
    """Every asserted triple once, however many graphs state it (the merge id:graph/asserted)."""
    asserted = {(s, p, o) for s, p, o, _ in fixture_data.data.quads()} | set(fixture_data.ontology)
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ID['graph/asserted']}> WHERE {{ ?s ?p ?o }}"
    counted = client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]["n"]["value"]
    assert int(counted) == len(asserted)
    total = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}).json()
    described = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).text,
                              format="turtle")
    (triples,) = described.objects(None, URIRef("http://rdfs.org/ns/void#triples"))
    assert int(total["results"]["bindings"][0]["n"]["value"]) == int(triples) > len(asserted)
