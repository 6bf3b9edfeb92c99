"""The structure diagram (tipkg.diagram): its data against the graph, its SVG against its data, the same
bytes every time, text from the data kept as text, a clear note without Graphviz, and in Chromium."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from rdflib import RDF, RDFS, SKOS, URIRef
from tests.conftest import require_tool
from tests.serve.conftest import ARTIFACTS, serve_in_process

from tipkg.diagram import (
    EDGE_STYLE,
    Edge,
    Kind,
    Relation,
    Structure,
    find_dot,
    query_path,
    render_svg,
    structure,
    structure_of,
    structure_svg,
    to_dot,
)
from tipkg.engine import ProjectStore
from tipkg.errors import ToolError
from tipkg.project import Project, bundled_root
from tipkg.queries import load_query
from tipkg.server import ServerSettings
from tipkg.vocab import ORG, TIP

SVG = "{http://www.w3.org/2000/svg}"
HREF = "{http://www.w3.org/1999/xlink}href"


@pytest.fixture(scope="module")
def store(loaded) -> ProjectStore:
    return ProjectStore(loaded)


@pytest.fixture(scope="module")
def drawn(store) -> Structure:
    return structure(store)


def graph_edges(loaded) -> set[tuple[str, Relation, str]]:
    """The diagram's lines, read from the parsed graph with rdflib (not with the diagram's query)."""
    graph = loaded.full_graph()
    found = set()
    pairs = {ORG.unitOf: Relation.UNIT, ORG.postIn: Relation.POST, TIP.chairs: Relation.CHAIR,
             ORG.memberOf: Relation.MEMBER, ORG.reportsTo: Relation.REPORTS_TO}
    for prop, relation in pairs.items():
        found |= {(str(s), relation, str(o)) for s, o in graph.subject_objects(prop)}
    found |= {(str(s), Relation.CHAIR, str(o)) for o, s in graph.subject_objects(TIP.chairedBy)}
    found |= {(str(s), Relation.MEMBER, str(o)) for o, s in graph.subject_objects(ORG.hasMember)}
    return found


def coordination_bodies(loaded) -> set[str]:
    """Instances of org:OrganizationalCollaboration or its subclasses (tip:CoordinationBody, tip:TaskForce,
    ...), and what something chairs or is a member of."""
    graph = loaded.full_graph()
    classes = set(graph.transitive_subjects(RDFS.subClassOf, ORG.OrganizationalCollaboration))
    bodies = {str(s) for c in classes for s in graph.subjects(RDF.type, c)}
    joined = {o for _, relation, o in graph_edges(loaded) if relation in (Relation.CHAIR, Relation.MEMBER)}
    return bodies | joined


def test_the_data_is_every_line_of_the_graph(loaded, drawn):
    assert {(e.source, e.relation, e.target) for e in drawn.edges} == graph_edges(loaded)
    assert set(drawn.bodies()) == coordination_bodies(loaded)
    assert {"https://w3id.org/tipkg/id/pitf", "https://w3id.org/tipkg/id/spog"} <= set(drawn.bodies())
    assert drawn.kinds["https://w3id.org/tipkg/id/doj"] is Kind.AGENCY
    assert drawn.cluster_of("https://w3id.org/tipkg/id/ceos") == "https://w3id.org/tipkg/id/doj"


def svg_parts(svg: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, ET.Element]]]:
    """Nodes (dot id -> (linked IRI, its text)) and edges (tail IRI, head IRI, the edge's path)."""
    root = ET.fromstring(svg)
    nodes = {}
    for group in root.iter(SVG + "g"):
        link = group.find(f"{SVG}g/{SVG}a")
        if group.get("class") == "node" and link is not None:
            text = " ".join(t.text or "" for t in group.iter(SVG + "text"))
            nodes[group.findtext(SVG + "title")] = (link.get(HREF), text)
    edges = []
    for group in root.iter(SVG + "g"):
        if group.get("class") == "edge":
            tail, head = group.findtext(SVG + "title").split("->")
            if tail in nodes and head in nodes:
                edges.append((nodes[tail][0], nodes[head][0], group.find(f".//{SVG}path")))
    return nodes, edges


def test_the_svg_names_every_body_and_draws_every_line(loaded, drawn):
    require_tool("dot")
    nodes, edges = svg_parts(render_svg(to_dot(drawn, str)))
    texts = {iri: text for iri, text in nodes.values()}
    for body in coordination_bodies(loaded):
        assert texts[body] == drawn.labels[body]
    assert set(texts) == set(drawn.kinds)
    # Each line once, in its relation's colour and dash (the Department of State chairs and is a member
    # of the Senior Policy Operating Group: two lines between the same two boxes).
    def look(style: dict[str, str]) -> tuple[str, bool]:
        return style["color"], style.get("style") in ("dashed", "dotted")

    drawn_lines = sorted((t, h, p.get("stroke"), "stroke-dasharray" in p.attrib) for t, h, p in edges)
    expected = sorted((e.source, e.target, *look(EDGE_STYLE[e.relation])) for e in drawn.edges)
    assert drawn_lines == expected


def test_the_legend_names_every_kind_of_line_and_box(drawn):
    require_tool("dot")
    svg = render_svg(to_dot(drawn, str))
    for words in ("Legend", "chairs", "is a member of", "reports to", "is a unit of", "is a post in",
                  "agency", "unit", "post", "coordination body"):
        assert f">{words}</text>" in svg


def test_same_graph_same_bytes(store, drawn):
    require_tool("dot")
    result = store.query(load_query(query_path(Project(bundled_root()))).sparql)
    shuffled = dataclasses.replace(result, rows=tuple(reversed(result.rows)))
    assert to_dot(structure_of(shuffled), str) == to_dot(drawn, str)
    first, second = structure_svg(store), structure_svg(store)
    assert first == second
    assert "<?xml" not in first and "<!--" not in first and "Generated by" not in first


def test_text_from_the_data_stays_text():
    require_tool("dot")
    hostile = 'A "quoted" \\N <b>bold</b> & \\l name'
    drawn = Structure({"urn:x:a": hostile, "urn:x:b": "B"}, {"urn:x:a": Kind.AGENCY, "urn:x:b": Kind.BODY},
                      (Edge("urn:x:a", Relation.MEMBER, "urn:x:b"),))
    nodes, edges = svg_parts(render_svg(to_dot(drawn, str)))
    assert {iri: text for iri, text in nodes.values()}["urn:x:a"] == hostile
    assert [(tail, head) for tail, head, _ in edges] == [("urn:x:a", "urn:x:b")]


def test_without_dot_a_clear_error_and_a_note_on_the_home_page(monkeypatch, tmp_path, loaded, drawn):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot on the PATH
    with pytest.raises(ToolError, match="Graphviz 'dot' is not installed") as caught:
        render_svg(to_dot(drawn, str))
    assert "apt-get install graphviz" in str(caught.value)
    with pytest.raises(ToolError, match="brew install graphviz"):  # what `tipkg site` can warn with
        find_dot()
    with serve_in_process(loaded, ServerSettings(workers=1)) as server, server.client() as client:
        page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "No diagram: Graphviz &#39;dot&#39; is not installed" in page.text
    assert "<svg" not in page.text


def test_chromium_renders_the_diagram_with_every_body(browser, bundled_server, loaded):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else 0)
    page.goto(bundled_server.url + "/", wait_until="networkidle")
    figure = page.locator("figure.structure svg")
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 300
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure.structure g.node'), node => ({
               text: Array.from(node.querySelectorAll('text'), t => t.textContent).join(' '),
               width: node.getBoundingClientRect().width }))"""
    )
    visible = {item["text"] for item in shown if item["width"] > 0}
    graph = loaded.full_graph()
    for body in coordination_bodies(loaded):
        label = str(graph.value(URIRef(body), SKOS.prefLabel))
        assert label in visible, f"{label!r} is not drawn"
    figure.screenshot(path=str(ARTIFACTS / "structure.png"))
    assert not errors
    page.close()
