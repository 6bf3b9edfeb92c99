"""303 See Other (issue 13): an entity's IRI names the thing; RDF asked for there is a redirect to the
document in that format, the HTML page stays at the IRI; `/ontology.owl` is the ontology's RDF/XML."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from tests.serve.test_pages import RDF_ACCEPT


@pytest.mark.parametrize("path", ["/id/hhs", "/id/graph/hhs-6"])
@pytest.mark.parametrize(("accept", "rdflib_format", "suffix"), RDF_ACCEPT)
def test_rdf_at_the_iri_is_303_to_its_document(client, path, accept, rdflib_format, suffix):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == path + suffix
    assert "Accept" in response.headers["vary"]
    document = client.get(response.headers["location"], headers={"Accept": accept})
    assert document.status_code == 200 and document.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=document.text, format=rdflib_format)) > 0


@pytest.mark.parametrize("accept", [None, "text/html", "*/*", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_html_stays_at_the_iri(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/hhs", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_a_document_is_never_redirected(client):
    for suffix in (".html", ".ttl", ".jsonld", ".nt", ".rdf", ".trig"):
        assert client.get("/id/hhs" + suffix, headers={"Accept": "text/turtle"}).status_code == 200


def test_unknown_iri_is_404_not_a_redirect(client):
    assert client.get("/id/no-such-thing", headers={"Accept": "text/turtle"}).status_code == 404


def test_ontology_owl_is_the_ontology_as_rdf_xml(client):
    owl = client.get("/ontology.owl")
    assert owl.status_code == 200
    assert owl.headers["content-type"].startswith("application/rdf+xml")
    turtle = Graph().parse(data=client.get("/ontology.ttl").text, format="turtle")
    assert isomorphic(Graph().parse(data=owl.text, format="xml"), turtle)
