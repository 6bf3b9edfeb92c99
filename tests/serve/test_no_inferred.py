"""`tipkg serve --no-inferred`: SPARQL answers from the asserted graphs only, and a canned question about
the entailments says it cannot be answered here instead of giving fewer rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef
from tests.serve.conftest import InProcessServer, serve_in_process

from tipkg.server import ServerSettings
from tipkg.vocab import ID

SD_NAME = URIRef("http://www.w3.org/ns/sparql-service-description#name")


@pytest.fixture(scope="module")
def asserted_only(loaded) -> Iterator[InProcessServer]:
    with serve_in_process(loaded, ServerSettings(workers=1, inferred=False)) as server:
        yield server


def test_no_entailments_in_the_dataset(asserted_only):
    with asserted_only.client() as http:
        described = Graph().parse(data=http.get("/sparql", headers={"Accept": "text/turtle"}).text,
                                  format="turtle")
        names = set(described.objects(None, SD_NAME))
        query = f"ASK {{ GRAPH <{ID['graph/inferred']}> {{ ?s ?p ?o }} }}"
        asked = http.get("/sparql", params={"query": query})
    assert names and URIRef(ID["graph/inferred"]) not in names
    assert asked.json()["boolean"] is False


def test_a_question_about_entailments_is_501(asserted_only, loaded):
    from tipkg.queries import load_catalogue

    inferred = [q for q in load_catalogue(loaded.project.queries_dir).questions() if q.inferred]
    assert inferred
    with asserted_only.client() as http:
        response = http.get(f"/queries/{inferred[0].name}", headers={"Accept": "text/csv"})
        plain = http.get("/queries/funding", headers={"Accept": "text/csv"})
    assert response.status_code == 501
    assert "started without them" in response.text
    assert plain.status_code == 200 and len(plain.text.splitlines()) > 1
