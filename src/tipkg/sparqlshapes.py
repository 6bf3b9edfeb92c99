"""SHACL-SPARQL constraints evaluated once per shape instead of once per focus node.

pyshacl runs an `sh:sparql` constraint's SELECT query once for every focus node, with `$this` pre-bound. On
the fact-sheet graph that is thousands of rdflib query evaluations and most of `tipkg validate`'s time. The
same answer comes from one evaluation with the focus nodes given as `VALUES $this { ... }` at the start of
the query's WHERE group (FILTERs of the group, `NOT EXISTS` included, then see `$this` bound, as with
pre-binding).

Those queries run on the project's store (`tipkg.engine.ProjectStore`, Oxigraph, the asserted graphs merged:
the data with the ontology mixed in, as pyshacl mixes them), screened like every query (`tipkg.sparql`), so
a shape can no more read a file or reach the network than a canned query can.

Likewise a SPARQL target (`sh:target [ a sh:SPARQLTarget ; sh:select ... ]`, SHACL Advanced Features) is
evaluated once, on Oxigraph, and replaced by `sh:targetNode` for each node it selects: the same focus
nodes, without rdflib's slow evaluation of a query over every triple.

Only the constraints where that is clearly the same are taken over; every other constraint stays with
pyshacl: the constraint hangs by `sh:sparql` on a node shape (no `sh:path`) that has only core targets
(`sh:targetClass`, implicit class targets, `sh:targetNode`, `sh:targetSubjectsOf`, `sh:targetObjectsOf`), that
no other shape refers to (`sh:node`, `sh:property`, lists of `sh:and`/`sh:or`/`sh:xone`, ...), whose focus
nodes are IRIs or literals, and whose query is a SELECT without `$PATH`, `$currentShape`, `$shapesGraph`,
`VALUES` or a nested SELECT. Messages are made as pyshacl makes them (`{?var}` and `{$var}` replaced).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from tipkg.engine import ProjectStore
from tipkg.errors import InputError
from tipkg.sparql import Sparql
from tipkg.terms import from_ox, to_ox
from tipkg.vocab import SH

FORBIDDEN = re.compile(r"\$(PATH|currentShape|shapesGraph)\b|\bVALUES\b|\{\s*SELECT\b", re.IGNORECASE)
WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
SELECT_FORM = re.compile(r"^\s*SELECT\b", re.IGNORECASE)
REFERRING = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"], RDF.first)
CORE_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass(frozen=True)
class SparqlConstraint:
    shape: Node
    constraint: Node
    query: str  # with its PREFIX lines
    messages: tuple[str, ...]
    severity: Node
    focus: tuple = ()
    target: str | None = None  # the shape's core targets as a SELECT of $this (None: list `focus` instead)


@dataclass(frozen=True)
class SparqlResult:
    """One row of a constraint's answer, as pyshacl would report it."""

    focus: Node
    path: URIRef | None
    value: Node | None
    message: str
    severity: Node
    shape: Node
    constraint: Node


PREFIX_NAME = re.compile(r"^[A-Za-z][\w.-]*$|^$")


def prefix_lines(shapes: Graph, constraint) -> str:
    """The `sh:declare`d prefixes as PREFIX lines (names checked, namespaces written by the library)."""
    lines = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                continue
            if not PREFIX_NAME.match(str(prefix)):
                raise InputError(f"sh:prefix {str(prefix)!r} is not a SPARQL prefix name")
            try:
                iri = ox.NamedNode(str(namespace))
            except ValueError as exc:
                raise InputError(f"sh:namespace {str(namespace)!r} is not an IRI ({exc})") from None
            lines.append(f"PREFIX {prefix}: {iri}")
    return "\n".join(sorted(set(lines)))


def is_true(graph: Graph, node, predicate) -> bool:
    return any(isinstance(v, Literal) and v.toPython() is True for v in graph.objects(node, predicate))


def takeable_shape(shapes: Graph, shape) -> bool:
    if (
        (shape, SH.path, None) in shapes
        or (shape, SH.target, None) in shapes
        or is_true(shapes, shape, SH.deactivated)
    ):
        return False
    if any((None, predicate, shape) in shapes for predicate in REFERRING):
        return False
    is_class = (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes
    return is_class or any((shape, target, None) in shapes for target in CORE_TARGETS)


def takeable_query(text: str) -> bool:
    return bool(SELECT_FORM.match(strip_comments(text))) and not FORBIDDEN.search(text) and "{" in text


def strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))


def split_shapes(shapes: Graph, data: Graph) -> tuple[Graph, list[SparqlConstraint]]:
    """The shapes graph without the constraints taken over, and those constraints with their focus nodes."""
    taken: list[SparqlConstraint] = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        select = shapes.value(constraint, SH.select)
        if select is None or is_true(shapes, constraint, SH.deactivated):
            continue
        if not (takeable_shape(shapes, shape) and takeable_query(str(select))):
            continue
        nodes = focus_nodes(shapes, shape, data)
        if any(isinstance(node, BNode) for node in nodes):  # VALUES cannot name a blank node
            continue
        messages = tuple(sorted(str(m) for m in shapes.objects(constraint, SH.message)))
        if not messages:
            messages = tuple(sorted(str(m) for m in shapes.objects(shape, SH.message)))
        severity = shapes.value(shape, SH.severity) or SH.Violation
        query = prefix_lines(shapes, constraint) + "\n" + str(select)
        focus = tuple(sorted(nodes, key=lambda n: n.n3()))
        taken.append(SparqlConstraint(shape, constraint, query, messages, severity, focus,
                                      target_select(shapes, shape)))
    if not taken:
        return shapes, []
    rest = Graph()
    for prefix, namespace in shapes.namespaces():
        rest.bind(prefix, namespace)
    links = {(c.shape, SH.sparql, c.constraint) for c in taken}
    for triple in shapes:
        if triple not in links:
            rest.add(triple)
    return rest, taken


def instances(graph: Graph, cls) -> set:
    classes, frontier = {cls}, [cls]
    while frontier:
        for sub in graph.subjects(RDFS.subClassOf, frontier.pop()):
            if sub not in classes:
                classes.add(sub)
                frontier.append(sub)
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def focus_nodes(shapes: Graph, shape, data: Graph) -> set:
    nodes: set = set()
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        classes.add(shape)
    for cls in classes:
        nodes |= instances(data, cls)
    nodes.update(shapes.objects(shape, SH.targetNode))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        nodes.update(data.subjects(prop, None))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        nodes.update(data.objects(None, prop))
    return nodes


def target_select(shapes: Graph, shape) -> str | None:
    """The shape's core targets as `{ SELECT DISTINCT ?this WHERE { ... } }`, the nodes `focus_nodes` finds
    (None with sh:targetNode, whose nodes are listed). Oxigraph joins a long `VALUES $this` list slowly (about
    n^2.7: 38 s for 15,270 nodes at a million triples, 0.74 s for the same nodes selected this way)."""
    if (shape, SH.targetNode, None) in shapes:
        return None
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        classes.add(shape)
    subjects_of = list(shapes.objects(shape, SH.targetSubjectsOf))
    objects_of = list(shapes.objects(shape, SH.targetObjectsOf))
    if not all(isinstance(term, URIRef) for term in (*classes, *subjects_of, *objects_of)):
        return None  # a blank node cannot be named in a query
    kind, sub = str(to_ox(RDF.type)), str(to_ox(RDFS.subClassOf))
    parts = [f"{{ ?this {kind}/{sub}* {to_ox(c)} }}" for c in sorted(classes, key=str)]
    parts += [f"{{ ?this {to_ox(p)} ?object }}" for p in sorted(subjects_of, key=str)]
    parts += [f"{{ ?subject {to_ox(p)} ?this }}" for p in sorted(objects_of, key=str)]
    return f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(parts)} }} }}" if parts else None


def with_values(query: str, nodes: list) -> str:
    """The query with `VALUES $this { ... }` first in its WHERE group (the terms written by pyoxigraph)."""
    return first_in_group(query, "VALUES $this { " + " ".join(str(to_ox(node)) for node in nodes) + " }")


def first_in_group(query: str, block: str) -> str:
    """The query with `block` first in its WHERE group: it binds $this before the rest of the group, as
    pre-binding does."""
    match = WHERE_OPEN.search(query)
    position = match.end() if match else query.index("{", query.upper().index("SELECT")) + 1
    return query[:position] + "\n" + block + "\n" + query[position:]


def literal_replacement(text: str) -> Callable[[re.Match], str]:
    """A re.sub replacement that inserts `text` as it is (no backslash or group processing)."""
    return lambda _match: text


def fill(template: str, bindings: dict) -> str:
    for var, value in bindings.items():
        template = re.sub("{[?$]" + re.escape(var) + "}", literal_replacement(str(value)), template)
    return template


def evaluate(constraint: SparqlConstraint, store: ProjectStore) -> list[SparqlResult]:
    """Run one constraint over all its focus nodes at once, on the asserted graphs of the project's store."""
    if not constraint.focus:
        return []
    text = (first_in_group(constraint.query, constraint.target) if constraint.target
            else with_values(constraint.query, list(constraint.focus)))
    query = Sparql.parse(text, f"sh:select of {constraint.shape}")
    results = []
    for row in store.query(query).as_dicts():
        bindings = {name: from_ox(term) for name, term in row.items()}
        focus = bindings.get("this")
        if focus is None:
            continue
        templates = [str(bindings["message"])] if "message" in bindings else list(constraint.messages)
        message = (
            "; ".join(fill(t, bindings) for t in templates)
            or f"fails SPARQL constraint {constraint.constraint}"
        )
        path = bindings.get("path")
        results.append(
            SparqlResult(
                focus,
                path if isinstance(path, URIRef) else None,
                bindings.get("value", focus),  # SHACL: a node shape's default value is its focus node
                message,
                constraint.severity,
                constraint.shape,
                constraint.constraint,
            )
        )
    return list(dict.fromkeys(results))


def expand_sparql_targets(shapes: Graph, select: Callable[[str], list]) -> Graph:
    """The shapes graph with each plain SPARQL target replaced by sh:targetNode for every node it selects.

    `select` runs a SELECT query on the data (with the ontology mixed in) and returns the `?this` values.
    Targets of a SPARQL target *type* (with parameters) are left to pyshacl.
    """
    targets = [
        (shape, target)
        for shape, target in sorted(shapes.subject_objects(SH.target))
        if (target, RDF.type, SH.SPARQLTarget) in shapes and shapes.value(target, SH.select) is not None
    ]
    if not targets:
        return shapes
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace)
    for triple in shapes:
        out.add(triple)
    for shape, target in targets:
        query = prefix_lines(shapes, target) + "\n" + str(shapes.value(target, SH.select))
        Sparql.parse(query, f"sh:select of the target of {shape}")  # an error names the shape (exit 2)
        out.remove((shape, SH.target, target))
        for node in select(query):
            out.add((shape, SH.targetNode, node))
    return out
