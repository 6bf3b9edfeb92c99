"""OWL 2 RL reasoning: the entailments of ontology + data, and whether they are consistent.

Reasoning runs over the ontology and the data *without* the provenance annotations (the quote and selector
resources, `oa:` statements, `prov:wasDerivedFrom` and the named-graph descriptions): they say where a
statement comes from, not what the world is like, and they are about half of the triples, so leaving them out
keeps the closure small and fast.

Two reasoners compute the same OWL 2 RL rule set:

- `reasonable` (Rust, the default): about 40x faster than owlrl here. It computes the closure but reports no
  inconsistency, so `find_clashes` checks the OWL 2 RL rules whose conclusion is *false* (cls-nothing2,
  cax-dw, cax-adc, eq-diff1..3, prp-irp, prp-asyp, prp-pdw, prp-adp, cls-com, cls-maxc1, prp-npa1/2) on it.
- `owlrl` (pure Python, the reference): reports the clashes itself (`error_messages`); we add its
  `owl:Nothing` members.

`inferred` is what reasoning adds to the data: closure minus the asserted triples, restricted to subjects of
the data, without blank nodes and without the trivia every OWL 2 RL closure holds (`x a owl:Thing`,
`x owl:sameAs x`, ...). It is what `dist/inferred.ttl` publishes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from itertools import combinations
from typing import Any, cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, XSD
from rdflib.term import Node

from tipkg.load import LoadedProject
from tipkg.terms import term_text
from tipkg.vocab import OA, bind_prefixes

Triple = tuple
IRI_IN_TEXT = re.compile(r"https?://[^\s,()<>]+")


class Reasoner(str, Enum):
    """Which OWL 2 RL engine computes the closure."""

    REASONABLE = "reasonable"
    OWLRL = "owlrl"


@dataclass(frozen=True)
class Clash:
    """One inconsistency: the OWL 2 RL rule that fires, a message, and the resources involved."""

    rule: str
    message: str
    nodes: tuple[Node, ...] = ()


@dataclass
class Reasoning:
    """The closure of the reasoning input, what it adds to the data, and the clashes found in it."""

    reasoner: Reasoner
    asserted: Graph
    closure: Graph
    data_subjects: frozenset
    clashes: list[Clash] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.clashes

    def asserted_as_string(self, triple: Triple) -> bool:
        """A plain literal asserted as xsd:string (the same RDF 1.1 term, which rdflib tells apart)."""
        s, p, o = triple
        plain = isinstance(o, Literal) and o.datatype is None and o.language is None
        return plain and (s, p, Literal(str(o), datatype=XSD.string)) in self.asserted

    def inferred(self) -> Graph:
        """Entailed, not asserted, about the data's subjects, without trivia or blank nodes."""
        graph = Graph()
        bind_prefixes(graph)
        for triple in self.closure:
            if triple in self.asserted or is_trivial(triple) or self.asserted_as_string(triple):
                continue
            if triple[0] in self.data_subjects:
                graph.add(triple)
        return graph


# --- the input --------------------------------------------------------------------------------------------


def provenance_nodes(loaded: LoadedProject) -> set:
    """The resources that only record provenance: graph names, quotes, selectors."""
    data = loaded.data_graph()
    nodes: set = {
        g.identifier for g in loaded.data.graphs() if g.identifier != loaded.data.default_graph.identifier
    }
    nodes.update(o for o in data.objects(None, PROV.wasDerivedFrom) if isinstance(o, URIRef | BNode))
    for s, p, o in data:
        if str(p).startswith(str(OA)):
            nodes.add(s)
            if p == OA.hasSelector:
                nodes.add(o)
    return nodes


def is_provenance(triple: Triple, nodes: set) -> bool:
    s, p, _ = triple
    return s in nodes or p == PROV.wasDerivedFrom or str(p).startswith(str(OA))


def reasoning_input(loaded: LoadedProject) -> Graph:
    """Ontology plus data, without the provenance annotations."""
    nodes = provenance_nodes(loaded)
    graph = Graph()
    bind_prefixes(graph)
    for triple in loaded.ontology:
        graph.add(triple)
    for triple in loaded.data_graph():
        if not is_provenance(triple, nodes):
            graph.add(triple)
    return graph


def data_subjects(loaded: LoadedProject) -> frozenset:
    nodes = provenance_nodes(loaded)
    return frozenset(
        s for s in loaded.data_graph().subjects(unique=True) if isinstance(s, URIRef) and s not in nodes
    )


# --- the engines ------------------------------------------------------------------------------------------


def closure_reasonable(graph: Graph) -> Graph:
    import reasonable  # imported here: a Rust extension that only reasoning needs

    engine = reasonable.PyReasoner()
    engine.from_graph(graph)
    closure = Graph()
    bind_prefixes(closure)
    for s, p, o in engine.reason():
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))  # reasonable types plain literals; in RDF 1.1 they are the same term
        closure.add((s, p, o))
    for triple in graph:  # the closure holds the input; make sure of it whatever the engine returns
        closure.add(triple)
    return closure


def closure_owlrl(graph: Graph) -> tuple[Graph, list[str]]:
    """owlrl's OWL 2 RL closure (no axiomatic or datatype triples) and the clashes it reports."""
    from owlrl.OWLRL import OWLRL_Semantics

    closure = Graph()
    bind_prefixes(closure)
    for triple in graph:
        closure.add(triple)
    semantics = OWLRL_Semantics(closure, False, False, rdfs=False)
    semantics.closure()
    error_class = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
    for node in list(closure.subjects(RDF.type, error_class)):  # owlrl writes its messages into the graph
        closure.remove((node, None, None))
    return closure, sorted(semantics.error_messages)


def reason(loaded: LoadedProject, reasoner: Reasoner = Reasoner.REASONABLE) -> Reasoning:
    """Compute the closure with the chosen engine and look for clashes in it."""
    asserted = reasoning_input(loaded)
    if reasoner is Reasoner.OWLRL:
        closure, messages = closure_owlrl(asserted)
        clashes = [Clash("owlrl", message, iris_in(message)) for message in messages]
        clashes += list(nothing_members(closure))
    else:
        closure = closure_reasonable(asserted)
        clashes = find_clashes(closure)
    return Reasoning(reasoner, asserted, closure, data_subjects(loaded), clashes)


def iris_in(message: str) -> tuple[URIRef, ...]:
    """The IRIs an owlrl message names, last first (the individual comes last in owlrl's wording)."""
    return tuple(URIRef(iri) for iri in reversed(IRI_IN_TEXT.findall(message)))


# --- what is trivial --------------------------------------------------------------------------------------

TRIVIAL_OBJECTS = {
    (RDF.type, OWL.Thing),
    (RDF.type, RDFS.Resource),
    (RDFS.subClassOf, OWL.Thing),
    (RDFS.subClassOf, RDFS.Resource),
}
REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}


def is_trivial(triple: Triple) -> bool:
    s, p, o = triple
    if isinstance(s, BNode | Literal) or isinstance(o, BNode):
        return True
    return (p, o) in TRIVIAL_OBJECTS or (p in REFLEXIVE and s == o)


# --- the OWL 2 RL rules that conclude false ---------------------------------------------------------------


def members(graph: Graph, node, *properties: URIRef) -> list:
    """The members of an RDF list held by the first of the properties the node has."""
    for prop in properties:
        head = graph.value(node, prop)
        if head is not None:
            return list(Collection(graph, head))
    return []


def ordered(items: Iterable[Any]) -> list[Any]:
    """rdflib's nodes (and pairs of them) in rdflib's own order; its stubs type them as bare `Node`, which
    declares no ordering, though every node a graph yields is an ordered `Identifier`."""
    return sorted(cast("Iterable[str]", items))


def label(term) -> str:
    return term_text(term) if isinstance(term, URIRef) else str(term)


def nothing_members(graph: Graph) -> Iterator[Clash]:
    for x in ordered(graph.subjects(RDF.type, OWL.Nothing)):
        yield Clash("cls-nothing2", f"{label(x)} is a member of owl:Nothing", (x,))


def disjoint_pair(graph: Graph, rule: str, c1, c2) -> Iterator[Clash]:
    for x in ordered(set(graph.subjects(RDF.type, c1)) & set(graph.subjects(RDF.type, c2))):
        yield Clash(
            rule, f"{label(x)} is a member of disjoint classes {label(c1)} and {label(c2)}", (x, c1, c2)
        )


def disjoint_classes(graph: Graph) -> Iterator[Clash]:
    for c1, c2 in ordered(graph.subject_objects(OWL.disjointWith)):
        yield from disjoint_pair(graph, "cax-dw", c1, c2)
    for node in ordered(graph.subjects(RDF.type, OWL.AllDisjointClasses)):
        for c1, c2 in combinations(members(graph, node, OWL.members), 2):
            yield from disjoint_pair(graph, "cax-adc", c1, c2)
    for c1, c2 in ordered(graph.subject_objects(OWL.complementOf)):
        yield from disjoint_pair(graph, "cls-com", c1, c2)


def different_individuals(graph: Graph) -> Iterator[Clash]:
    for x, y in ordered(graph.subject_objects(OWL.differentFrom)):
        if x == y or (x, OWL.sameAs, y) in graph:
            yield Clash("eq-diff1", f"{label(x)} is both the same as and different from {label(y)}", (x, y))
    for node in ordered(graph.subjects(RDF.type, OWL.AllDifferent)):
        for x, y in combinations(members(graph, node, OWL.members, OWL.distinctMembers), 2):
            if x == y or (x, OWL.sameAs, y) in graph:
                yield Clash(
                    "eq-diff2", f"{label(x)} and {label(y)} are declared all different but the same", (x, y)
                )


def property_characteristics(graph: Graph) -> Iterator[Clash]:
    for p in ordered(graph.subjects(RDF.type, OWL.IrreflexiveProperty)):
        for x, y in ordered(graph.subject_objects(p)):
            if x == y:
                yield Clash("prp-irp", f"{label(x)} relates to itself by irreflexive {label(p)}", (x, p))
    for p in ordered(graph.subjects(RDF.type, OWL.AsymmetricProperty)):
        for x, y in ordered(graph.subject_objects(p)):
            if (y, p, x) in graph:
                yield Clash(
                    "prp-asyp",
                    f"{label(x)} and {label(y)} relate both ways by asymmetric {label(p)}",
                    (x, y, p),
                )


def disjoint_property_pair(graph: Graph, rule: str, p1, p2) -> Iterator[Clash]:
    for x, y in ordered(graph.subject_objects(p1)):
        if (x, p2, y) in graph:
            yield Clash(
                rule,
                f"{label(x)} relates to {label(y)} by disjoint properties {label(p1)} and {label(p2)}",
                (x, y, p1, p2),
            )


def disjoint_properties(graph: Graph) -> Iterator[Clash]:
    for p1, p2 in ordered(graph.subject_objects(OWL.propertyDisjointWith)):
        yield from disjoint_property_pair(graph, "prp-pdw", p1, p2)
    for node in ordered(graph.subjects(RDF.type, OWL.AllDisjointProperties)):
        for p1, p2 in combinations(members(graph, node, OWL.members), 2):
            yield from disjoint_property_pair(graph, "prp-adp", p1, p2)


def zero_cardinality(graph: Graph) -> Iterator[Clash]:
    for restriction, value in ordered(graph.subject_objects(OWL.maxCardinality)):
        if not (isinstance(value, Literal) and str(value) == "0"):
            continue
        prop = graph.value(restriction, OWL.onProperty)
        for x in ordered(graph.subjects(RDF.type, restriction)):
            if prop is not None and graph.value(x, prop) is not None:
                yield Clash(
                    "cls-maxc1", f"{label(x)} has a value for {label(prop)}, which allows none", (x, prop)
                )


def negative_assertions(graph: Graph) -> Iterator[Clash]:
    for node in ordered(graph.subjects(RDF.type, OWL.NegativePropertyAssertion)):
        x = graph.value(node, OWL.sourceIndividual)
        p = graph.value(node, OWL.assertionProperty)
        y = graph.value(node, OWL.targetIndividual) or graph.value(node, OWL.targetValue)
        if None not in (x, p, y) and (x, p, y) in graph:
            yield Clash("prp-npa", f"{label(x)} {label(p)} {label(y)} is asserted and denied", (x, p))


RULES: tuple[Callable[[Graph], Iterable[Clash]], ...] = (
    nothing_members,
    disjoint_classes,
    different_individuals,
    property_characteristics,
    disjoint_properties,
    zero_cardinality,
    negative_assertions,
)


def find_clashes(closure: Graph) -> list[Clash]:
    """Every OWL 2 RL inconsistency in a closure, in a stable order."""
    clashes: list[Clash] = []
    for rule in RULES:
        clashes.extend(rule(closure))
    return list(dict.fromkeys(clashes))
