"""The ontology reference (/ontology) against pyLODE's documentation of the same file, side by side.

pyLODE (the `test` extra) documents ontology/*.ttl here, offline: it reads only the graph it is given and
the background vocabularies it ships, and the test checks that it opened no connection. From its HTML come
its sections, its terms (by IRI, per section), each term's rows and the IRIs they link to, the ontology's
metadata (by property IRI), the namespaces and the legend; every one of them must be on our page. Then what
pyLODE lacks: the disjointness axioms, usage counts (the VoID partitions), example instances linked to pages
that exist, links to the list of members. And the page's structure, as test_accessibility reads it.
"""

from __future__ import annotations

import gc
import re
import sys
import warnings
from xml.etree.ElementTree import Element

import html5lib
import pytest
from rdflib import OWL, RDF, Graph, URIRef
from rdflib.collection import Collection
from tests.serve.conftest import REPO
from tests.serve.test_accessibility import Outline

from tipkg.stats import dataset_counts

BASE = "https://w3id.org/tipkg"
CONNECTIONS: list[tuple] = []  # sockets opened while pyLODE runs (the audit hook below records them)
WATCHING = [False]


def _audit(event: str, args: tuple) -> None:
    if WATCHING[0] and event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        CONNECTIONS.append((event, args))


sys.addaudithook(_audit)  # a hook cannot be removed; it records only while WATCHING


def text(node: Element) -> str:
    return re.sub(r"\s+", " ", "".join(node.itertext())).strip()


def parse(html: str) -> Element:
    return html5lib.parse(html, namespaceHTMLElements=False)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def pylode(ontology) -> Element:
    from pylode import OntPub  # a declared test dependency: missing is a failure

    WATCHING[0] = True
    try:
        with warnings.catch_warnings():  # pyLODE leaves its stylesheet's file open
            warnings.simplefilter("ignore", ResourceWarning)
            html = OntPub(ontology=ontology).make_html()
            gc.collect()
    finally:
        WATCHING[0] = False
    assert not CONNECTIONS, f"pyLODE reached out: {CONNECTIONS}"
    return parse(html)


@pytest.fixture(scope="module")
def ours(bundled_server) -> Element:
    with bundled_server.client() as client:
        response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return parse(response.text)


# --- reading either page ---------------------------------------------------------------------------------


def iri_of(href: str, anchors: dict[str, str]) -> str:
    """A link as an IRI: an anchor of the page -> its term, a path of the site -> the IRI it serves."""
    if href.startswith("#"):
        return anchors.get(href[1:], href)
    return BASE + href if href.startswith("/") else href


def pylode_terms(doc: Element) -> dict[str, dict[str, dict]]:
    """section id -> term IRI -> {"id": its anchor, "rows": row name -> [its cell]}."""
    sections: dict[str, dict[str, dict]] = {}
    for section in doc.findall(".//div[@id='content']/div[@class='section']"):
        for entity in section.iter("div"):
            if "entity" in (entity.get("class") or "").split():
                rows = {text(tr.find("th")).lower(): tr.find("td") for tr in entity.iter("tr")}
                sections.setdefault(section.get("id"), {})[text(rows.pop("iri"))] = {
                    "id": entity.get("id"), "rows": rows}
    return sections


def our_terms(doc: Element) -> dict[str, dict[str, dict]]:
    sections: dict[str, dict[str, dict]] = {}
    for section in doc.iter("section"):
        for term in section.findall("div[@class='term']"):
            rows = {text(tr.find("th")).lower(): tr.find("td") for tr in term.iter("tr")}
            sections.setdefault(section.get("id"), {})[text(rows.pop("iri"))] = {
                "id": term.get("id"), "rows": rows}
    return sections


def anchors_of(terms: dict[str, dict[str, dict]]) -> dict[str, str]:
    return {term["id"]: iri for found in terms.values() for iri, term in found.items()}


def linked(cell: Element, anchors: dict[str, str]) -> set[str]:
    return {iri_of(a.get("href"), anchors) for a in cell.iter("a")}


# --- pyLODE's content, all of it on our page ----------------------------------------------------------


def test_pylode_ran_offline_and_documented_the_ontology(pylode, ontology):
    terms = pylode_terms(pylode)
    assert {"classes", "objectproperties", "datatypeproperties"} <= set(terms)
    assert len(terms["classes"]) > 40  # a control: the extraction finds pyLODE's terms


def test_every_section_of_pylode_is_ours(pylode, ours):
    content = pylode.findall(".//div[@id='content']/div")
    theirs = {div.get("id") for div in content if div.find("h2") is not None}
    assert theirs >= {"metadata", "classes", "namespaces", "legend"}
    assert theirs <= {section.get("id") for section in ours.iter("section")}


def test_every_term_of_pylode_is_ours_in_the_same_section(pylode, ours):
    theirs, mine = pylode_terms(pylode), our_terms(ours)
    for section, terms in theirs.items():
        missing = set(terms) - set(mine.get(section, {}))
        assert not missing, f"{section}: {sorted(missing)}"


def test_every_row_and_link_of_pylode_is_ours(pylode, ours):
    theirs, mine = pylode_terms(pylode), our_terms(ours)
    their_anchors, our_anchors = anchors_of(theirs), anchors_of(mine)
    compared = 0
    for section, terms in theirs.items():
        for iri, term in terms.items():
            our_rows = mine[section][iri]["rows"]
            for name, cell in term["rows"].items():
                assert name in our_rows, f"{iri}: no row {name!r}"
                if name == "description":
                    assert text(cell) in text(our_rows[name])
                else:
                    assert linked(cell, their_anchors) <= linked(our_rows[name], our_anchors), f"{iri} {name}"
                compared += 1
    assert compared > 300


def test_the_metadata_of_pylode_is_ours(pylode, ours):
    def rows(cells: list[tuple[Element, Element]]) -> dict[str, Element]:
        found = {}
        for head, value in cells:
            link = head.find(".//a")
            found[link.get("href") if link is not None else text(head)] = value
        return found

    dl = pylode.find(".//div[@id='metadata']/dl")
    theirs = rows(list(zip(dl.findall(".//dt"), dl.findall(".//dd"), strict=True)))
    table = ours.find(".//section[@id='metadata']//table")
    mine = rows([(tr.find("th"), tr.find("td")) for tr in table.iter("tr")])
    assert {"http://www.w3.org/2002/07/owl#versionIRI", "http://purl.org/dc/terms/license",
            "http://purl.org/vocab/vann/preferredNamespacePrefix"} <= set(theirs)
    # Every value pyLODE shows is in our table: its links as links (or the IRI as text), its paragraphs as
    # text (pyLODE shows the header's rdfs:comment under "Description"; we give it its own row).
    shown = text(table) + " " + " ".join(iri_of(a.get("href"), {}) for a in table.iter("a"))
    for prop, value in theirs.items():
        assert prop in mine, f"no metadata row {prop}"
        for link in value.iter("a"):
            assert iri_of(link.get("href"), {}) in shown, f"{prop}: {link.get('href')}"
        for paragraph in value.findall(".//p") or [value]:
            assert text(paragraph) in shown, f"{prop}: {text(paragraph)}"


def test_the_namespaces_and_legend_of_pylode_are_ours(pylode, ours):
    dl = pylode.find(".//div[@id='namespaces']/dl")
    theirs = {(text(dt), text(dd)) for dt, dd in zip(dl.findall("dt"), dl.findall("dd"), strict=True)}
    mine = {(text(tr[0]), text(tr[1])) for tr in ours.findall(".//section[@id='namespaces']//tbody/tr")}
    assert len(theirs) > 5 and theirs <= mine
    their_legend = {(text(tr[0]), text(tr[1])) for tr in pylode.findall(".//div[@id='legend']//tr")}
    our_legend = ours.find(".//section[@id='legend']/dl")
    shown = {(text(dt), text(dd)) for dt, dd in zip(our_legend.findall("dt"), our_legend.findall("dd"),
                                                   strict=True)}
    for marker, title in their_legend:
        assert any(m == marker and d.startswith(title) for m, d in shown), (marker, title)


# --- what pyLODE lacks ----------------------------------------------------------------------------------


def test_the_disjointness_axioms(ours, ontology):
    groups = []
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        groups += [set(map(str, Collection(ontology, m))) for m in ontology.objects(axiom, OWL.members)]
    assert groups, "the ontology has disjointness axioms"
    anchors = anchors_of(our_terms(ours))
    shown = [linked(li, anchors) for li in ours.findall(".//section[@id='disjointness']//li")]
    for group in groups:
        assert group in shown
    classes = our_terms(ours)["classes"]
    for group in groups:
        for member in group & set(classes):  # schema:ContactPoint is named, not declared: no entry
            assert linked(classes[member]["rows"]["disjoint with"], anchors) == group - {member}


def test_usage_counts_examples_and_links_to_the_data(ours, loaded, bundled_server):
    counts = dataset_counts(loaded)
    terms = our_terms(ours)
    for section, found in terms.items():
        partition = counts.classes if section == "classes" else counts.properties
        for iri, term in found.items():
            assert text(term["rows"]["in the data"]).startswith(f"{partition.get(iri, 0)} "), iri
    hotline = terms["classes"]["https://w3id.org/tipkg/ontology#Hotline"]["rows"]
    examples = {a.get("href") for a in hotline["for example"].iter("a")}
    data = loaded.full_graph()
    assert examples and all((URIRef(BASE + e), RDF.type, URIRef(BASE + "/ontology#Hotline")) in data
                            for e in examples)
    everything = hotline["in the data"].find("a").get("href")
    with bundled_server.client() as client:
        for href in sorted(examples)[:3] + [everything.split("#")[0]]:
            assert client.get(href, headers={"Accept": "text/html"}).status_code == 200
        index = parse(client.get(everything.split("#")[0], headers={"Accept": "text/html"}).text)
    assert index.find(f".//*[@id='{everything.split('#')[1]}']") is not None


def test_the_page_reads_well(bundled_server, ours):
    with bundled_server.client() as client:
        html = client.get("/ontology", headers={"Accept": "text/html"}).text
    outline = Outline()
    outline.feed(html)
    assert outline.lang == "en" and outline.headings.count(1) == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert outline.tables == outline.tables_with_headers and outline.empty_links == 0
    ids = {node.get("id") for node in ours.iter() if node.get("id")}
    fragments = {a.get("href")[1:] for a in ours.iter("a") if (a.get("href") or "").startswith("#")}
    assert fragments and fragments <= ids, sorted(fragments - ids)
