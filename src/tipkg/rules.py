"""OWL 2 RL evaluated on a pyoxigraph store: the `store` engine of `tipkg.reason`, and the clash queries that
every engine's closure is checked with.

How the store engine works (`run`):

1. The reasoning input goes into a work store of its own, filtered by the data store itself: the data's
   triples (every graph merged) without provenance (see `tipkg.reason`) in `INPUT`, plus the ontology.
2. The schema (the TBox: subclass, subproperty, domain, range, inverse, property characteristics,
   restrictions and the RDF lists they use) is read from the input and closed by `reasonable` (it is small:
   the scm-* rules). What the closure adds goes in as derived triples.
3. The ABox rules that can fire are compiled from the closed schema: one SPARQL UPDATE per rule, its TBox
   side a VALUES table (`Compiler`). The rules with one atom on a property (prp-spo1, prp-eqp, prp-inv,
   prp-symp, prp-dom, prp-rng) and cax-sco are composed per property at compile time, so that one round
   derives all they entail; prp-trp closes chains with a property path. Blank nodes of the schema cannot be
   written in SPARQL; they are reached through `TERMS` (an IRI key per blank node), so that a restriction
   `[ owl:onProperty ... ]` works as a class does.
4. The rules run to a fixpoint, semi-naively. Round k inserts what the rules derive and the closure (`INPUT`
   and the graphs of the rounds before) lacks into two graphs of its own, `WORK/k/composed` (the composed
   rules') and `WORK/k/joined` (the others'). Round 1 reads the whole closure; after it, one body atom of a
   rule reads the last round's graphs (a composed rule: only the joined one) and the others the closure.
   The round that derives nothing ends it; no triple is ever copied from graph to graph. If the closure
   gained schema triples (a property typed transitive by a rule, say), the rules are compiled again and
   run again over everything.
5. The entailments tipkg publishes are read from the round graphs (`published`: one definition for every
   engine), and the clashes are the SELECTs of `find_clashes` on the closure.

The store holds no generalised triple (`"text" p x`); like owlrl and reasonable, the composed rules reason
through them (`x q "text"` with q the inverse of p gives x the range of p), but a rule with two atoms or
more cannot join on one.

Every term in the SPARQL text is written by pyoxigraph (`str(term)`); nothing is pasted from a file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS
from rdflib.term import Node

from tipkg.terms import from_ox, term_text, to_ox
from tipkg.vocab import ID, OA

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Resource = ox.NamedNode | ox.BlankNode
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


def iri(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(term))


# --- vocabulary -------------------------------------------------------------------------------------------

TYPE, FIRST, REST, NIL = iri(RDF.type), iri(RDF.first), iri(RDF.rest), iri(RDF.nil)
SUBCLASS, SUBPROPERTY = iri(RDFS.subClassOf), iri(RDFS.subPropertyOf)
DOMAIN, RANGE, RESOURCE = iri(RDFS.domain), iri(RDFS.range), iri(RDFS.Resource)
THING, NOTHING = iri(OWL.Thing), iri(OWL.Nothing)
SAME_AS, DIFFERENT_FROM = iri(OWL.sameAs), iri(OWL.differentFrom)
EQUIVALENT_CLASS, EQUIVALENT_PROPERTY = iri(OWL.equivalentClass), iri(OWL.equivalentProperty)
INVERSE_OF = iri(OWL.inverseOf)
INTERSECTION_OF, UNION_OF, ONE_OF = iri(OWL.intersectionOf), iri(OWL.unionOf), iri(OWL.oneOf)
SOME_VALUES_FROM, ALL_VALUES_FROM = iri(OWL.someValuesFrom), iri(OWL.allValuesFrom)
HAS_VALUE, ON_PROPERTY, ON_CLASS = iri(OWL.hasValue), iri(OWL.onProperty), iri(OWL.onClass)
MAX_CARDINALITY, MAX_QUALIFIED_CARDINALITY = iri(OWL.maxCardinality), iri(OWL.maxQualifiedCardinality)
PROPERTY_CHAIN, HAS_KEY = iri(OWL.propertyChainAxiom), iri(OWL.hasKey)
DISJOINT_WITH, COMPLEMENT_OF = iri(OWL.disjointWith), iri(OWL.complementOf)
PROPERTY_DISJOINT_WITH = iri(OWL.propertyDisjointWith)
MEMBERS, DISTINCT_MEMBERS = iri(OWL.members), iri(OWL.distinctMembers)
TRANSITIVE, SYMMETRIC = iri(OWL.TransitiveProperty), iri(OWL.SymmetricProperty)
ASYMMETRIC, IRREFLEXIVE = iri(OWL.AsymmetricProperty), iri(OWL.IrreflexiveProperty)
FUNCTIONAL, INVERSE_FUNCTIONAL = iri(OWL.FunctionalProperty), iri(OWL.InverseFunctionalProperty)
ALL_DISJOINT_CLASSES, ALL_DISJOINT_PROPERTIES = iri(OWL.AllDisjointClasses), iri(OWL.AllDisjointProperties)
ALL_DIFFERENT, NEGATIVE_ASSERTION = iri(OWL.AllDifferent), iri(OWL.NegativePropertyAssertion)
SOURCE_INDIVIDUAL, ASSERTION_PROPERTY = iri(OWL.sourceIndividual), iri(OWL.assertionProperty)
TARGET_INDIVIDUAL, TARGET_VALUE = iri(OWL.targetIndividual), iri(OWL.targetValue)
WAS_DERIVED_FROM, HAS_SELECTOR = iri(PROV.wasDerivedFrom), iri(OA.hasSelector)
OA_NAMESPACE = ox.Literal(str(OA))

# The schema: triples with these predicates, types that are OWL/RDFS meta-classes, and the RDF lists that
# list-valued schema predicates point to.
LIST_PREDICATES = (INTERSECTION_OF, UNION_OF, ONE_OF, PROPERTY_CHAIN, HAS_KEY, MEMBERS)
SCHEMA_PREDICATES = (SUBCLASS, SUBPROPERTY, DOMAIN, RANGE, EQUIVALENT_CLASS, EQUIVALENT_PROPERTY, INVERSE_OF,
                     SOME_VALUES_FROM, ALL_VALUES_FROM, HAS_VALUE, ON_PROPERTY, ON_CLASS, MAX_CARDINALITY,
                     MAX_QUALIFIED_CARDINALITY, DISJOINT_WITH, COMPLEMENT_OF, PROPERTY_DISJOINT_WITH,
                     *LIST_PREDICATES)
META_CLASSES = tuple(iri(c) for c in (
    OWL.Class, RDFS.Class, OWL.Restriction, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty,
    OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.AllDisjointClasses,
    OWL.AllDisjointProperties))
TRIVIAL_CLASSES = frozenset({THING, RESOURCE})

# --- the work store's graphs ------------------------------------------------------------------------------

INPUT = iri(ID["graph/reasoning-input"])  # ontology + data without provenance: what reasoning starts from
WORK = iri(ID["graph/inferred-work"])  # round k derives into WORK/k (never a triple of the closure before)
TERMS = iri(ID["graph/reasoning-terms"])  # an IRI key for each blank node a compiled rule names
IS = iri(ID["graph/reasoning-terms/is"])


# --- provenance: the resources reasoning leaves out (one definition, for every engine) ----------------------

def any_graph(pattern: str) -> str:
    """A triple pattern matched in the default graph or any named graph of the data store."""
    return f"{{ {pattern} }} UNION {{ GRAPH ?anyGraph {{ {pattern} }} }}"


# The oa: properties a store uses (found once: a scan of its predicates, not a string test per triple).
OA_PREDICATES = f"""SELECT ?p WHERE {{ {{ SELECT DISTINCT ?p WHERE {{ {any_graph("?s ?p ?o")} }} }}
  FILTER(STRSTARTS(STR(?p), {OA_NAMESPACE})) }}"""


@dataclass(frozen=True)
class Provenance:
    """What records provenance in a data store, as SPARQL: the predicates prov:wasDerivedFrom and every oa:
    property, and the resources graph names, objects of prov:wasDerivedFrom, subjects of oa: statements and
    objects of oa:hasSelector."""

    predicates: tuple[ox.NamedNode, ...]

    @classmethod
    def of(cls, store: ox.Store) -> Provenance:
        found = cast(ox.QuerySolutions, store.query(OA_PREDICATES))
        return cls((WAS_DERIVED_FROM, *sorted((cast(ox.NamedNode, row["p"]) for row in found), key=str)))

    @property
    def node_pattern(self) -> str:
        oa = " ".join(str(p) for p in self.predicates if p != WAS_DERIVED_FROM)
        return f"""
  {{ GRAPH ?node {{ }} }}
  UNION {{ {any_graph(f"?holder {WAS_DERIVED_FROM} ?node")} FILTER(!isLiteral(?node)) }}
  UNION {{ VALUES ?oaProperty {{ {oa} }} {any_graph("?node ?oaProperty ?oaValue")} }}
  UNION {{ {any_graph(f"?holder {HAS_SELECTOR} ?node")} FILTER(!isLiteral(?node)) }}"""

    @property
    def nodes(self) -> str:
        return f"SELECT DISTINCT ?node WHERE {{ {self.node_pattern} }}"

    @property
    def reasoning_data(self) -> str:
        """The data (every graph merged) less the provenance statements and the provenance resources'."""
        return f"""SELECT ?s ?p ?o WHERE {{
  {{ {any_graph("?s ?p ?o")} FILTER(?p NOT IN ({", ".join(str(p) for p in self.predicates)})) }}
  MINUS {{ SELECT DISTINCT (?node AS ?s) WHERE {{ {self.node_pattern} }} }}
}}"""


def provenance_nodes(store: ox.Store, provenance: Provenance | None = None) -> list[Resource]:
    """The provenance resources of a data store (see `tipkg.reason`)."""
    query = (provenance or Provenance.of(store)).nodes
    return [cast(Resource, row["node"])
            for row in cast(ox.QuerySolutions, store.query(query))]


# --- compiled rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A property path over one property, `p*` or `p+`; read from the whole closure, never from a delta."""

    prop: ox.NamedNode
    op: str

    def __str__(self) -> str:
        return f"{self.prop}{self.op}"


Slot = Term | ox.Variable
Atom = tuple[Slot, Slot | Path, Slot]


def v(name: str) -> ox.Variable:
    return ox.Variable(name)


class Terms:
    """Keys for the terms a compiled rule cannot write in SPARQL (blank nodes): the TERMS graph maps each key
    (an IRI) to its term, and the rule binds a variable through it."""

    def __init__(self) -> None:
        self.keys: dict[Term, ox.NamedNode] = {}
        self.stored = 0

    def key(self, term: Term) -> ox.NamedNode:
        if term not in self.keys:
            self.keys[term] = iri(f"{TERMS.value}/{len(self.keys)}")
        return self.keys[term]

    def pending(self) -> list[ox.Quad]:
        """The key triples not yet in the store (every rule rendered so far may use them)."""
        quads = [ox.Quad(key, IS, term, TERMS) for term, key in list(self.keys.items())[self.stored:]]
        self.stored = len(self.keys)
        return quads


@dataclass(frozen=True)
class Rule:
    """One OWL 2 RL rule: a head triple pattern, body atoms and an optional VALUES table of its TBox side."""

    name: str
    head: Atom
    body: tuple[Atom, ...]
    columns: tuple[ox.Variable, ...] = ()
    rows: tuple[tuple[Term, ...], ...] = ()
    distinct: tuple[tuple[ox.Variable, ox.Variable], ...] = ()  # FILTER(!sameTerm(a, b))
    naive_body: tuple[Atom, ...] = ()  # what a round over the whole closure evaluates, when not `body`
    composed: bool = False  # its heads are closed under the one-atom rules (see `Compiler.one_atom`)

    def update(self, terms: Terms, closure: Sequence[ox.NamedNode], delta: Sequence[ox.NamedNode],
               target: ox.NamedNode) -> str:
        """The SPARQL UPDATE that inserts into `target` what the rule derives and the closure (the merge of
        the `closure` graphs) lacks. `delta`: the graphs one body atom must come from (none: naive)."""
        bindings: list[str] = []
        constants: dict[ox.BlankNode, ox.Variable] = {}

        def text(slot: Slot | Path) -> str:
            if isinstance(slot, ox.BlankNode):  # a blank node of the schema, bound through TERMS
                if slot not in constants:
                    constants[slot] = v(f"blank{len(constants)}")
                    bindings.append(f"GRAPH {TERMS} {{ {terms.key(slot)} {IS} {constants[slot]} }}")
                return str(constants[slot])
            return str(slot)

        def atom(a: Atom) -> str:
            return f"{text(a[0])} {text(a[1])} {text(a[2])} ."

        values = self.values(terms, bindings)
        if not delta:
            where = " ".join(atom(a) for a in self.naive_body or self.body)
        else:
            graph = (f"GRAPH {delta[0]}" if len(delta) == 1 else
                     f"VALUES ?deltaGraph {{ {' '.join(str(g) for g in delta)} }} GRAPH ?deltaGraph")
            plain = [atom(a) for a in self.body]
            variants = []
            for i, a in enumerate(self.body):
                if not isinstance(a[1], Path):
                    parts = [f"{graph} {{ {one} }}" if j == i else one for j, one in enumerate(plain)]
                    variants.append("{ " + " ".join(parts) + " }")
            where = " UNION ".join(variants)
        filters = "".join(f" FILTER(!sameTerm({a}, {b}))" for a, b in self.distinct)
        head = atom(self.head)
        using = " ".join(f"USING {g}" for g in closure)
        named = "".join(f" USING NAMED {g}" for g in (*delta, TERMS))
        return (f"# {self.name}\nINSERT {{ GRAPH {target} {{ {head} }} }}\n{using}{named}\n"
                f"WHERE {{ {values} {' '.join(bindings)} {where}{filters} FILTER NOT EXISTS {{ {head} }} }}")

    def values(self, terms: Terms, bindings: list[str]) -> str:
        """The VALUES block; a column that holds blank nodes holds keys instead, bound through TERMS."""
        if not self.columns:
            return ""
        keyed = [any(isinstance(row[i], ox.BlankNode) for row in self.rows) for i in range(len(self.columns))]
        heads = []
        for column, through_terms in zip(self.columns, keyed, strict=True):
            if through_terms:
                key = v(f"{column.value}Key")
                heads.append(str(key))
                bindings.append(f"GRAPH {TERMS} {{ {key} {IS} {column} }}")
            else:
                heads.append(str(column))
        rows = " ".join("(" + " ".join(str(terms.key(cell) if through_terms else cell)
                                       for cell, through_terms in zip(row, keyed, strict=True)) + ")"
                        for row in self.rows)
        return f"VALUES ({' '.join(heads)}) {{ {rows} }}"


# --- the schema, read and closed once ----------------------------------------------------------------------


class Schema:
    """The closed TBox: its triples indexed by predicate and by subject, and its RDF lists."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.triples = frozenset(triples)
        self.by_predicate: dict[ox.NamedNode, list[tuple[Any, Any]]] = defaultdict(list)
        self.values: dict[tuple[Any, ox.NamedNode], list[Any]] = defaultdict(list)
        for t in sorted(self.triples, key=str):
            self.by_predicate[t.predicate].append((t.subject, t.object))
            self.values[(t.subject, t.predicate)].append(t.object)

    def pairs(self, predicate: ox.NamedNode) -> list[tuple[Any, Any]]:
        return self.by_predicate.get(predicate, [])

    def both_ways(self, predicate: ox.NamedNode) -> list[tuple[Any, Any]]:
        return self.pairs(predicate) + [(b, a) for a, b in self.pairs(predicate)]

    def typed(self, cls: ox.NamedNode) -> list[ox.NamedNode]:
        """The IRIs typed `cls` (properties with a characteristic; a blank node is no property)."""
        return [s for s, o in self.pairs(TYPE) if o == cls and isinstance(s, ox.NamedNode)]

    def value(self, subject: Any, predicate: ox.NamedNode) -> Any:
        found = self.values.get((subject, predicate))
        return found[0] if found else None

    def members(self, head: Any) -> list[Any]:
        """The items of an RDF list; none when it is not a well-formed list."""
        items: list[Any] = []
        seen = set()
        while head != NIL:
            if head in seen or self.value(head, FIRST) is None or self.value(head, REST) is None:
                return []
            seen.add(head)
            items.append(self.value(head, FIRST))
            head = self.value(head, REST)
        return items

    def on_property(self, restriction: Any) -> ox.NamedNode | None:
        prop = self.value(restriction, ON_PROPERTY)
        return prop if isinstance(prop, ox.NamedNode) else None


def reachable(edges: Iterable[tuple[Any, Any]]) -> dict[Any, set[Any]]:
    """For each node with an edge, the nodes reachable by one edge or more."""
    graph: dict[Any, set[Any]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    closure: dict[Any, set[Any]] = {}
    for start in list(graph):
        seen: set[Any] = set()
        todo = list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        closure[start] = seen
    return closure


def is_one(term: Any) -> bool:
    """A cardinality of 1 (`1`, `"1"^^xsd:nonNegativeInteger`, ...)."""
    try:
        return isinstance(term, ox.Literal) and int(term.value) == 1
    except ValueError:
        return False


x, y, z, y1, y2 = v("x"), v("y"), v("z"), v("y1"), v("y2")
c, d, p, q, r, w = v("c"), v("d"), v("p"), v("q"), v("r"), v("w")


class Compiler:
    """The ABox rules that can fire under a closed schema (`compile_rules`)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.rules: list[Rule] = []
        self.facts: list[ox.Triple] = []
        # the class hierarchy: subClassOf, equivalentClass both ways, an intersection below each of its
        # members (cls-int2), a union above each of its members (cls-uni)
        self.intersections = [(cls, items) for cls, head in schema.pairs(INTERSECTION_OF)
                              if (items := schema.members(head))]
        edges = schema.pairs(SUBCLASS) + schema.both_ways(EQUIVALENT_CLASS)
        edges += [(cls, item) for cls, items in self.intersections for item in items]
        edges += [(item, cls) for cls, head in schema.pairs(UNION_OF) for item in schema.members(head)]
        self.superclasses = reachable(edges)
        # the property hierarchy: subPropertyOf, equivalentProperty both ways
        self.superproperties = reachable(schema.pairs(SUBPROPERTY) + schema.both_ways(EQUIVALENT_PROPERTY))
        # typing with owl:Thing or rdfs:Resource is trivia, unless a rule or a clash query reads it
        self.read_classes = {cls for cls, ups in self.superclasses.items() if ups - TRIVIAL_CLASSES}
        self.read_classes |= {item for _, items in self.intersections for item in items}
        self.read_classes |= {cls for pair in schema.pairs(DISJOINT_WITH) + schema.pairs(COMPLEMENT_OF)
                              for cls in pair}
        self.read_classes |= {cls for node in schema.typed(ALL_DISJOINT_CLASSES)
                              for cls in schema.members(schema.value(node, MEMBERS))}
        self.read_classes |= {cls for cls, _ in schema.pairs(HAS_KEY)}

    def up(self, cls: Any) -> set[Any]:
        """The class and its superclasses that a rule should type with (cax-sco folded in)."""
        return {d for d in {cls} | self.superclasses.get(cls, set()) if self.types_with(d)}

    def up_property(self, prop: Any) -> set[Any]:
        return {prop} | self.superproperties.get(prop, set())

    def types_with(self, cls: Any) -> bool:
        return isinstance(cls, ox.NamedNode | ox.BlankNode) and (
            cls not in TRIVIAL_CLASSES or cls in self.read_classes)

    def table(self, name: str, head: Atom, body: tuple[Atom, ...], columns: tuple[ox.Variable, ...],
              rows: Iterable[tuple[Any, ...]], distinct: tuple[tuple[ox.Variable, ox.Variable], ...] = (),
              composed: bool = False) -> None:
        """A rule whose TBox side is a VALUES table; not compiled when the table is empty."""
        unique = tuple(sorted(set(rows), key=lambda row: tuple(str(t) for t in row)))
        if unique:
            self.rules.append(Rule(name, head, body, columns, unique, distinct, composed=composed))

    def compile(self) -> tuple[list[Rule], list[ox.Triple]]:
        self.hierarchies()
        self.characteristics()
        self.restrictions()
        self.axioms()
        return self.rules, self.facts

    def hierarchies(self) -> None:
        """cax-sco, and the rules with one atom on a property, composed (`one_atom`)."""
        # cax-sco, cax-eqc1/2, cls-int2, cls-uni: x a C -> x a D for every superclass D
        self.table("cax-sco", (x, TYPE, d), ((x, TYPE, c),), (c, d),
                   ((a, b) for a in self.superclasses for b in self.up(a) if b != a), composed=True)
        s = self.schema
        props = set(self.superproperties) | {a for pair in s.pairs(INVERSE_OF) for a in pair}
        props |= set(s.typed(SYMMETRIC)) | {a for a, _ in s.pairs(DOMAIN) + s.pairs(RANGE)}
        rows: dict[str, set[tuple[Any, Any]]] = defaultdict(set)
        for prop in (a for a in props if isinstance(a, ox.NamedNode)):
            for shape, found in self.one_atom(prop).items():
                rows[shape] |= {(prop, b) for b in found}
        self.table("prp-spo1", (x, q, y), ((x, p, y),), (p, q), rows["forward"], composed=True)
        self.table("prp-inv", (y, q, x), ((x, p, y),), (p, q), rows["backward"], composed=True)
        self.table("prp-dom", (x, TYPE, c), ((x, p, y),), (p, c), rows["x types"], composed=True)
        self.table("prp-rng", (y, TYPE, c), ((x, p, y),), (p, c), rows["y types"], composed=True)

    def one_atom(self, prop: ox.NamedNode) -> dict[str, set[Any]]:
        """What `x prop y` entails by the rules with one atom on a property (prp-spo1, prp-eqp1/2,
        prp-inv1/2, prp-symp, prp-dom, prp-rng, and cax-sco on what they type): the properties relating x
        to y ("forward") and y to x ("backward"), the classes of x and of y. Composed, so that what these
        rules derive in a round needs no second round. Through generalised triples too, as the OWL 2 RL
        rules are (`x p "text"` with p the inverse of q entails the range of q for x, though `"text" q x`
        is no RDF triple and no store holds it)."""
        s = self.schema
        domains: dict[Any, set[Any]] = defaultdict(set)
        ranges: dict[Any, set[Any]] = defaultdict(set)
        for a, cls in s.pairs(DOMAIN):
            domains[a] |= self.up(cls)
        for a, cls in s.pairs(RANGE):
            ranges[a] |= self.up(cls)
        inverses: dict[Any, set[Any]] = defaultdict(set)
        for a, b in s.both_ways(INVERSE_OF):
            inverses[a].add(b)
        symmetric = set(s.typed(SYMMETRIC))
        found: dict[str, set[Any]] = {"forward": set(), "backward": set(), "x types": set(), "y types": set()}
        seen = {("x", prop)}  # ("x", q): x q y holds; ("y", q): y q x holds
        todo = [("x", prop)]
        while todo:
            subject, held = todo.pop()
            other = "y" if subject == "x" else "x"
            found["forward" if subject == "x" else "backward"].add(held)
            found[f"{subject} types"] |= domains.get(held, set())
            found[f"{other} types"] |= ranges.get(held, set())
            following = [(subject, b) for b in self.superproperties.get(held, ())]
            following += [(other, b) for b in inverses.get(held, ())]
            following += [(other, held)] if held in symmetric else []
            for step in following:
                if isinstance(step[1], ox.NamedNode) and step not in seen:
                    seen.add(step)
                    todo.append(step)
        found["forward"].discard(prop)
        return found

    def characteristics(self) -> None:
        s = self.schema
        # prp-trp: a path closes each chain through a new link in one pass (the first round: p+)
        for prop in sorted(set(s.typed(TRANSITIVE)), key=str):
            self.rules.append(Rule("prp-trp", (x, prop, z),
                                   ((x, Path(prop, "*"), y1), (y1, prop, y2), (y2, Path(prop, "*"), z)),
                                   naive_body=((x, Path(prop, "+"), z),)))
        # prp-fp, prp-ifp
        self.table("prp-fp", (y1, SAME_AS, y2), ((x, p, y1), (x, p, y2)), (p,),
                   ((a,) for a in s.typed(FUNCTIONAL)), distinct=((y1, y2),))
        self.table("prp-ifp", (y1, SAME_AS, y2), ((y1, p, x), (y2, p, x)), (p,),
                   ((a,) for a in s.typed(INVERSE_FUNCTIONAL)), distinct=((y1, y2),))

    def restrictions(self) -> None:
        s = self.schema
        # cls-hv1/2
        has_value = [(res, prop, value) for res, value in s.pairs(HAS_VALUE)
                     if (prop := s.on_property(res)) is not None]
        self.table("cls-hv1", (x, p, w), ((x, TYPE, r),), (r, p, w), has_value)
        self.table("cls-hv2", (x, TYPE, r), ((x, p, w),), (r, p, w), has_value)
        # cls-svf1/2
        some = [(res, prop, filler) for res, filler in s.pairs(SOME_VALUES_FROM)
                if (prop := s.on_property(res)) is not None]
        self.table("cls-svf1", (x, TYPE, r), ((x, p, y), (y, TYPE, c)), (r, p, c),
                   ((res, prop, filler) for res, prop, filler in some if filler != THING))
        self.table("cls-svf2", (x, TYPE, r), ((x, p, y),), (r, p),
                   ((res, prop) for res, prop, filler in some if filler == THING))
        # cls-avf
        self.table("cls-avf", (y, TYPE, c), ((x, TYPE, r), (x, p, y)), (r, p, c),
                   ((res, prop, filler) for res, filler in s.pairs(ALL_VALUES_FROM)
                    if (prop := s.on_property(res)) is not None and self.types_with(filler)))
        # cls-maxc2, cls-maxqc3/4: at most one value (of a class)
        at_most_one = [(res, prop) for res, n in s.pairs(MAX_CARDINALITY)
                       if is_one(n) and (prop := s.on_property(res)) is not None]
        qualified = [(res, prop, cls) for res, n in s.pairs(MAX_QUALIFIED_CARDINALITY)
                     if is_one(n) and (prop := s.on_property(res)) is not None
                     and (cls := s.value(res, ON_CLASS)) is not None]
        self.table("cls-maxc2", (y1, SAME_AS, y2), ((x, TYPE, r), (x, p, y1), (x, p, y2)), (r, p),
                   at_most_one + [(res, prop) for res, prop, cls in qualified if cls == THING],
                   distinct=((y1, y2),))
        self.table("cls-maxqc3", (y1, SAME_AS, y2),
                   ((x, TYPE, r), (x, p, y1), (y1, TYPE, c), (x, p, y2), (y2, TYPE, c)), (r, p, c),
                   ((res, prop, cls) for res, prop, cls in qualified if cls != THING), distinct=((y1, y2),))

    def axioms(self) -> None:
        """The rules with a body of its own per axiom: cls-int1, prp-spo2, prp-key; and cls-oo's facts."""
        s = self.schema
        for cls, items in self.intersections:
            self.rules.append(Rule("cls-int1", (x, TYPE, cls), tuple((x, TYPE, item) for item in items)))
        for prop, head in s.pairs(PROPERTY_CHAIN):
            chain = s.members(head)
            if isinstance(prop, ox.NamedNode) and chain and all(isinstance(k, ox.NamedNode) for k in chain):
                hops = [v(f"u{i}") for i in range(len(chain) + 1)]
                self.rules.append(Rule("prp-spo2", (hops[0], prop, hops[-1]),
                                       tuple((hops[i], link, hops[i + 1]) for i, link in enumerate(chain))))
        for cls, head in s.pairs(HAS_KEY):
            keys = s.members(head)
            if keys and all(isinstance(key, ox.NamedNode) for key in keys):
                body: list[Atom] = [(y1, TYPE, cls), (y2, TYPE, cls)]
                for i, key in enumerate(keys):
                    body += [(y1, key, v(f"k{i}")), (y2, key, v(f"k{i}"))]
                self.rules.append(Rule("prp-key", (y1, SAME_AS, y2), tuple(body), distinct=((y1, y2),)))
        for cls, head in s.pairs(ONE_OF):
            self.facts += [ox.Triple(item, TYPE, cls) for item in s.members(head)
                           if isinstance(item, ox.NamedNode | ox.BlankNode)]


def compile_rules(schema: Schema) -> tuple[list[Rule], list[ox.Triple]]:
    """The ABox rules that can fire under this schema, and the facts it states (cls-oo)."""
    return Compiler(schema).compile()


# eq-sym, eq-trans, eq-rep-s/p/o: always compiled, run only while the closure holds owl:sameAs
_s, _p, _o, _s2, _o2 = v("s"), v("p"), v("o"), v("s2"), v("o2")
EQUALITY_RULES = (
    Rule("eq-sym", (_o, SAME_AS, _s), ((_s, SAME_AS, _o),)),
    Rule("eq-trans", (_s, SAME_AS, _o2), ((_s, SAME_AS, _o), (_o, SAME_AS, _o2)), distinct=((_s, _o2),)),
    Rule("eq-rep-s", (_s2, _p, _o), ((_s, SAME_AS, _s2), (_s, _p, _o))),
    Rule("eq-rep-p", (_s, _s2, _o), ((_p, SAME_AS, _s2), (_s, _p, _o))),
    Rule("eq-rep-o", (_s, _p, _o2), ((_o, SAME_AS, _o2), (_s, _p, _o))),
)


def schema_query() -> str:
    """The schema triples of a closure (its default graph)."""
    predicates = " ".join(str(p) for p in SCHEMA_PREDICATES)
    metas = " ".join(str(m) for m in META_CLASSES)
    lists = " ".join(str(p) for p in LIST_PREDICATES)
    return f"""SELECT DISTINCT ?s ?p ?o WHERE {{
  {{ VALUES ?p {{ {predicates} }} ?s ?p ?o }}
  UNION {{ VALUES ?o {{ {metas} }} ?s {TYPE} ?o BIND({TYPE} AS ?p) }}
  UNION {{ VALUES ?listProperty {{ {lists} }} ?owner ?listProperty ?head . ?head {REST}* ?s .
          VALUES ?p {{ {FIRST} {REST} }} ?s ?p ?o }}
}}"""


def close_schema(schema: Iterable[ox.Triple]) -> set[ox.Triple]:
    """The TBox closure (reasonable, on the schema alone), with the schema itself."""
    import reasonable  # a Rust extension that only reasoning needs

    triples = set(schema)
    graph = Graph()
    for t in triples:
        graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
    engine = reasonable.PyReasoner()
    engine.from_graph(graph)
    for s, p, o in engine.reason():
        subject, predicate, obj = to_ox(s), to_ox(p), to_ox(o)
        if isinstance(subject, ox.NamedNode | ox.BlankNode) and isinstance(predicate, ox.NamedNode):
            triples.add(ox.Triple(subject, predicate, obj))  # type: ignore[arg-type]
    return triples


# --- what is published ------------------------------------------------------------------------------------


def any_of(variable: str, terms: Iterable[ox.NamedNode]) -> str:
    return "(" + " || ".join(f"sameTerm({variable}, {t})" for t in terms) + ")"


# Derived triples about IRIs, less what names a blank node and the trivia every OWL 2 RL closure holds
# (`x a owl:Thing`, `x rdfs:subClassOf rdfs:Resource`, `x owl:sameAs x`, ...).
PUBLISHABLE = f"""SELECT ?s ?p ?o WHERE {{ ?s ?p ?o
  FILTER(isIRI(?s) && !isBlank(?o))
  FILTER(!({any_of("?p", (TYPE, SUBCLASS))} && {any_of("?o", (THING, RESOURCE))}))
  FILTER(!({any_of("?p", (SAME_AS, SUBCLASS, SUBPROPERTY, EQUIVALENT_CLASS, EQUIVALENT_PROPERTY))}
           && sameTerm(?s, ?o))) }}"""


def published(derived: Closure, data: ox.Store, provenance: Provenance | None = None) -> list[ox.Triple]:
    """The entailments tipkg publishes (`dist/inferred.ttl`): derived triples (what `derived` holds: the
    closure less the reasoning input) about a subject of the data that is no provenance resource, without
    trivia or blank nodes. One definition for every engine."""
    excluded = {node.value for node in provenance_nodes(data, provenance) if isinstance(node, ox.NamedNode)}
    # A SELECT, not a CONSTRUCT (which would hold every triple to drop duplicates): the derived graphs
    # never share a triple.
    answer = cast(ox.QuerySolutions, derived.store.query(PUBLISHABLE, default_graph=derived.graphs,
                                                         named_graphs=[]))
    subjects: dict[str, bool] = {}
    found = []
    for s, p, o in answer:
        of_data = subjects.get(s.value)
        if of_data is None:
            of_data = subjects[s.value] = s.value not in excluded and next(
                iter(data.quads_for_pattern(s, None, None, None)), None) is not None
        if of_data:
            found.append(ox.Triple(s, p, o))
    return found


# --- the work store -------------------------------------------------------------------------------------


def graph_is_empty(store: ox.Store, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None


def graph_size(store: ox.Store, graph: ox.NamedNode) -> int:
    rows = cast(ox.QuerySolutions, store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))
    return int(cast(ox.Literal, next(iter(rows))["n"]).value)


class WorkStore:
    """The reasoning input in a store of its own, and the rules run on it to a fixpoint."""

    def __init__(self, data: ox.Store, ontology: Iterable[ox.Triple]) -> None:
        self.data = data
        self.provenance = Provenance.of(data)
        self.store = ox.Store()
        # Streamed row by row: a CONSTRUCT would hold every triple it emits to drop duplicates (half a GB
        # at a million), and a text round trip would rename the blank nodes.
        rows = cast(ox.QuerySolutions, data.query(self.provenance.reasoning_data))
        self.store.bulk_extend(ox.Quad(row[0], row[1], row[2], INPUT) for row in rows)  # type: ignore[arg-type]
        self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, INPUT) for t in ontology)
        self.closure: list[ox.NamedNode] = [INPUT]  # INPUT, then the graph of each round that derived
        self.terms = Terms()
        self.rounds = 0
        self.passes = 0
        self.rule_names: list[str] = []

    def schema(self) -> set[ox.Triple]:
        rows = cast(ox.QuerySolutions, self.store.query(
            schema_query(), default_graph=list(self.closure), named_graphs=[]))
        return {ox.Triple(row["s"], row["p"], row["o"]) for row in rows}  # type: ignore[arg-type]

    def known(self, t: ox.Triple) -> bool:
        return any(True for g in self.closure for _ in self.store.quads_for_pattern(
            t.subject, t.predicate, t.object, g))

    def has_same_as(self) -> bool:
        return any(True for g in self.closure for _ in self.store.quads_for_pattern(None, SAME_AS, None, g))

    def run_rules(self, rules: Sequence[Rule], facts: Iterable[ox.Triple]) -> None:
        """Rounds to the fixpoint. Round k derives into two graphs: WORK/k/composed what the composed rules
        derive (closed under the one-atom rules already), WORK/k/joined what the others derive (and, in
        round 1, `facts`: the TBox closure, cls-oo). The first round reads the whole closure; after it, a
        composed rule reads the last joined graph for its atom, the others both of the last graphs."""
        last: dict[bool, list[ox.NamedNode]] = {True: [], False: []}  # by Rule.composed: its delta
        first = True
        while True:
            self.rounds += 1
            targets = {composed: iri(f"{WORK.value}/{self.rounds}/{'composed' if composed else 'joined'}")
                       for composed in (True, False)}
            self.store.extend(ox.Quad(t.subject, t.predicate, t.object, targets[False]) for t in facts
                              if not self.known(t))
            facts = ()
            active = [*rules, *(EQUALITY_RULES if self.has_same_as() else ())]
            updates = [rule.update(self.terms, self.closure, last[rule.composed], targets[rule.composed])
                       for rule in active if first or last[rule.composed]]
            self.store.extend(self.terms.pending())
            for update in updates:
                self.store.update(update)
            derived = [g for g in (targets[True], targets[False]) if not graph_is_empty(self.store, g)]
            if not derived:
                return
            self.closure += derived
            last = {True: [targets[False]] if targets[False] in derived else [], False: derived}
            first = False

    def close(self) -> None:
        """Compile the rules from the closed schema and run them; again whenever the closure's schema grew."""
        known: set[ox.Triple] = set()
        while True:
            self.passes += 1
            closed = close_schema(self.schema())
            known |= closed
            rules, facts = compile_rules(Schema(closed))
            self.rule_names = sorted({rule.name for rule in rules})
            self.run_rules(rules, [*sorted(closed, key=str), *facts])
            if self.schema() <= known:
                return

    def entailments(self) -> list[ox.Triple]:
        return published(Closure(self.store, self.closure[1:]), self.data, self.provenance)

    def closure_size(self) -> int:
        return sum(graph_size(self.store, graph) for graph in self.closure)


@dataclass
class Outcome:
    """What the store engine hands back: the published entailments, the clashes, and how it went."""

    entailments: list[ox.Triple]
    clashes: list[Clash]
    closure_size: int
    rounds: int = 0
    passes: int = 0
    rules: list[str] = field(default_factory=list)


def run(data: ox.Store, ontology: Iterable[ox.Triple]) -> Outcome:
    """The store engine: the closure of ontology + data (less provenance), its entailments and clashes."""
    work = WorkStore(data, ontology)
    work.close()
    clashes = find_clashes(Closure(work.store, list(work.closure)))
    return Outcome(work.entailments(), clashes, work.closure_size(), work.rounds, work.passes,
                   work.rule_names)


# --- the OWL 2 RL rules that conclude false ---------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """One inconsistency: the OWL 2 RL rule that fires, a message, and the resources involved."""

    rule: str
    message: str
    nodes: tuple[Node, ...] = ()


def label(term: Node) -> str:
    return term_text(term) if isinstance(term, URIRef) else str(term)


def ordered(items: Iterable[Any]) -> list[Any]:
    """rdflib's nodes (and tuples of them) in rdflib's own order; its stubs type them as bare `Node`, which
    declares no ordering, though every node is an ordered `Identifier`."""
    return sorted(cast("Iterable[str]", items))


def ox_term(node: Node) -> Term:
    return cast(Term, to_ox(node))


def rdflib_term(term: Any) -> Node:
    return cast(Node, from_ox(term))


class Closure:
    """A closure in a store, read with SELECTs on an explicit dataset: its default graph is the merge of
    `graphs`. Parameters are terms substituted by the engine."""

    def __init__(self, store: ox.Store, graphs: Sequence[GraphName]) -> None:
        self.store = store
        self.graphs = list(graphs)

    def select(self, text: str, **bindings: Node) -> list[tuple[Node, ...]]:
        """The distinct rows of a SELECT (its unbound variables), as rdflib terms in rdflib's order."""
        substitutions: dict[ox.Variable, Term | ox.Triple] = {v(k): ox_term(t) for k, t in bindings.items()}
        answer = cast(ox.QuerySolutions, self.store.query(
            text, default_graph=self.graphs, named_graphs=[], substitutions=substitutions or None))
        names = [variable.value for variable in answer.variables if variable.value not in bindings]
        return ordered({tuple(rdflib_term(row[name]) for name in names) for row in answer})

    def holds(self, s: Node, p: Node, o: Node) -> bool:
        return bool(self.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", s=s, p=p, o=o))

    def value(self, subject: Node, predicate: ox.NamedNode) -> Node | None:
        """The first in rdflib's order of the subject's values (one, unless owl:sameAs copied it: then every
        closure holding the same triples picks the same)."""
        found = [rdflib_term(quad.object) for graph in self.graphs
                 for quad in self.store.quads_for_pattern(ox_term(subject), predicate, None, graph)]  # type: ignore[arg-type]
        return ordered(found)[0] if found else None

    def members(self, node: Node, *predicates: ox.NamedNode) -> list[Node]:
        """The members of an RDF list held by the first of the predicates the node has."""
        for predicate in predicates:
            head = self.value(node, predicate)
            if head is None:
                continue
            items: list[Node] = []
            seen = set()
            while head is not None and head != RDF.nil and head not in seen:
                seen.add(head)
                item = self.value(head, FIRST)
                if item is not None:
                    items.append(item)
                head = self.value(head, REST)
            return items
        return []


def nothing_members(closure: Closure) -> Iterator[Clash]:
    for (x,) in closure.select(f"SELECT ?x WHERE {{ ?x {TYPE} {NOTHING} }}"):
        yield Clash("cls-nothing2", f"{label(x)} is a member of owl:Nothing", (x,))


def disjoint_pair(rule: str, x: Node, c1: Node, c2: Node) -> Clash:
    return Clash(rule, f"{label(x)} is a member of disjoint classes {label(c1)} and {label(c2)}", (x, c1, c2))


def members_of_both(closure: Closure, c1: Node, c2: Node) -> list[Node]:
    return [x for (x,) in closure.select(f"SELECT ?x ?c1 ?c2 WHERE {{ ?x {TYPE} ?c1 . ?x {TYPE} ?c2 }}",
                                         c1=c1, c2=c2)]


def all_disjoint(closure: Closure, node: Node) -> Iterator[Clash]:
    """cax-adc without a query per pair of classes: the individuals typed with two of the members, then
    their pairs in the list's order (a class listed twice is disjoint with itself, member by member)."""
    classes = closure.members(node, MEMBERS)
    typed: dict[Node, set[Node]] = defaultdict(set)
    for x, cls in closure.select(f"""SELECT ?x ?c ?node WHERE {{
        {{ SELECT ?x WHERE {{ ?node {MEMBERS}/{REST}*/{FIRST} ?c . ?x {TYPE} ?c }}
           GROUP BY ?x HAVING (COUNT(DISTINCT ?c) > 1) }}
        ?node {MEMBERS}/{REST}*/{FIRST} ?c . ?x {TYPE} ?c }}""", node=node):
        typed[x].add(cls)
    for cls, count in Counter(classes).items():
        if count > 1:
            for x in members_of_both(closure, cls, cls):
                typed[x].add(cls)
    for c1, c2 in combinations(classes, 2):
        for x in ordered(x for x, types in typed.items() if c1 in types and c2 in types):
            yield disjoint_pair("cax-adc", x, c1, c2)


def disjoint_classes(closure: Closure) -> Iterator[Clash]:
    for c1, c2 in closure.select(f"SELECT ?c1 ?c2 WHERE {{ ?c1 {DISJOINT_WITH} ?c2 }}"):
        yield from (disjoint_pair("cax-dw", x, c1, c2) for x in members_of_both(closure, c1, c2))
    for (node,) in closure.select(f"SELECT ?node WHERE {{ ?node {TYPE} {ALL_DISJOINT_CLASSES} }}"):
        yield from all_disjoint(closure, node)
    for c1, c2 in closure.select(f"SELECT ?c1 ?c2 WHERE {{ ?c1 {COMPLEMENT_OF} ?c2 }}"):
        yield from (disjoint_pair("cls-com", x, c1, c2) for x in members_of_both(closure, c1, c2))


def different_individuals(closure: Closure) -> Iterator[Clash]:
    for x, y in closure.select(f"""SELECT ?x ?y WHERE {{ ?x {DIFFERENT_FROM} ?y
                                   FILTER(sameTerm(?x, ?y) || EXISTS {{ ?x {SAME_AS} ?y }}) }}"""):
        yield Clash("eq-diff1", f"{label(x)} is both the same as and different from {label(y)}", (x, y))
    for (node,) in closure.select(f"SELECT ?node WHERE {{ ?node {TYPE} {ALL_DIFFERENT} }}"):
        for x, y in combinations(closure.members(node, MEMBERS, DISTINCT_MEMBERS), 2):
            if x == y or closure.holds(x, OWL.sameAs, y):
                yield Clash(
                    "eq-diff2", f"{label(x)} and {label(y)} are declared all different but the same", (x, y))


def property_characteristics(closure: Closure) -> Iterator[Clash]:
    for (prop,) in closure.select(f"SELECT ?p WHERE {{ ?p {TYPE} {IRREFLEXIVE} }}"):
        for (x,) in closure.select("SELECT ?x ?p WHERE { ?x ?p ?x }", p=prop):
            yield Clash("prp-irp", f"{label(x)} relates to itself by irreflexive {label(prop)}", (x, prop))
    for (prop,) in closure.select(f"SELECT ?p WHERE {{ ?p {TYPE} {ASYMMETRIC} }}"):
        for x, y in closure.select("SELECT ?x ?y ?p WHERE { ?x ?p ?y . ?y ?p ?x }", p=prop):
            yield Clash("prp-asyp", f"{label(x)} and {label(y)} relate both ways by asymmetric {label(prop)}",
                        (x, y, prop))


def disjoint_property_pair(closure: Closure, rule: str, p1: Node, p2: Node) -> Iterator[Clash]:
    for x, y in closure.select("SELECT ?x ?y ?p1 ?p2 WHERE { ?x ?p1 ?y . ?x ?p2 ?y }", p1=p1, p2=p2):
        yield Clash(rule,
                    f"{label(x)} relates to {label(y)} by disjoint properties {label(p1)} and {label(p2)}",
                    (x, y, p1, p2))


def disjoint_properties(closure: Closure) -> Iterator[Clash]:
    for p1, p2 in closure.select(f"SELECT ?p1 ?p2 WHERE {{ ?p1 {PROPERTY_DISJOINT_WITH} ?p2 }}"):
        yield from disjoint_property_pair(closure, "prp-pdw", p1, p2)
    for (node,) in closure.select(f"SELECT ?node WHERE {{ ?node {TYPE} {ALL_DISJOINT_PROPERTIES} }}"):
        for p1, p2 in combinations(closure.members(node, MEMBERS), 2):
            yield from disjoint_property_pair(closure, "prp-adp", p1, p2)


def zero_cardinality(closure: Closure) -> Iterator[Clash]:
    for restriction, count in closure.select(f"SELECT ?r ?n WHERE {{ ?r {MAX_CARDINALITY} ?n }}"):
        prop = closure.value(restriction, ON_PROPERTY)
        if not (isinstance(count, Literal) and str(count) == "0") or prop is None:
            continue
        for (x,) in closure.select(f"SELECT ?x ?r ?p WHERE {{ ?x {TYPE} ?r FILTER EXISTS {{ ?x ?p ?y }} }}",
                                   r=restriction, p=prop):
            yield Clash("cls-maxc1", f"{label(x)} has a value for {label(prop)}, which allows none",
                        (x, prop))


def negative_assertions(closure: Closure) -> Iterator[Clash]:
    for (node,) in closure.select(f"SELECT ?node WHERE {{ ?node {TYPE} {NEGATIVE_ASSERTION} }}"):
        x, p = closure.value(node, SOURCE_INDIVIDUAL), closure.value(node, ASSERTION_PROPERTY)
        y = closure.value(node, TARGET_INDIVIDUAL) or closure.value(node, TARGET_VALUE)
        if x is not None and p is not None and y is not None and closure.holds(x, p, y):
            yield Clash("prp-npa", f"{label(x)} {label(p)} {label(y)} is asserted and denied", (x, p))


CLASH_RULES: tuple[Callable[[Closure], Iterable[Clash]], ...] = (
    nothing_members,
    disjoint_classes,
    different_individuals,
    property_characteristics,
    disjoint_properties,
    zero_cardinality,
    negative_assertions,
)


def find_clashes(closure: Closure) -> list[Clash]:
    """Every OWL 2 RL inconsistency in a closure, in a stable order."""
    clashes: list[Clash] = []
    for rule in CLASH_RULES:
        clashes.extend(rule(closure))
    return list(dict.fromkeys(clashes))


def closure_of(graph: Graph) -> Closure:
    """An rdflib closure (the reasonable and owlrl engines) in a store, for the clash queries. Generalised
    triples (a literal subject, which owlrl may derive) are not RDF, and no clash query reads them."""
    store = ox.Store()
    store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())  # type: ignore[arg-type]
                 for s, p, o in graph if isinstance(s, URIRef | BNode) and isinstance(p, URIRef))
    return Closure(store, [ox.DefaultGraph()])
