"""OWL 2 RL reasoning: the entailments of ontology + data, and whether they are consistent.

Reasoning runs over the ontology and the data *without* the provenance annotations (the quote and selector
resources, `oa:` statements, `prov:wasDerivedFrom` and the named-graph descriptions): they say where a
statement comes from, not what the world is like, and they are about half of the triples, so leaving them out
keeps the closure small and fast.

Three engines compute the same OWL 2 RL rule set:

- `store` (the default): the rules compiled from the ontology and evaluated as SPARQL UPDATE on a pyoxigraph
  store, to a fixpoint (`tipkg.rules`). Nothing crosses into Python but the schema and the entailments, so it
  scales with the store (a million triples in seconds).
- `reasonable` (Rust): the closure of rdflib graphs; about 40x faster than owlrl, but the graphs it needs are
  what makes it slow at scale.
- `owlrl` (pure Python, the reference): reports the clashes itself (`error_messages`); we add its
  `owl:Nothing` members.

`store` and `reasonable` report no inconsistency themselves: `find_clashes` checks the OWL 2 RL rules whose
conclusion is *false* (cls-nothing2, cax-dw, cax-adc, eq-diff1..2, prp-irp, prp-asyp, prp-pdw, prp-adp,
cls-com, cls-maxc1, prp-npa) on the closure, with the same SELECTs for both.

`inferred` is what reasoning adds to the data: closure minus the asserted triples, restricted to subjects of
the data, without blank nodes and without the trivia every OWL 2 RL closure holds (`x a owl:Thing`,
`x owl:sameAs x`, ...). It is what `dist/inferred.ttl` publishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from tipkg import rules
from tipkg.load import LoadedProject
from tipkg.rules import Clash
from tipkg.terms import from_ox, to_ox
from tipkg.vocab import OA, bind_prefixes

__all__ = ["Clash", "Reasoner", "Reasoning", "find_clashes", "reason", "reasoning_input"]

Triple = tuple
IRI_IN_TEXT = re.compile(r"https?://[^\s,()<>]+")


class Reasoner(str, Enum):
    """Which OWL 2 RL engine computes the closure."""

    STORE = "store"
    REASONABLE = "reasonable"
    OWLRL = "owlrl"


DEFAULT_REASONER = Reasoner.STORE


@dataclass(frozen=True)
class StoredClosure:
    """The size of a closure that stayed in a store (the store engine's)."""

    size: int

    def __len__(self) -> int:
        return self.size


@dataclass
class Reasoning:
    """What reasoning found: the entailments it publishes, the clashes, and the size of the closure."""

    reasoner: Reasoner
    entailments: list[ox.Triple]
    clashes: list[Clash] = field(default_factory=list)
    closure_size: int = 0
    graph: Graph | None = field(default=None, repr=False)  # the rdflib closure (reasonable, owlrl)
    _inferred: Graph | None = field(default=None, repr=False)

    @property
    def consistent(self) -> bool:
        return not self.clashes

    @property
    def closure(self) -> Graph | StoredClosure:
        """The closure: the rdflib graph (reasonable, owlrl), or only its size (store: the closure stays in
        the engine's store, freed with it). `len()` works on both."""
        return self.graph if self.graph is not None else StoredClosure(self.closure_size)

    def __getstate__(self) -> dict:
        """Pickled (from a budget's child process) with the entailments as one N-Triples text: pickling
        pyoxigraph triples one by one took seconds at a million triples. They hold no blank node, so
        nothing is relabelled on the way."""
        state = dict(self.__dict__)
        state["entailments"] = ox.serialize(self.entailments, format=ox.RdfFormat.N_TRIPLES)
        return state

    def __setstate__(self, state: dict) -> None:
        state["entailments"] = [quad.triple for quad in ox.parse(state["entailments"],
                                                                format=ox.RdfFormat.N_TRIPLES)]
        self.__dict__.update(state)

    def inferred(self) -> Graph:
        """Entailed, not asserted, about the data's subjects, without trivia or blank nodes (an rdflib view of
        `entailments`, made on first use and shared: do not change it)."""
        if self._inferred is None:
            graph = Graph()
            bind_prefixes(graph)
            for t in self.entailments:
                graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
            self._inferred = graph
        return self._inferred


# --- the input --------------------------------------------------------------------------------------------


def provenance_nodes(loaded: LoadedProject) -> set:
    """The resources that only record provenance: graph names, quotes, selectors (`tipkg.rules`)."""
    return {from_ox(node) for node in rules.provenance_nodes(loaded.store)}


def is_provenance(triple: Triple, nodes: set) -> bool:
    s, p, _ = triple
    return s in nodes or p == PROV.wasDerivedFrom or str(p).startswith(str(OA))


def reasoning_input(loaded: LoadedProject) -> Graph:
    """Ontology plus data, without the provenance annotations (the rdflib engines' input)."""
    nodes = provenance_nodes(loaded)
    graph = Graph()
    bind_prefixes(graph)
    for triple in loaded.ontology:
        graph.add(triple)
    for triple in loaded.data_graph():
        if not is_provenance(triple, nodes):
            graph.add(triple)
    return graph


def ontology_triples(loaded: LoadedProject) -> list[ox.Triple]:
    return [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in loaded.ontology]  # type: ignore[arg-type]


# --- the rdflib engines -----------------------------------------------------------------------------------


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


def asserted_as_string(asserted: Graph, triple: Triple) -> bool:
    """A plain literal asserted as xsd:string (the same RDF 1.1 term, which rdflib tells apart)."""
    s, p, o = triple
    plain = isinstance(o, Literal) and o.datatype is None and o.language is None
    return plain and (s, p, Literal(str(o), datatype=XSD.string)) in asserted


def entailments_of(loaded: LoadedProject, asserted: Graph, closure: Graph) -> list[ox.Triple]:
    """What an rdflib engine entails and tipkg publishes: its closure less the input, in a store, through
    the one definition (`tipkg.rules.published`)."""
    derived = Graph()
    for triple in closure:
        if triple not in asserted and not asserted_as_string(asserted, triple):
            derived.add(triple)
    return rules.published(rules.closure_of(derived), loaded.store)


def reason(loaded: LoadedProject, reasoner: Reasoner = DEFAULT_REASONER) -> Reasoning:
    """Compute the closure with the chosen engine and look for clashes in it."""
    if reasoner is Reasoner.STORE:
        outcome = rules.run(loaded.store, ontology_triples(loaded))
        return Reasoning(reasoner, outcome.entailments, outcome.clashes, outcome.closure_size)
    asserted = reasoning_input(loaded)
    if reasoner is Reasoner.OWLRL:
        closure, messages = closure_owlrl(asserted)
        clashes = [Clash("owlrl", message, iris_in(message)) for message in messages]
        clashes += list(rules.nothing_members(rules.closure_of(closure)))
    else:
        closure = closure_reasonable(asserted)
        clashes = find_clashes(closure)
    entailments = entailments_of(loaded, asserted, closure)
    return Reasoning(reasoner, entailments, clashes, len(closure), graph=closure)


def iris_in(message: str) -> tuple[URIRef, ...]:
    """The IRIs an owlrl message names, last first (the individual comes last in owlrl's wording)."""
    return tuple(URIRef(iri) for iri in reversed(IRI_IN_TEXT.findall(message)))


def find_clashes(closure: Graph) -> list[Clash]:
    """Every OWL 2 RL inconsistency in an rdflib closure, in a stable order (`tipkg.rules.find_clashes`)."""
    return rules.find_clashes(rules.closure_of(closure))
