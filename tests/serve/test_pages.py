"""Linked-data pages on the fixture project: every IRI resolves, by Accept and by suffix, with provenance.

What a page must show is read from the fixture project with tipkg.load, so the tests say "every statement
the data makes about HHS is on its page, with its sentence", not "this page has these bytes".
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from tests.serve.conftest import FIXTURE_PROJECT

from tipkg.load import load_project
from tipkg.project import find_project
from tipkg.queries import load_catalogue
from tipkg.vocab import ID, OA, PROV

RDF_ACCEPT = [
    ("text/turtle", "turtle", ".ttl"),
    ("application/ld+json", "json-ld", ".jsonld"),
    ("application/n-triples", "nt", ".nt"),
    ("application/rdf+xml", "xml", ".rdf"),
]


@pytest.fixture(scope="module")
def data():
    return load_project(find_project(FIXTURE_PROJECT))


def sentence_of(data, graph: URIRef) -> str:
    """The oa:exact text behind a named graph (graph -> quote -> selector -> exact)."""
    union = data.data_graph()
    quote = union.value(graph, PROV.wasDerivedFrom)
    return str(union.value(union.value(quote, OA.hasSelector), OA.exact))


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# ------------------------------------------------------------------------------ HTML


def test_entity_page_shows_labels_acronym_and_each_sentence(client, data):
    response = client.get("/id/hhs", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = text_of(response.text)
    union = data.data_graph()
    assert str(union.value(ID.hhs, SKOS.prefLabel)) in page
    assert "(HHS)" in page
    # Every named graph with a statement about HHS contributes its sentence to the page.
    graphs = {
        g
        for _, _, _, g in data.data.quads((ID.hhs, None, None, None))
        if g != data.data.default_graph.identifier
    }
    graphs |= {g for _, _, _, g in data.data.quads((None, None, ID.hhs, None))}
    assert graphs
    for graph in graphs:
        assert sentence_of(data, graph) in page
    # Objects appear by their labels, not their IRIs, and link to their local pages.
    for funded in union.objects(ID.hhs, URIRef("https://w3id.org/tipkg/ontology#funds")):
        assert str(union.value(funded, SKOS.prefLabel)) in page
        assert f'href="/{str(funded)[len("https://w3id.org/tipkg/") :]}"' in response.text


def test_editorial_statements_say_so(client):
    page = text_of(client.get("/id/rescue-and-restore").text)
    assert "Editorial addition" in page


def test_incoming_statements_are_shown(client, data):
    page = text_of(client.get("/id/nhtrc-hotline").text)
    union = data.data_graph()
    for subject in union.subjects(None, ID["nhtrc-hotline"]):
        assert str(union.value(subject, SKOS.prefLabel)) in page


def test_graph_page_shows_its_sentence_and_its_statements(client, data):
    graph = ID["graph/hhs-6"]
    page = text_of(client.get("/id/graph/hhs-6").text)
    assert sentence_of(data, graph) in page
    for s, _, _ in data.data.graph(graph):
        assert str(data.data_graph().value(s, SKOS.prefLabel)) in page


def test_embedded_jsonld_is_the_pages_data(client):
    html = client.get("/id/hhs").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and "&" not in block
    embedded = Graph().parse(data=block, format="json-ld")
    served = Graph().parse(data=client.get("/id/hhs.jsonld").text, format="json-ld")
    assert len(embedded) > 0 and isomorphic(embedded, served)
    assert isinstance(json.loads(block)["@context"], dict)  # inline: never a remote context to fetch


# ------------------------------------------------------------------------------ RDF by Accept and suffix


@pytest.mark.parametrize(("accept", "rdflib_format", "suffix"), RDF_ACCEPT)
def test_rdf_by_accept_and_by_suffix(client, data, accept, rdflib_format, suffix):
    # The IRI names the thing, so RDF asked for there is a 303 to the document (issue 13); followed here.
    redirect = client.get("/id/hhs", headers={"Accept": accept})
    assert redirect.status_code == 303 and redirect.headers["location"] == "/id/hhs" + suffix
    by_accept = client.get("/id/hhs", headers={"Accept": accept}, follow_redirects=True)
    by_suffix = client.get("/id/hhs" + suffix)
    assert by_accept.headers["content-type"].startswith(accept)
    assert by_suffix.headers["content-type"].startswith(accept)
    assert by_accept.content == by_suffix.content
    graph = Graph().parse(data=by_accept.text, format=rdflib_format)
    outgoing = set(data.data_graph().triples((ID.hhs, None, None)))
    incoming = set(data.data_graph().triples((None, None, ID.hhs)))
    assert outgoing | incoming <= set(graph)
    # ... with the provenance of those statements: graph -> quote -> sentence.
    for _, _, _, g in data.data.quads((ID.hhs, None, None, None)):
        if g != data.data.default_graph.identifier:
            assert (g, PROV.wasDerivedFrom, data.data_graph().value(g, PROV.wasDerivedFrom)) in graph
            assert Literal(sentence_of(data, g)) in set(graph.objects(None, OA.exact))
    assert by_accept.headers["content-location"] == "/id/hhs" + suffix
    assert "Accept" in by_accept.headers["vary"]


def test_link_header_names_every_alternate(client):
    response = client.get("/id/hhs")
    link = response.headers["link"]
    for media_type, suffix in [
        ("text/html", ".html"),
        ("text/turtle", ".ttl"),
        ("application/ld+json", ".jsonld"),
        ("application/n-triples", ".nt"),
        ("application/rdf+xml", ".rdf"),
        ("application/trig", ".trig"),
    ]:
        assert f'</id/hhs{suffix}>; rel="alternate"; type="{media_type}"' in link


def test_application_json_is_json_ld(client):
    as_json = client.get("/id/hhs", headers={"Accept": "application/json"}, follow_redirects=True)
    assert as_json.headers["content-type"].startswith("application/ld+json")
    assert as_json.content == client.get("/id/hhs.jsonld").content


def test_trig_keeps_each_statement_in_its_named_graph(client, data):
    by_accept = client.get("/id/hhs", headers={"Accept": "application/trig"}, follow_redirects=True)
    by_suffix = client.get("/id/hhs.trig")
    assert by_accept.headers["content-type"].startswith("application/trig")
    assert by_accept.content == by_suffix.content
    assert by_accept.headers["content-location"] == "/id/hhs.trig"
    served = Dataset()
    served.parse(data=by_accept.text, format="trig")
    served_quads = {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in served.quads()}
    default = data.data.default_graph.identifier
    stated = [(s, p, o, g) for s, p, o, g in data.data.quads((ID.hhs, None, None, None)) if g != default]
    stated += [(s, p, o, g) for s, p, o, g in data.data.quads((None, None, ID.hhs, None)) if g != default]
    assert stated
    for s, p, o, g in stated:
        assert (s, p, o, g) in served_quads


def test_browser_accept_header_gets_html(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    assert client.get("/id/hhs", headers={"Accept": accept}).headers["content-type"].startswith("text/html")


def test_unacceptable_type_is_406(client):
    assert client.get("/id/hhs", headers={"Accept": "image/png"}).status_code == 406


# ------------------------------------------------------------------------------ 404


def test_unknown_iri_is_a_helpful_404(client):
    response = client.get("/id/hsh", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "https://w3id.org/tipkg/id/hsh" in response.text
    assert 'href="/id/hhs"' in response.text  # did you mean


def test_unknown_iri_404_for_programs_is_text(client):
    response = client.get("/id/hsh.ttl", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "<https://w3id.org/tipkg/id/hhs>" in response.text


# ------------------------------------------------------------------------------ ontology, home, downloads


def test_ontology_reference_lists_every_class_and_property(client, data):
    page = text_of(client.get("/ontology", headers={"Accept": "text/html"}).text)
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in data.ontology.subjects(RDF.type, kind):
            assert str(data.ontology.value(term, RDFS.label)) in page
            comment = data.ontology.value(term, RDFS.comment)
            if comment is not None:
                assert str(comment) in page


@pytest.mark.parametrize(("accept", "rdflib_format", "suffix"), RDF_ACCEPT)
def test_ontology_as_rdf(client, data, accept, rdflib_format, suffix):
    by_accept = Graph().parse(
        data=client.get("/ontology", headers={"Accept": accept}).text, format=rdflib_format
    )
    by_suffix = Graph().parse(data=client.get("/ontology" + suffix).text, format=rdflib_format)
    assert isomorphic(by_accept, data.ontology) and isomorphic(by_suffix, data.ontology)


def test_ontology_as_trig(client, data):
    served = Dataset()
    served.parse(data=client.get("/ontology.trig").text, format="trig")
    assert isomorphic(served.default_graph, data.ontology)


def test_home_page_lists_queries_and_metadata(client):
    html = client.get("/").text
    catalogue = load_catalogue(FIXTURE_PROJECT / "queries")
    for query in catalogue.questions():
        assert f'href="/queries/{query.name}"' in html
        assert query.title in unescape(html)
    for query in catalogue.violations():
        assert f'href="/queries/{query.name}"' not in html
    assert '<form action="/sparql"' in html
    assert 'href="/download/data.nq"' in html


def test_download_holds_every_quad(client, data):
    dataset = Dataset()
    dataset.parse(data=client.get("/download/data.nq").text, format="nquads")
    assert len(list(dataset.quads())) == len(list(data.data.quads()))


def test_index_lists_every_resource(client, data):
    html = client.get("/id/").text
    for subject in set(data.data_graph().subjects(SKOS.prefLabel, None)):
        assert f'href="/{str(subject)[len("https://w3id.org/tipkg/") :]}"' in html


# ------------------------------------------------------------------------------ canned queries


def test_canned_query_html_and_formats(client):
    html = client.get("/queries/what-does-hhs-fund", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "What does HHS fund?" in unescape(html.text)
    as_json = client.get("/queries/what-does-hhs-fund", headers={"Accept": "application/sparql-results+json"})
    rows = as_json.json()["results"]["bindings"]
    assert rows and {r["program"]["value"] for r in rows} == {str(ID.nhtrc), str(ID["rescue-and-restore"])}
    for label in {r["label"]["value"] for r in rows}:
        assert label in unescape(html.text)
    csv_text = client.get("/queries/what-does-hhs-fund?format=csv").text
    assert csv_text.splitlines()[0] == "program,label,sentence"
    graph = client.get("/queries/hotline-graph", headers={"Accept": "text/turtle"})
    assert graph.headers["content-type"].startswith("text/turtle")


def test_unknown_canned_query_is_404(client):
    assert client.get("/queries/no-such-question").status_code == 404
    assert client.get("/queries/unlabelled-violation").status_code == 404


# ------------------------------------------------------------------------------ a built dist/


VOID = """@prefix void: <http://rdfs.org/ns/void#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/tipkg/dataset> a void:Dataset ;
    dcterms:title "A dataset title only the dist folder knows"@en ;
    void:triples 12345 ;
    void:dataDump <https://w3id.org/tipkg/download/data.nq> .
"""


def test_dist_folder_feeds_home_page_and_downloads(tmp_path):
    from tests.serve.conftest import start_server, stop_server

    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "void.ttl").write_text(VOID, encoding="utf-8")
    (dist / "data.nq").write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n", encoding="utf-8")
    server = start_server(FIXTURE_PROJECT, tmp_path / "home", "--dist", str(dist))
    try:
        with server.client() as http:
            home = unescape(http.get("/").text)
            assert "A dataset title only the dist folder knows" in home
            assert "12,345" in home
            assert 'href="/dist/data.nq"' in home
            assert http.get("/dist/data.nq").text == (dist / "data.nq").read_text(encoding="utf-8")
    finally:
        stop_server(server)


def test_entity_page_shows_each_statements_sentence_and_claim(bundled_server):
    """Issue 12: a reviewer reading an entity page sees, for each statement, the sentence and the claim of the
    ledger (data/claims.tsv) it carries."""
    with bundled_server.client() as http:
        page = unescape(http.get("/id/uscis", headers={"Accept": "text/html"}).text)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "T-visa" in r and "awards" in r)
    assert "Citizenship and Immigration Services (USCIS) awards T‑visas" in row  # the sentence, verbatim
    claim = r"Claim <code>dhs-5\.1</code>: Citizenship and Immigration Services \(USCIS\) awards T-visas"
    assert re.search(claim, row)
    # every statement in a sentence graph on the page shows a claim: the ledger covers every such triple
    sentence_rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S)
                     if '<blockquote class="sentence">' in r]
    assert sentence_rows and all('class="claim"' in r for r in sentence_rows)
