"""A link checker over the whole static site: every HTML file parsed, every internal link (href, src,
form action) resolves to a file of the site (and its #fragment to an id there); no link leaves the site's
folder or is a server path; every resource of the graph, as rdflib reads the project, has its page and its
documents; every canned query has its page."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef

from tipkg.load import LoadedProject
from tipkg.queries import load_catalogue
from tipkg.vocab import BASE, TIP

LINK_ATTRIBUTES = {"href", "src", "action", "xlink:href"}


class Page(HTMLParser):
    """The links and the ids of one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value is not None:
                self.links.append(value)
            if name in ("id", "name") and value:
                self.ids.add(value)

    handle_startendtag = handle_starttag


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def pages_of(site: Path) -> dict[str, Page]:
    return {p.relative_to(site).as_posix(): parse(p) for p in sorted(site.rglob("*.html"))}


@pytest.fixture(scope="module")
def pages(site: Path) -> dict[str, Page]:
    return pages_of(site)


def internal(link: str) -> bool:
    return not urlsplit(link).scheme and not link.startswith("//")


def broken_links(site: Path, pages: dict[str, Page]) -> list[str]:
    """Every internal link of every page that is a server path, leaves the site, names no file, or names
    a #fragment that is no id of its page."""
    broken = []
    for name, page in pages.items():
        for link in filter(internal, page.links):
            parts = urlsplit(link)
            if link.startswith("/"):
                broken.append(f"{name}: {link} is a server path, not relative")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path))) \
                if parts.path else name
            if target.startswith("../") or not (site / target).is_file():
                broken.append(f"{name}: {link} -> {target} (no such file)")
            elif parts.fragment and target.endswith(".html") and parts.fragment not in pages[target].ids:
                broken.append(f"{name}: {link} -> no id {parts.fragment!r} in {target}")
    return broken


def test_every_internal_link_resolves_to_a_file_and_its_fragment(site, pages):
    assert len(pages) > 400
    broken = broken_links(site, pages)
    assert not broken, f"{len(broken)} broken links, e.g.:\n" + "\n".join(broken[:20])


def test_links_leave_nothing_to_the_live_server(pages):
    """No page of the static site asks the endpoint (a query string has no file behind it)."""
    queried = [(name, link) for name, page in pages.items() for link in page.links
               if internal(link) and urlsplit(link).query]
    assert not queried[:5]


def resources(loaded: LoadedProject) -> set[str]:
    """Every IRI under the base that the graph mentions (subject, object or named graph), but the
    ontology's terms: each must have a page. Read from rdflib, independently of the site's own index."""
    found: set[str] = set()
    for s, _, o, g in loaded.data.quads((None, None, None, None)):
        for node in (s, o, getattr(g, "identifier", g)):
            if isinstance(node, URIRef) and str(node).startswith(BASE) and not isinstance(node, Literal):
                found.add(str(node))
    ontology = BASE + "ontology"
    return {iri for iri in found if not iri.startswith(ontology) and iri != BASE}


def test_every_resource_has_its_page_and_documents(site, loaded):
    found = resources(loaded)
    assert len(found) > 300
    missing = []
    for iri in sorted(found):
        stem = iri[len(BASE):]
        missing += [stem + s for s in (".html", ".ttl", ".jsonld", ".nt", ".rdf", ".trig")
                    if not (site / (stem + s)).is_file()]
    assert not missing, f"{len(missing)} files missing, e.g. {missing[:10]}"


def test_a_resources_turtle_describes_it(site, loaded):
    hhs = URIRef(BASE + "id/hhs")
    graph = Graph().parse(site / "id" / "hhs.ttl", format="turtle")
    assert set(loaded.data_graph().triples((hhs, None, None))) <= set(graph)
    page = (site / "id" / "hhs.html").read_text(encoding="utf-8")
    for funded in loaded.data_graph().objects(hhs, TIP.funds):
        assert f'href="{funded.split("/id/")[1]}.html"' in page


def test_every_canned_query_has_its_page_with_results(site, project):
    questions = load_catalogue(project.queries_dir).questions()
    assert questions
    for query in questions:
        page = site / "queries" / f"{query.name}.html"
        assert page.is_file(), query.name
        assert query.title in page.read_text(encoding="utf-8")
    assert "tipkg serve" in (site / "sparql.html").read_text(encoding="utf-8")  # where the endpoint is


def test_the_sites_own_files(site):
    for name in ("index.html", "404.html", ".htaccess", "_redirects", "ontology.html", "ontology.owl",
                 "dist/void.ttl", "dist/tipkg.ttl", "static/style.css"):
        assert (site / name).is_file(), name
    built = sorted(p.name for p in (site / "dist").iterdir())
    assert "ontology.owl" in built and "inferred.ttl" in built


def test_the_home_page_describes_the_build_it_offers(site):
    """The dataset table comes from the site's own dist/void.ttl (its distributions: the data dumps)."""
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Data dump" in home
    for dump in ("tipkg.ttl", "tipkg.nq", "ontology.owl"):
        assert f'href="dist/{dump}"' in home
