"""One definition of every count (docs/counts.md): every number on the home page of `tipkg serve` equals the
same number in the build's void.ttl and in `tipkg stats --format json`; the served VoID (/.well-known/void)
has the same counts and names the server's SPARQL endpoint, which the build's cannot."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from pipeline_support import REPO, run
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF, VOID

from tipkg.load import LoadedProject
from tipkg.server.app import ServerSettings
from tipkg.server.site import Site

# The home page's rows with a count: VoID property and the key of `tipkg stats --format json`.
ROWS = {
    "Triples": (VOID.triples, "triples"),
    "Entities": (VOID.entities, "entities"),
    "Classes": (VOID.classes, "distinct_classes"),
    "Properties": (VOID.properties, "distinct_properties"),
}
NUMBER = re.compile(r"^\d{1,3}(,\d{3})*$")


class HomePage(HTMLParser):
    """The metadata table's rows (label -> cell text) and the Browse list (class label -> count)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self.browse: dict[str, str] = {}
        self._cell: str | None = None
        self._text: list[str] = []
        self._label = ""
        self._browse_item = False

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag in ("th", "td"):
            self._cell, self._text = tag, []
        elif tag == "a" and href.startswith("/id/#type-"):
            self._browse_item, self._text = True, []

    def handle_endtag(self, tag):
        text = "".join(self._text).strip()
        if tag == "th" and self._cell == "th":
            self._label = text
        elif tag == "td" and self._cell == "td":
            self.rows[self._label] = text
        elif tag == "a" and self._browse_item:
            self._label, self._browse_item = text, False
            self._text = []
            self._cell = "browse"
        elif tag == "li" and self._cell == "browse":
            self.browse[self._label] = text.strip("() ")
            self._cell = None

    def handle_data(self, data):
        self._text.append(data)


def number(text: str) -> int:
    assert NUMBER.match(text), f"{text!r} is not a count"
    return int(text.replace(",", ""))


def served(loaded: LoadedProject, dist: Path | None, *paths: str) -> list[httpx.Response]:
    from tests.serve.conftest import serve_in_process

    with serve_in_process(loaded, ServerSettings(dist_dir=dist, workers=1)) as server:
        return [httpx.get(server.url + path, timeout=60) for path in paths]


def home_page(loaded: LoadedProject, dist: Path | None) -> tuple[HomePage, dict[str, str]]:
    """The parsed home page, and the served site's label for each class (to read the Browse list)."""
    settings = ServerSettings(dist_dir=dist, workers=1)
    (response,) = served(loaded, dist, "/")
    html = response.text
    page = HomePage()
    page.feed(html)
    site = Site.build(loaded, settings.base)
    labels = {str(c): site.label(c) for c in set(loaded.full_graph().objects(None, RDF.type))}
    return page, labels


@pytest.fixture(scope="module")
def stats() -> dict:
    result = run("stats", "--project", REPO, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("with_dist", [True, False], ids=["dist-void", "void-in-memory"])
def test_home_numbers_equal_void_and_stats(with_dist, bundled_dist, built_from, stats) -> None:
    void = Graph().parse(bundled_dist / "void.ttl", format="turtle")
    dataset = next(void.subjects(RDF.type, VOID.Dataset))
    page, labels = home_page(built_from, bundled_dist if with_dist else None)
    shown = {label: text for label, text in page.rows.items() if NUMBER.match(text)}
    assert set(shown) == set(ROWS), f"counts on the home page without a check here: {set(shown) - set(ROWS)}"
    for label, (prop, key) in ROWS.items():
        assert number(shown[label]) == void.value(dataset, prop).toPython() == stats[key], label

    partitions = {
        str(void.value(p, VOID["class"])): void.value(p, VOID.entities).toPython()
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert partitions == stats["classes"]
    assert page.browse, "no class counts in the Browse list"
    for label, text in page.browse.items():
        (iri,) = [iri for iri in stats["classes"] if labels[iri] == label]  # else the list is ambiguous
        assert number(text) == partitions[iri] == stats["classes"][iri], label


@pytest.mark.parametrize("with_dist", [True, False], ids=["dist-void", "void-in-memory"])
def test_served_void_names_the_endpoint(with_dist, bundled_dist, built_from, stats) -> None:
    """The build's void.ttl states no endpoint (it cannot know one); the served VoID adds the server's."""
    built = Graph().parse(bundled_dist / "void.ttl", format="turtle")
    assert not set(built.objects(None, VOID.sparqlEndpoint))
    home, void = served(built_from, bundled_dist if with_dist else None, "/", "/.well-known/void")
    assert void.status_code == 200 and void.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=void.text, format="turtle")
    dataset = next(graph.subjects(RDF.type, VOID.Dataset))
    endpoint = URIRef(ServerSettings().base + "sparql")
    assert set(graph.objects(dataset, VOID.sparqlEndpoint)) == {endpoint}
    assert (endpoint, RDF.type, DCAT.DataService) in graph
    assert (endpoint, DCAT.endpointURL, endpoint) in graph
    assert (endpoint, DCAT.servesDataset, dataset) in graph
    for prop, key in ROWS.values():
        assert graph.value(dataset, prop).toPython() == stats[key]
    assert 'href="/sparql">SPARQL 1.1 endpoint</a>' in home.text
    assert 'href="/.well-known/void"' in home.text


def test_stats_text_shows_the_json_figures(stats) -> None:
    text = run("stats", "--project", REPO).stdout
    for key in ("triples", "entities", "described_entities", "distinct_classes", "distinct_properties"):
        assert re.search(rf"\s{stats[key]}$", text, re.MULTILINE), key
