"""The interagency structure as an SVG diagram, laid out by Graphviz `dot`.

What is drawn comes from one canned query, `queries/structure-diagram.rq` (so anyone can run it:
`tipkg query run structure-diagram`), evaluated by the project's engine (`tipkg.engine.ProjectStore`):
government agencies with their units in one cluster each, coordination bodies, and four kinds of line
(chairs, member of, reports to, unit of / post in), each with its own style and a legend.

Which library does what: the `graphviz` package writes the DOT text (its quoting and `escape`, so no
label from the data can change the graph's syntax); the `dot` program lays it out (run with a timeout);
ElementTree re-writes its SVG for embedding (no XML prolog, DOCTYPE or comments: the version comment
aside, dot's output is the same bytes for the same input, so the SVG is too).
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path

import graphviz
import pyoxigraph as ox

from tipkg.engine import ProjectStore, QueryResult
from tipkg.errors import ToolError
from tipkg.project import Project, bundled_root
from tipkg.queries import load_query
from tipkg.terms import OxTerm
from tipkg.vocab import ORG, TIP

QUERY_NAME = "structure-diagram"
DOT_TIMEOUT = 30.0  # seconds; the bundled graph takes well under one
INSTALL_HINT = "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Relation(Enum):
    """The lines of the diagram: the query's ?relation values."""

    UNIT = str(ORG.unitOf)
    POST = str(ORG.postIn)
    CHAIR = str(TIP.chairs)
    MEMBER = str(ORG.memberOf)
    REPORTS_TO = str(ORG.reportsTo)


class Kind(Enum):
    AGENCY = "agency"  # the values name the kinds in the legend
    UNIT = "unit"
    POST = "post"
    BODY = "coordination body"
    OTHER = "organisation"


# How each relation is drawn, and how the legend names it. Every line runs left to right: units and
# posts, their agency, the bodies it joins or chairs, the bodies those report to.
EDGE_STYLE: dict[Relation, dict[str, str]] = {
    Relation.UNIT: {"color": "#777777", "arrowhead": "none"},
    Relation.POST: {"color": "#777777", "style": "dotted", "arrowhead": "none"},
    Relation.CHAIR: {"color": "#b2182b", "penwidth": "2.5", "arrowhead": "diamond"},
    Relation.MEMBER: {"color": "#2166ac", "style": "dashed", "arrowhead": "empty"},
    Relation.REPORTS_TO: {"color": "#000000", "penwidth": "1.8", "arrowhead": "vee"},
}
LEGEND = {Relation.CHAIR: "chairs", Relation.MEMBER: "is a member of", Relation.REPORTS_TO: "reports to",
          Relation.UNIT: "is a unit of", Relation.POST: "is a post in"}
NODE_STYLE: dict[Kind, dict[str, str]] = {
    Kind.AGENCY: {"shape": "box", "style": "filled,bold", "fillcolor": "#d1e5f0"},
    Kind.UNIT: {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff"},
    Kind.POST: {"shape": "ellipse", "style": "filled", "fillcolor": "#f7f7f7"},
    Kind.BODY: {"shape": "hexagon", "style": "filled,bold", "fillcolor": "#fddbc7"},
    Kind.OTHER: {"shape": "box", "style": "filled", "fillcolor": "#eeeeee"},
}


@dataclass(frozen=True)
class Edge:
    source: str
    relation: Relation
    target: str


@dataclass(frozen=True)
class Structure:
    """What the diagram shows: node IRIs with their labels and kinds, and the lines between them."""

    labels: dict[str, str]
    kinds: dict[str, Kind]
    edges: tuple[Edge, ...]

    def bodies(self) -> list[str]:
        """The coordination bodies, sorted by label."""
        return sorted((n for n, k in self.kinds.items() if k is Kind.BODY), key=self.labels.__getitem__)

    @cached_property
    def parents(self) -> dict[str, str]:
        """Unit or post -> the organisation it belongs to (the first, should the data give two)."""
        found: dict[str, str] = {}
        for e in self.edges:
            if e.relation in (Relation.UNIT, Relation.POST):
                found.setdefault(e.source, e.target)
        return found

    def cluster_of(self, node: str) -> str:
        """The top of the node's unit (or post) tree: the cluster it is drawn in."""
        seen = {node}
        while (up := self.parents.get(node)) is not None and up not in seen:
            node = up
            seen.add(node)
        return node


def structure_of(result: QueryResult) -> Structure:
    """The query's rows as a Structure (rows with another shape are a bug of the query: KeyError)."""
    labels: dict[str, str] = {}
    types: dict[str, set[str]] = {}
    edges: set[Edge] = set()
    for row in result.as_dicts():
        source, relation, target = (_text(row[k]) for k in ("source", "relation", "target"))
        labels[source] = _text(row["sourceLabel"])
        if relation == RDF_TYPE:
            types.setdefault(source, set()).add(target)
            continue
        labels.setdefault(target, _text(row["targetLabel"]) if "targetLabel" in row else target)
        edges.add(Edge(source, Relation(relation), target))
    ordered = tuple(sorted(edges, key=lambda e: (e.relation.name, e.source, e.target)))
    ends: dict[str, set[tuple[str, Relation]]] = defaultdict(set)  # node -> (its end of a line, relation)
    for e in ordered:
        ends[e.source].add(("source", e.relation))
        ends[e.target].add(("target", e.relation))
    return Structure(labels, {n: _kind(types.get(n, set()), ends[n]) for n in sorted(labels)}, ordered)


def _text(term: OxTerm) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    raise ValueError(f"the structure-diagram query gave {term}, not an IRI or a literal")


def _kind(types: set[str], ends: set[tuple[str, Relation]]) -> Kind:
    # A body: declared a collaboration, or something chairs it or is a member of it.
    if str(ORG.OrganizationalCollaboration) in types or ends & {("target", Relation.CHAIR),
                                                                ("target", Relation.MEMBER)}:
        return Kind.BODY
    if ("source", Relation.POST) in ends:
        return Kind.POST
    if ("source", Relation.UNIT) in ends:
        return Kind.UNIT
    return Kind.AGENCY if types else Kind.OTHER


# --- DOT ------------------------------------------------------------------------------------------------


def _label(text: str) -> str:
    """Wrapped onto lines of about 26 characters; escaped, so the data's text is only ever text."""
    lines = textwrap.wrap(text, width=26) or [text]
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in lines))


def to_dot(structure: Structure, href: Callable[[str], str]) -> str:
    """The DOT text: one cluster per tree of units (an agency and everything under it), bodies outside."""
    dot = graphviz.Digraph("structure", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica,Arial,sans-serif", "nodesep": "0.25", "ranksep": "0.6",
        "newrank": "true", "label": "Interagency structure", "labelloc": "t",
    }, node_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "11", "margin": "0.12,0.05"},
        edge_attr={"arrowsize": "0.8"})
    ids = {node: f"n{i}" for i, node in enumerate(structure.kinds)}  # IRIs hold ':', a port in DOT
    clusters: dict[str, list[str]] = {}
    for node in structure.kinds:
        clusters.setdefault(structure.cluster_of(node), []).append(node)
    for index, (root, members) in enumerate(sorted(clusters.items(), key=lambda kv: structure.labels[kv[0]])):
        if len(members) == 1:
            _node(dot, structure, ids, root, href)
            continue
        with dot.subgraph(name=f"cluster_{index}") as cluster:
            cluster.attr(style="rounded", color="#9ecae1", label="")
            for node in sorted(members):
                _node(cluster, structure, ids, node, href)
    for edge in structure.edges:
        dot.edge(ids[edge.source], ids[edge.target], **EDGE_STYLE[edge.relation])
    _legend(dot)
    return dot.source


def _node(dot: graphviz.Digraph, structure: Structure, ids: dict[str, str], node: str,
          href: Callable[[str], str]) -> None:
    label = structure.labels[node]
    dot.node(ids[node], _label(label), href=graphviz.escape(href(node)), tooltip=graphviz.escape(label),
             target="_top", **NODE_STYLE[structure.kinds[node]])


def _legend(dot: graphviz.Digraph) -> None:
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label="Legend", style="rounded", color="#bbbbbb", fontsize="11")
        starts: list[str] = []  # the left column: each line's start, then each kind of box
        ends: list[str] = []  # the right column: each line's end, named (rows pair them up)
        for index, (relation, words) in enumerate(LEGEND.items()):
            starts.append(f"legend_{index}_a")
            ends.append(f"legend_{index}_b")
            legend.node(starts[-1], "", shape="point", width="0.08")
            legend.node(ends[-1], words, shape="plaintext", fontsize="10")
            legend.edge(starts[-1], ends[-1], **EDGE_STYLE[relation])
        for kind in (Kind.AGENCY, Kind.UNIT, Kind.POST, Kind.BODY):  # a box, and an empty place beside it
            starts.append(f"legend_{kind.name}")
            ends.append(f"legend_{kind.name}_b")
            legend.node(starts[-1], kind.value, fontsize="10", **NODE_STYLE[kind])
            legend.node(ends[-1], "", shape="plaintext", width="0.1")
            legend.edge(starts[-1], ends[-1], style="invis")
        for column in (starts, ends):
            with legend.subgraph() as same:  # flat invisible edges hold each column in order (in LR,
                same.attr(rank="same")  # a flat edge's head is drawn above its tail)
                for upper, lower in zip(column, column[1:], strict=False):
                    same.edge(lower, upper, style="invis")


# --- layout ------------------------------------------------------------------------------------------------


def find_dot() -> str:
    """The path of Graphviz `dot`; ToolError saying how to install it when it is missing (a command that
    writes the home page, such as `tipkg site`, can call this first to warn)."""
    program = shutil.which("dot")
    if program is None:
        raise ToolError("Graphviz 'dot' is not installed; the structure diagram needs it", hint=INSTALL_HINT)
    return program


def render_svg(dot_source: str, timeout: float = DOT_TIMEOUT) -> str:
    """Lay the graph out with `dot` and return SVG ready to embed in HTML (raises ToolError)."""
    program = find_dot()
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot_source.encode(), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ToolError(f"Graphviz 'dot' did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise ToolError(f"Graphviz 'dot' failed (exit {done.returncode}): {message}")
    return embeddable(done.stdout)


def embeddable(svg: bytes) -> str:
    """dot's SVG without the prolog, DOCTYPE and comments, sized by its viewBox (CSS scales it), and named
    for assistive technology; written by ElementTree, so the same input gives the same text."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("role", "group")
    root.set("aria-label", "Diagram of the interagency structure")
    root.set("class", "structure-diagram")
    return ET.tostring(root, encoding="unicode")


# --- from a project ---------------------------------------------------------------------------------------


def query_path(project: Project) -> Path:
    """The project's own structure-diagram query, else the bundled one."""
    own = project.queries_dir / f"{QUERY_NAME}.rq"
    return own if own.is_file() else bundled_root() / "queries" / f"{QUERY_NAME}.rq"


def structure(store: ProjectStore) -> Structure:
    """The diagram's data: the canned query run on the project's asserted graph."""
    query = load_query(query_path(store.loaded.project))
    return structure_of(store.query(query.sparql))


def structure_svg(store: ProjectStore, href: Callable[[str], str] = str) -> str:
    """The diagram as SVG text (for the home page and the static site); `href` maps a node's IRI to the
    link it gets. Raises ToolError when `dot` is missing, fails or times out."""
    return render_svg(to_dot(structure(store), href))
