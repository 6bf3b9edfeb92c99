"""SHACL core constraints compiled to SPARQL and run once per constraint on the project's store.

pySHACL checks every constraint node by node in Python: on the fact-sheet graph that is most of
`tipkg validate`'s time, and at a million triples it is a minute. Here each constraint of a shape becomes one
SELECT query over all its focus nodes at once, evaluated by Oxigraph on the project's store
(`tipkg.engine.ProjectStore`, its asserted graphs: the data with the ontology mixed in, as pySHACL mixes an
ontology graph into the data graph). The rows become exactly the validation results pySHACL reports: focus
node, result path, value, severity, source shape, source constraint component and message (the shape's
sh:message, else pySHACL's own default message, reproduced here).

Compiled: shapes with targets (sh:targetClass and implicit class targets, instances through
rdfs:subClassOf*; sh:targetNode; sh:targetSubjectsOf; sh:targetObjectsOf; a SPARQL target, whose nodes are
selected on the store as `tipkg.sparqlshapes.expand_sparql_targets` selects them), node shapes and their
sh:property shapes, a path that is an IRI, sh:inversePath of an IRI or sh:alternativePath of those, and the
components sh:class, sh:datatype, sh:nodeKind, sh:minCount, sh:maxCount, sh:pattern (with sh:flags),
sh:minLength, sh:minInclusive, sh:languageIn, sh:in, sh:hasValue, sh:lessThanOrEquals, sh:or (of member
shapes that can be decided the same way), sh:node (with the nested results pySHACL reports under sh:detail,
which tipkg lists as findings) and sh:deactivated, with each shape's severity.

Equal, not close. A query decides in SPARQL only what SPARQL decides as pySHACL does (class membership,
node kinds, language tags, counts, IRIs). Where the two could differ - a lexical form that rdflib reads its
own way, a literal rdflib finds ill-typed, a regular expression outside the syntax both engines read alike,
a comparison of literals - the query keeps only a *sound* filter (true only where pySHACL surely passes)
and returns the other values as rows; pySHACL's own test, re-stated below for one value, decides those in
Python. So SPARQL saves work; it never changes an answer.

Left to pySHACL: a top-level shape using anything not covered (another component, SHACL-SPARQL that
`tipkg.sparqlshapes` did not take, a path or parameter of another form, a default message pySHACL would
write from several rules in an order of its own, a shape referring to itself; every shape when the shapes
graph has sh:rule, which changes the data), and - found when the queries run - a shape whose results involve
a blank node: the store names blank nodes its own way (`ProjectStore` loads a dump, which renames them), so
such a result could not name the node as pySHACL does. A shape left keeps its targets in the shapes graph
pySHACL is given (`CorePlan.rest`), a compiled one loses them, as `tipkg.sparqlshapes.split_shapes` does
for the constraints it takes: correctness never depends on what is covered, only speed does.
`CorePlan.left` says what was left and why.

The ontology: pySHACL does not mix the whole ontology into the data graph; it copies RDFS and OWL axioms
(`pyshacl.rdfutil.inoculate`), so the ontology's other triples (the header's dcterms:title, ...) are not in
its data graph, and the ontology's blank nodes are copied under new names, while the store's asserted graph
holds them all. A shape whose queries could read such a triple where it matters (at one of its focus nodes,
anywhere in a nested test, or as a type in a class it tests) is left to pySHACL.

Every term in a query is written by the library (`str()` of a pyoxigraph term, via `tipkg.terms.to_ox`),
a regular expression too (as a string literal); nothing from the shapes graph is pasted into a query as
text. The checks of different shapes run on a few threads: Oxigraph evaluates queries without the GIL.
"""

from __future__ import annotations

import datetime
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from itertools import count
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD, NamespaceManager
from rdflib.term import Identifier, Node

from tipkg.engine import ProjectStore
from tipkg.load import LoadedProject, union_of
from tipkg.sparql import Sparql
from tipkg.sparqlshapes import prefix_lines
from tipkg.terms import from_ox, to_ox
from tipkg.vocab import SH

# --- vocabulary ---------------------------------------------------------------------------------------------

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

# Predicates of a shape that change nothing pySHACL reports, or that this module reads itself.
INERT = frozenset({
    RDF.type, SH.name, SH.description, SH.message, SH.severity, SH.deactivated, SH.order, SH.group,
    SH.defaultValue, SH.path, SH.flags, SH.prefixes, SH.declare, SH.target, RDFS.label, RDFS.comment,
    RDFS.seeAlso, RDFS.isDefinedBy, SKOS.prefLabel, SKOS.definition, *TARGETS,
})

# The parameters compiled here; any other sh: predicate on a shape is taken to be a constraint, not compiled.
COMPILED = frozenset({
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.pattern, SH.minLength,
    SH.minInclusive, SH.languageIn, SH["in"], SH.hasValue, SH.lessThanOrEquals, SH["or"], SH.node,
    SH.property,
})

REFERENCES = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
LISTS_OF_SHAPES = (SH["and"], SH["or"], SH.xone)

COMPONENT = {
    SH["class"]: SH.ClassConstraintComponent, SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent, SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent, SH.pattern: SH.PatternConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent, SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent, SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["or"]: SH.OrConstraintComponent, SH.node: SH.NodeConstraintComponent,
}

WHOLE_INTEGERS = frozenset({
    XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
    XSD.long, XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort,
    XSD.unsignedByte,
})

# RDFS and OWL terms whose triples pySHACL surely copies from the ontology into its data graph (each is in
# `pyshacl.rdfutil.consts`' lists, which the tests check). Any other ontology triple counts as not mixed in:
# erring that way only leaves more to pySHACL.
MIXED_PROPERTIES = frozenset({
    RDFS.comment, RDFS.domain, RDFS.isDefinedBy, RDFS.label, RDFS.range, RDFS.seeAlso, RDFS.subClassOf,
    RDFS.subPropertyOf, OWL.inverseOf, OWL.equivalentClass, OWL.equivalentProperty, OWL.disjointWith,
    OWL.unionOf, OWL.intersectionOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, OWL.members,
    OWL.versionInfo, OWL.versionIRI, OWL.imports, OWL.complementOf, OWL.oneOf, OWL.hasValue,
})
MIXED_CLASSES = frozenset({
    RDFS.Class, RDFS.Datatype, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.FunctionalProperty, OWL.InverseFunctionalProperty,
    OWL.AllDisjointClasses, OWL.Ontology, OWL.Restriction,
})


class Unsupported(Exception):
    """A shape (or something it refers to) that is not compiled here; it stays with pySHACL."""


class Unnamed(Exception):
    """A result, or a node to look up again, is a blank node: the store names it its own way."""


# --- writing SPARQL -----------------------------------------------------------------------------------------

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]


def term(node: Node) -> str:
    """An rdflib term as SPARQL text, written by pyoxigraph."""
    return str(to_ox(node))


def text_literal(text: str) -> str:
    """A string as a SPARQL literal, written by pyoxigraph."""
    return str(ox.Literal(text))


RDF_TYPE, SUBCLASS = term(RDF.type), term(RDFS.subClassOf)
XSD_STRING, LANG_STRING, XSD_INTEGER = term(XSD.string), term(RDF.langString), term(XSD.integer)

def select(head: str, where: str, tail: str = "") -> str:
    """A SELECT on the project's dataset (`ProjectStore.query`): its default graph is the asserted graphs'
    merge with the ontology, and with no GRAPH pattern no list of named graphs is passed."""
    return f"SELECT {head} WHERE {{ {where} }} {tail}".rstrip()


def values_block(var: str, nodes: Iterable[Term]) -> str:
    """A VALUES block of the store's own terms (a literal read back through rdflib might not be the term
    the store holds); a blank node cannot be named in a query."""
    listed = list(nodes)
    if any(isinstance(node, ox.BlankNode) for node in listed):
        raise Unnamed("a blank node to look up again")
    return f"VALUES {var} {{ {' '.join(map(str, listed))} }}"


class Names:
    """Fresh SPARQL variable names for one query."""

    def __init__(self) -> None:
        self.counter = count()

    def __call__(self, stem: str) -> str:
        return f"?{stem}{next(self.counter)}"


class Runner:
    """Runs the compiled queries on the project's store, and counts them."""

    def __init__(self, store: ProjectStore) -> None:
        self.store = store
        self.queries = 0
        self.lock = threading.Lock()

    def select(self, text: str, source: str) -> list[Row]:
        with self.lock:
            self.queries += 1
        return self.store.query(Sparql.parse(text, source)).as_dicts()  # type: ignore[return-value]


@dataclass(frozen=True)
class Path:
    """A compiled sh:path: its node in the shapes graph (the reported sh:resultPath) and its SPARQL form."""

    node: Node
    sparql: str
    forward: frozenset[URIRef]  # predicates read from the focus side
    inverse: frozenset[URIRef]  # predicates read from the value side


# --- looked up once per run ---------------------------------------------------------------------------------


class Lookups:
    """What a plan looks up once per run, before its checks.

    - Each class it tests, with its subclasses (rdfs:subClassOf*, on the store): `?x rdf:type/
      rdfs:subClassOf* C` evaluated for every value node costs far more than looking the value's types up in
      a list. pySHACL's test is the same: a type of the node is C or has C among its rdfs:subClassOf
      ancestors. A class with a blank-node subclass keeps the path.
    - The nodes each SPARQL target selects (sh:target [ a sh:SPARQLTarget ; sh:select ... ]), by the same
      call on the store as `tipkg.sparqlshapes.expand_sparql_targets`, kept as the store's terms."""

    def __init__(self) -> None:
        self.wanted: set[URIRef] = set()
        self.subclasses: dict[URIRef, tuple[ox.NamedNode, ...]] = {}
        self.targets: dict[str, tuple[Term, ...] | None] = {}  # a target's query -> the nodes it selects

    def fill(self, runner: Runner) -> None:
        for query, selected in self.targets.items():
            if selected is None:
                self.targets[query] = tuple(runner.store.select_column(query))  # type: ignore[arg-type]
        missing = sorted(self.wanted - self.subclasses.keys())
        if not missing:
            return
        found: dict[URIRef, set[ox.NamedNode]] = {cls: {ox.NamedNode(cls)} for cls in missing}
        blank: set[URIRef] = set()
        query = select("?c ?sub", f"VALUES ?c {{ {' '.join(map(term, missing))} }} ?sub {SUBCLASS}* ?c")
        for row in runner.select(query, "SHACL core: subclasses"):
            cls, sub = URIRef(row["c"].value), row["sub"]
            if isinstance(sub, ox.NamedNode):
                found[cls].add(sub)
            else:
                blank.add(cls)
        for cls in missing:
            if cls not in blank:
                self.subclasses[cls] = tuple(sorted(found[cls], key=str))

    def member(self, var: str, cls: URIRef, names: Names) -> str:
        """Whether the node is a SHACL instance of the class (never an error; false for a literal)."""
        if cls not in self.subclasses:
            return f"EXISTS {{ {var} {RDF_TYPE}/{SUBCLASS}* {term(cls)} }}"
        kind = names("type")
        listed = ", ".join(map(str, self.subclasses[cls]))
        return f"EXISTS {{ {var} {RDF_TYPE} {kind} . FILTER({kind} IN ({listed})) }}"

    def instances(self, var: str, classes: Sequence[URIRef], names: Names) -> str:
        """A pattern binding the variable to each SHACL instance of the classes (perhaps more than once)."""
        kind = names("type")
        if all(cls in self.subclasses for cls in classes):
            types = sorted({sub for cls in classes for sub in self.subclasses[cls]}, key=str)
            return f"VALUES {kind} {{ {' '.join(map(str, types))} }} {var} {RDF_TYPE} {kind} ."
        cls = names("class")
        return (f"VALUES {cls} {{ {' '.join(map(term, classes))} }} "
                f"{kind} {SUBCLASS}* {cls} . {var} {RDF_TYPE} {kind} .")

    def superclasses(self, runner: Runner, classes: Iterable[Node]) -> set[Node]:
        named = sorted({c for c in classes if isinstance(c, URIRef)})
        if not named:
            return set()
        listed = " ".join(map(term, named))
        query = select("DISTINCT ?super", f"VALUES ?c {{ {listed} }} ?c {SUBCLASS}* ?super")
        return {URIRef(row["super"].value) for row in runner.select(query, "SHACL core: superclasses")
                if isinstance(row["super"], ox.NamedNode)}


# --- focus nodes --------------------------------------------------------------------------------------------


class Focus:
    """The focus nodes of a shape, as a group graph pattern that binds one variable to each."""

    def pattern(self, var: str, names: Names) -> str:
        """Each focus node once."""
        raise NotImplementedError

    def matches(self, var: str, names: Names) -> str:
        """Each focus node, perhaps more than once (for a query that is DISTINCT anyway: cheaper)."""
        return self.pattern(var, names)


@dataclass(frozen=True)
class Targets(Focus):
    lookups: Lookups
    classes: tuple[URIRef, ...] = ()
    nodes: tuple[Identifier, ...] = ()
    subjects_of: tuple[URIRef, ...] = ()
    objects_of: tuple[URIRef, ...] = ()
    queries: tuple[str, ...] = ()  # SPARQL targets, whose nodes are looked up before the checks run

    def pattern(self, var: str, names: Names) -> str:
        return f"{{ SELECT DISTINCT {var} WHERE {{ {self.matches(var, names)} }} }}"

    def matches(self, var: str, names: Names) -> str:
        branches = []
        if self.classes:
            branches.append(self.lookups.instances(var, self.classes, names))
        if self.nodes:
            branches.append(f"VALUES {var} {{ {' '.join(map(term, self.nodes))} }}")
        for query in self.queries:
            branches.append(values_block(var, self.lookups.targets[query] or ()))
        for predicate in self.subjects_of:
            branches.append(f"{var} {term(predicate)} {names('any')} .")
        for predicate in self.objects_of:
            branches.append(f"{names('any')} {term(predicate)} {var} .")
        if not branches:
            return "FILTER(false)"
        return " UNION ".join("{ " + branch + " }" for branch in branches)


@dataclass(frozen=True)
class ValuesOf(Focus):
    """The value nodes of a property shape, as the focus nodes of a shape they are checked against."""

    outer: Focus
    path: Path

    def pattern(self, var: str, names: Names) -> str:
        outer = names("focus")
        return (f"{{ SELECT DISTINCT {var} WHERE {{ {self.outer.pattern(outer, names)} "
                f"{outer} {self.path.sparql} {var} . }} }}")


# --- conditions on one node ---------------------------------------------------------------------------------

SparqlOf = Callable[[str, Names], str]  # a SPARQL expression about the node in the given variable


@dataclass(frozen=True)
class Test:
    """A test of one node. With `python` unset, `sparql` is pySHACL's answer itself (and never an error).
    With `python` set, `python` is pySHACL's answer for the node (an rdflib term) and `sparql` is a filter
    that is true only where that answer is surely true (an error counts as false)."""

    sparql: SparqlOf
    python: Callable[[Identifier], bool] | None = None


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Cond, ...]


Cond = Test | AllOf | AnyOf


def exact(cond: Cond) -> bool:
    if isinstance(cond, Test):
        return cond.python is None
    return all(exact(part) for part in cond.parts)


def joined(cond: AllOf | AnyOf, parts: list[str]) -> str:
    if isinstance(cond, AllOf):
        return "(" + " && ".join(parts) + ")" if parts else "true"
    return "(" + " || ".join(parts) + ")" if parts else "false"


def exact_sparql(cond: Cond, var: str, names: Names) -> str:
    """The SPARQL expression of an exact condition."""
    if isinstance(cond, Test):
        return cond.sparql(var, names)
    return joined(cond, [exact_sparql(part, var, names) for part in cond.parts])


def exact_tests(cond: Cond) -> list[Test]:
    if isinstance(cond, Test):
        return [cond] if cond.python is None else []
    return [test for part in cond.parts for test in exact_tests(part)]


def sure_sparql(cond: Cond, var: str, names: Names, columns: dict[int, str]) -> str:
    """True only where pySHACL surely passes the node; an exact test reads its column."""
    if isinstance(cond, Test):
        if cond.python is None:
            return columns[id(cond)]
        return f"COALESCE({cond.sparql(var, names)}, false)"
    return joined(cond, [sure_sparql(part, var, names, columns) for part in cond.parts])


def decide(cond: Cond, value: Identifier, columns: dict[int, bool]) -> bool:
    """pySHACL's answer for one node, from the exact tests' columns and the Python tests."""
    if isinstance(cond, Test):
        return columns[id(cond)] if cond.python is None else cond.python(value)
    answers = (decide(part, value, columns) for part in cond.parts)
    return all(answers) if isinstance(cond, AllOf) else any(answers)


# --- pySHACL's tests of one value, re-stated (pyshacl.constraints.core, pyshacl.rdfutil.compare) ------------


def value_string(value: Identifier) -> str:
    """StringBasedConstraintBase.value_node_to_string."""
    if isinstance(value, Literal) and value.value is not None and value.datatype in (
            None, RDF.langString, XSD.string):
        return str(value.value)
    return str(value)


PYTHON_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: datetime.date, XSD.time: datetime.time,
    XSD.dateTime: datetime.datetime,
}


def actual_datatype(value: Literal, datatype: URIRef) -> bool:
    """DatatypeConstraintComponent._assert_actual_datatype."""
    expected = PYTHON_TYPES.get(datatype)
    return True if expected is None else isinstance(value.value, expected)


def datatype_ok(value: Identifier, datatype: URIRef) -> bool:
    """DatatypeConstraintComponent.evaluate, for one value."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        return False if getattr(value, "ill_typed", None) is True else actual_datatype(value, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and value.datatype:
        return True
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return actual_datatype(value, datatype)
    if datatype == RDF.langString and value.language:
        return actual_datatype(value, datatype)
    return False


def compare_literal(first: Literal, second: Literal) -> int:
    """pyshacl.rdfutil.compare.compare_literal."""
    if first.eq(second):
        return 0
    if first.value.__class__ in (datetime.datetime, datetime.time):
        if first.value == second.value:
            return 0
        if first.value > second.value:
            return 1
    elif first > second:
        return 1
    return -1


def min_inclusive_ok(value: Identifier, bound: Literal) -> bool:
    """MinInclusiveConstraintComponent._evaluate_min_rule, for one value."""
    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        return compare_literal(value, bound) >= 0
    except (TypeError, NotImplementedError):
        return False


def comparable(node: Identifier) -> tuple[Any, bool]:
    """What LessThanOrEqualsConstraintComponent._compare_ltoe compares, and whether it is a string."""
    if isinstance(node, URIRef):
        return str(node), True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False


def less_or_equal_ok(value: Identifier, other: Identifier) -> bool:
    """LessThanOrEqualsConstraintComponent._compare_ltoe, for one pair (pySHACL fails on a blank node)."""
    if isinstance(value, BNode) or isinstance(other, BNode):
        raise Unnamed("sh:lessThanOrEquals on a blank node")
    (left, left_string), (right, right_string) = comparable(value), comparable(other)
    if left_string != right_string:
        return False
    return bool(left <= right)


def languages_ok(value: Identifier, wanted: frozenset[str]) -> bool:
    """LanguageInConstraintComponent._evaluate_string_rule, for one value."""
    if not isinstance(value, Literal) or not value.language:
        return False
    language = str(value.language)
    return "*" in wanted or language.lower() in wanted or language.split("-")[0].lower() in wanted


# --- regular expressions that both engines read alike -------------------------------------------------------

ESCAPABLE = frozenset("\\^$.|?*+()[]{}-/")
REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def sparql_regex_ok(pattern: str, flags: str) -> bool:
    """Whether `pattern` uses only syntax that Oxigraph's regular expressions (Rust `regex`) and Python's
    `re` read alike - literal characters, escaped punctuation, `.`, classes of characters and ranges,
    groups, `|`, quantifiers, `^` and `$` - so that a match in the store implies that pySHACL's `re.search`
    matches. (Python's `$` also matches before a final newline: it matches more, never less.) With the `i`
    flag every character must be ASCII and no class negated: Python folds case more widely than Rust."""
    caseless = "i" in flags
    i, depth, atom = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in ESCAPABLE:
                return False
            i, atom = i + 2, True
        elif char == "[":
            i, atom = class_end(pattern, i, caseless), True
            if i < 0:
                return False
        elif char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return False
            i += 3 if pattern.startswith("(?:", i) else 1
            depth, atom = depth + 1, False
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
            i, atom = i + 1, True
        elif char in "*+?{":
            if not atom:
                return False
            match = REPEAT.match(pattern, i) if char == "{" else None
            if char == "{" and not match:
                return False
            i = match.end() if match else i + 1
            if i < len(pattern) and pattern[i] == "?":  # lazy: the same matches exist
                i += 1
            if i < len(pattern) and pattern[i] in "*+?{":
                return False
            atom = False
        elif char in "^$|":
            i, atom = i + 1, False
        elif char in "]}":
            return False
        else:
            if caseless and not char.isascii():
                return False
            i, atom = i + 1, True
    return depth == 0


def class_end(pattern: str, start: int, caseless: bool) -> int:
    """The index after the class of characters at `start`, or -1 if the engines might read it apart."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        if caseless:
            return -1
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        return -1
    previous = ""
    while i < len(pattern):
        char = pattern[i]
        if char == "]":
            return i + 1
        if char == "[":
            return -1
        if char == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in ESCAPABLE:
                return -1
            previous, i = pattern[i + 1], i + 2
            continue
        if char in "&~|-" and i + 1 < len(pattern) and pattern[i + 1] == char:
            return -1  # Rust's set operations
        if char == "-":
            if not previous or i + 1 >= len(pattern) or pattern[i + 1] in "]\\[":
                return -1
            previous, i = "", i + 2  # a range between two literal characters
            continue
        if caseless and not char.isascii():
            return -1
        previous, i = char, i + 1
    return -1


# --- pySHACL's default messages -----------------------------------------------------------------------------


class Words:
    """pySHACL's `stringify_node` for what its default messages name: IRIs and literals of the data, with
    the namespaces of pySHACL's data graph (rdflib's core ones, the data's, the ontology's, then sh:), and
    any node of the shapes graph, with the shapes graph's. A blank node of the data cannot be named so."""

    def __init__(self, loaded: LoadedProject, shapes: Graph) -> None:
        data = Graph(bind_namespaces="core")
        for prefix, namespace in union_of(()).namespaces():  # the namespaces of `loaded.data_graph()`
            data.bind(prefix, namespace, override=True, replace=True)
        bound = {prefix for prefix, _ in data.namespaces()}
        for prefix, namespace in loaded.ontology.namespaces():
            if prefix not in bound:
                data.bind(prefix, namespace)
        data.bind("sh", SH, override=False, replace=False)
        self.data = data.namespace_manager
        names = Graph(bind_namespaces="none")
        for prefix, namespace in shapes.namespaces():
            names.bind(prefix, namespace, override=True, replace=True)
        names.bind("sh", SH, override=False, replace=False)
        self.shape_names = names.namespace_manager
        self.shapes = shapes

    def of_data(self, node: Node | None) -> str:
        if isinstance(node, BNode):
            raise Unnamed("a default message naming a blank node")
        return self.node(node, self.data, None, 0)

    def of_shapes(self, node: Node) -> str:
        return self.node(node, self.shape_names, self.shapes, 0)

    def node(self, node: Node | None, names: NamespaceManager, graph: Graph | None, depth: int) -> str:
        if isinstance(node, Literal):
            return self.literal(node, names, graph)
        if isinstance(node, BNode):
            assert graph is not None
            return self.blank(node, names, graph, depth + 1)
        if isinstance(node, URIRef):
            try:
                return node.n3(namespace_manager=names)
            except Exception:  # rdflib refuses some IRIs as prefixed names; pySHACL writes them whole
                return str(node)
        return str(node)

    def literal(self, node: Literal, names: NamespaceManager, graph: Graph | None) -> str:
        value = None if node.value is None else str(node.value)
        lexical = str(node)
        if value is not None and value.find(" object at 0x") > 0:
            value = value[:value.find(" object at 0x")]
        text = f'"{lexical}" = {value}' if value is not None and value != lexical else f'"{lexical}"'
        language = f", lang={node.language}" if node.language else ""
        datatype = f", datatype={self.node(node.datatype, names, graph, 0)}" if node.datatype else ""
        return f"Literal({text}{language}{datatype})"

    def blank(self, node: BNode, names: NamespaceManager, graph: Graph, depth: int) -> str:
        if depth >= 12:
            return "<http://recursion.too.deep>"
        predicates = list(graph.predicates(node))
        if not predicates:
            return "[ ]"
        if RDF.first in predicates:
            return "( " + " ".join(self.node(i, names, graph, depth) for i in graph.items(node)) + " )"
        texts: dict[str, str] = {}
        for predicate in predicates:
            objects = sorted(self.node(o, names, graph, depth) for o in graph.objects(node, predicate))
            if objects:
                texts[predicate.n3(namespace_manager=names)] = ", ".join(objects)
        pairs = [f"{p} {o}" for p, o in (sorted(texts.items()) if len(texts) > 1 else texts.items())]
        return "[ " + " ; ".join(pairs) + " ]"


# --- checks and their results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL reports it (rdflib terms)."""

    focus: Identifier
    path: Node | None
    value: Identifier | None
    shape: Node
    component: URIRef
    severity: Node
    message: str


@dataclass(frozen=True)
class Found:
    """A result, with the store's term of the focus node of the check that reported it (sh:node reports
    the results of the node shape for a value node under the focus node, and looks that node up again)."""

    result: Result
    anchor: Term


def rdf(node: Term) -> Identifier:
    """An rdflib term from a row; a blank node cannot be named as pySHACL names it."""
    if isinstance(node, ox.BlankNode):
        raise Unnamed("a blank node in a result")
    converted = from_ox(node)
    assert converted is not None
    return converted


def boolean(node: Term | None) -> bool:
    return isinstance(node, ox.Literal) and node.value == "true"


def unique(found: Iterable[Found]) -> list[Found]:
    """One result per rdflib focus node and value: pySHACL iterates over sets of rdflib terms, and rdflib
    may read two literals of the store as one term."""
    return list({item.result: item for item in found}.values())


DefaultMessage = Callable[[Identifier, Identifier | None], str]


def fixed(text: str) -> DefaultMessage:
    """A default message that names neither the focus node nor the value."""
    return lambda focus, value: text


def less_message(words: Words, other: str, focus: Identifier, value: Identifier | None) -> str:
    return f"Value of {words.of_data(focus)}->{other} < {words.of_data(value)}"


def or_message(words: Words, shapes: str, focus: Identifier, value: Identifier | None) -> str:
    return f"Node {words.of_data(value)} must conform to one or more shapes in {shapes}"


def same_term(wanted: str, var: str, names: Names) -> str:
    return f"sameTerm({var}, {wanted})"


def has_along(path: str, wanted: str, var: str, names: Names) -> str:
    return f"EXISTS {{ {var} {path} {wanted} }}"


@dataclass
class Check:
    """One constraint of one shape in one place, compiled to a query."""

    shape: Node
    component: URIRef
    severity: Node
    messages: tuple[str, ...]
    focus: Focus
    path: Path | None
    default: DefaultMessage  # pySHACL's message when the shape has none

    def run(self, runner: Runner) -> list[Found]:
        raise NotImplementedError

    def result(self, focus: Term, value: Term | None) -> Found:
        focus_node, value_node = rdf(focus), rdf(value) if value is not None else None
        message = "; ".join(self.messages) if self.messages else self.default(focus_node, value_node)
        return Found(Result(focus_node, self.path.node if self.path else None, value_node, self.shape,
                            self.component, self.severity, message), focus)

    def values_pattern(self, names: Names) -> str:
        """The focus nodes as ?this and their value nodes as ?value (for a DISTINCT query)."""
        focus = "{ " + self.focus.matches("?this", names) + " }"
        if self.path is None:
            return f"{focus} BIND(?this AS ?value)"
        return f"{focus} ?this {self.path.sparql} ?value ."

    @property
    def source(self) -> str:
        return f"SHACL core: {self.component.split('#')[-1]} of {self.shape}"


@dataclass
class ValueCheck(Check):
    """A test of each value node (sh:class, sh:datatype, sh:pattern, sh:or, ...): a result per failing
    value node. The query returns the value nodes the test does not surely pass, with the answers of its
    exact tests; the rest of pySHACL's test runs here."""

    cond: Cond = field(default_factory=lambda: AllOf(()))
    report_value: bool = True

    def query(self) -> str:
        names = Names()
        tests = exact_tests(self.cond)
        columns = {id(test): f"?e{i}" for i, test in enumerate(tests)}
        binds = " ".join(f"BIND({test.sparql('?value', names)} AS {columns[id(test)]})" for test in tests)
        sure = sure_sparql(self.cond, "?value", names, columns)
        return select(f"DISTINCT ?this ?value {' '.join(columns.values())}",
                      f"{self.values_pattern(names)} {binds} FILTER(!{sure})")

    def run(self, runner: Runner) -> list[Found]:
        tests = exact_tests(self.cond)
        found = []
        for row in runner.select(self.query(), self.source):
            columns = {id(test): boolean(row.get(f"e{i}")) for i, test in enumerate(tests)}
            if not decide(self.cond, rdf(row["value"]), columns):
                found.append(self.result(row["this"], row["value"] if self.report_value else None))
        return unique(found)


@dataclass
class CountCheck(Check):
    """sh:minCount or sh:maxCount: a result per focus node with too few or too many value nodes. The store
    counts; but rdflib, with which pySHACL counts, may read two typed literals that the store keeps apart (an
    ill-typed "1_0" and "10") as one term, so a focus node where that could change the answer is counted
    again the rdflib way."""

    least: int | None = None
    most: int | None = None

    def run(self, runner: Runner) -> list[Found]:
        assert self.path is not None
        names, path = Names(), self.path.sparql
        focus, each = self.focus.pattern("?this", names), "{ " + self.focus.matches("?this", names) + " }"
        if self.least == 1:  # no value at all, for the store and for rdflib alike
            query = select("DISTINCT ?this", f"{each} FILTER NOT EXISTS {{ ?this {path} ?v }}")
            return [self.result(row["this"], None) for row in runner.select(query, self.source)]
        if self.least is not None:  # the store never counts fewer than rdflib: below the bound, it fails
            typed = (f"SUM(IF(COALESCE(isLiteral(?v) && DATATYPE(?v) != {XSD_STRING} && DATATYPE(?v) != "
                     f"{LANG_STRING}, false), 1, 0))")
            query = select("?this", f"{focus} OPTIONAL {{ ?this {path} ?v }}",
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {term(Literal(self.least))} || "
                           f"{typed} > 1)")
        elif self.most == 0:
            query = select("DISTINCT ?this", f"{each} ?this {path} ?v .")
        elif self.most == 1:
            query = select("DISTINCT ?this", f"{each} ?this {path} ?v . ?this {path} ?w . "
                                             "FILTER(!sameTerm(?v, ?w))")
        else:
            query = select("?this", f"{focus} ?this {path} ?v .",
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {term(Literal(self.most))})")
        candidates = [row["this"] for row in runner.select(query, self.source)]
        if not candidates:
            return []
        counted: dict[Term, set[object]] = {node: set() for node in candidates}
        query = select("?this ?v", f"{values_block('?this', candidates)} ?this {path} ?v .")
        for row in runner.select(query, self.source):
            value = row["v"]  # a blank node is a value of its own; other terms count as rdflib reads them
            counted[row["this"]].add(value if isinstance(value, ox.BlankNode) else rdf(value))
        return [self.result(node, None) for node, values in counted.items() if self.fails(len(values))]

    def fails(self, number: int) -> bool:
        too_few = self.least is not None and number < self.least
        return too_few or (self.most is not None and number > self.most)


@dataclass
class HasValueCheck(Check):
    """sh:hasValue on a property shape: a result, without a value, per focus node lacking the value."""

    wanted: Identifier = RDF.nil

    def run(self, runner: Runner) -> list[Found]:
        assert self.path is not None
        focus = "{ " + self.focus.matches("?this", Names()) + " }"
        lacking = f"FILTER NOT EXISTS {{ ?this {self.path.sparql} {term(self.wanted)} }}"
        query = select("DISTINCT ?this", f"{focus} {lacking}")
        return [self.result(row["this"], None) for row in runner.select(query, self.source)]


@dataclass
class PairCheck(Check):
    """sh:lessThanOrEquals: a result per value node and per value of the other property it is not <= to."""

    other: URIRef = RDF.nil

    def run(self, runner: Runner) -> list[Found]:
        assert self.path is not None
        sure = (f"COALESCE((isLiteral(?value) && isLiteral(?other) && ((DATATYPE(?value) = {XSD_INTEGER} && "
                f"DATATYPE(?other) = {XSD_INTEGER}) || (DATATYPE(?value) = {XSD_STRING} && "
                f"DATATYPE(?other) = {XSD_STRING})) && ?value <= ?other), false)")
        query = select("DISTINCT ?this ?value ?other",
                       f"{self.values_pattern(Names())} ?this {term(self.other)} ?other . FILTER(!{sure})")
        found: dict[tuple[Result, Identifier], Found] = {}
        for row in runner.select(query, self.source):
            value, other = rdf(row["value"]), rdf(row["other"])
            if not less_or_equal_ok(value, other):
                item = self.result(row["this"], row["value"])
                found.setdefault((item.result, other), item)  # a result per pair, as pySHACL
        return list(found.values())


@dataclass
class NodeCheck(Check):
    """sh:node: a result per focus node and value node that does not conform to the node shape, followed -
    as pySHACL nests them under sh:detail - by that shape's own results for the value node, once per pair."""

    inner: list[Check] = field(default_factory=list)

    def run(self, runner: Runner) -> list[Found]:
        by_value: dict[Term, list[Found]] = {}
        for check in self.inner:
            for item in check.run(runner):
                by_value.setdefault(item.anchor, []).append(item)
        if not by_value:
            return []
        if self.path is None:
            pairs = [(value, value) for value in by_value]
        else:
            query = select("DISTINCT ?this ?value",
                           f"{self.values_pattern(Names())} {values_block('?value', by_value)}")
            pairs = [(row["this"], row["value"]) for row in runner.select(query, self.source)]
        found = []
        for focus, value in {(rdf(f), rdf(v)): (f, v) for f, v in pairs}.values():
            found.append(self.result(focus, value))
            found += [replace(item, anchor=focus) for item in by_value[value]]
        return found


# --- reading the shapes graph -------------------------------------------------------------------------------


def discovered_shapes(shapes: Graph) -> tuple[set[Node], set[Node]]:
    """The node shapes and the property shapes pySHACL finds in a shapes graph (its ShapesGraph)."""
    declared_nodes = set(shapes.subjects(RDF.type, SH.NodeShape))
    declared_properties = set(shapes.subjects(RDF.type, SH.PropertyShape))
    candidates: set[Node] = set()
    for predicate in (*TARGETS, SH.property, SH.node):
        candidates.update(shapes.subjects(predicate, None))
    for predicate in REFERENCES:
        candidates.update(shapes.objects(None, predicate))
    for predicate in LISTS_OF_SHAPES:
        for head in shapes.objects(None, predicate):
            candidates.update(shapes.items(head))
    nodes, properties = set(declared_nodes), set(declared_properties)
    for node in candidates - declared_nodes - declared_properties:
        (properties if (node, SH.path, None) in shapes else nodes).add(node)
    return nodes, properties


def implicit_class_types(shapes: Graph, shape: Node) -> list[Node]:
    """The rdf:type values that make a shape an implicit class target (Shape.implicit_class_targets)."""
    classes = {RDFS.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    return [t for t in shapes.objects(shape, RDF.type) if t in classes]


def has_targets(shapes: Graph, shape: Node) -> bool:
    explicit = any((shape, predicate, None) in shapes for predicate in (*TARGETS, SH.target))
    return explicit or bool(implicit_class_types(shapes, shape))


def ordered(nodes: Iterable[Node]) -> tuple[Any, ...]:
    return tuple(sorted(set(nodes), key=lambda node: node.n3()))


@dataclass
class Reads:
    """What a shape's queries read, to check it against what pySHACL's data graph leaves out."""

    top_forward: set[URIRef] = field(default_factory=set)  # at the focus nodes, from the focus side
    top_inverse: set[URIRef] = field(default_factory=set)  # at the focus nodes, from the value side
    nested: set[URIRef] = field(default_factory=set)  # anywhere else
    classes: set[URIRef] = field(default_factory=set)  # tested through rdf:type and rdfs:subClassOf


Make = Callable[..., Check]


class Compiler:
    """Compiles the top-level shapes of a shapes graph (those with targets) into checks."""

    def __init__(self, shapes: Graph, words: Words) -> None:
        self.shapes = shapes
        self.words = words
        self.nodes, self.properties = discovered_shapes(shapes)
        self.lookups = Lookups()
        # the parameters of constraint components that the shapes graph declares (sh:parameter/sh:path)
        self.parameters = {p for param in shapes.objects(None, SH.parameter)
                           for p in shapes.objects(param, SH.path)}

    # - parameters -

    def only(self, shape: Node, predicate: URIRef) -> Node | None:
        values = list(self.shapes.objects(shape, predicate))
        if len(values) > 1:
            raise Unsupported(f"{len(values)} values of {predicate}")
        return values[0] if values else None

    def count(self, shape: Node, predicate: URIRef) -> int | None:
        value = self.only(shape, predicate)
        if value is None:
            return None
        if not (isinstance(value, Literal) and value.datatype == XSD.integer and isinstance(value.value, int)
                and value.value >= 0):
            raise Unsupported(f"{predicate} is not a non-negative xsd:integer")
        return value.value

    def items(self, head: Node) -> list[Node]:
        if head == RDF.nil:
            return []
        if not isinstance(head, BNode) or (head, RDF.first, None) not in self.shapes:
            raise Unsupported("a list that is not an RDF list")
        return list(Collection(self.shapes, head))

    def deactivated(self, shape: Node) -> bool:
        value = self.only(shape, SH.deactivated)
        if value is None:
            return False
        if not isinstance(value, Literal):
            raise Unsupported("sh:deactivated that is not a literal")
        return bool(value.value)  # as pySHACL reads it

    def severity(self, shape: Node) -> Node:
        return self.only(shape, SH.severity) or SH.Violation

    def messages(self, shape: Node) -> tuple[str, ...]:
        return tuple(sorted(str(m) for m in set(self.shapes.objects(shape, SH.message))))

    def is_property(self, shape: Node) -> bool:
        return shape in self.properties

    def check_parameters(self, shape: Node) -> None:
        for predicate in set(self.shapes.predicates(shape)):
            if predicate in INERT or predicate in COMPILED:
                continue
            if str(predicate).startswith(str(SH)) or predicate in self.parameters:
                raise Unsupported(f"{predicate}")

    # - paths -

    def path(self, shape: Node) -> Path:
        node = self.only(shape, SH.path)
        if node is None:
            raise Unsupported("a property shape without sh:path")
        sparql, forward, inverse = self.path_part(node, top=True)
        return Path(node, sparql, frozenset(forward), frozenset(inverse))

    def path_part(self, node: Node, top: bool = False) -> tuple[str, set[URIRef], set[URIRef]]:
        if isinstance(node, URIRef):
            return term(node), {node}, set()
        predicates = set(self.shapes.predicates(node)) if isinstance(node, BNode) else set()
        if predicates == {SH.inversePath}:
            inner = self.only(node, SH.inversePath)
            if isinstance(inner, URIRef):
                return "^" + term(inner), set(), {inner}
        if predicates == {SH.alternativePath} and top:
            head = self.only(node, SH.alternativePath)
            assert head is not None
            members = [self.path_part(member) for member in self.items(head)]
            if len(members) >= 2:
                return ("(" + "|".join(text for text, _, _ in members) + ")",
                        {p for _, f, _ in members for p in f}, {p for _, _, i in members for p in i})
        raise Unsupported("a path other than an IRI, sh:inversePath of an IRI or sh:alternativePath of those")

    # - top-level shapes -

    def targets(self, shape: Node) -> Targets:
        queries = []
        for target in self.shapes.objects(shape, SH.target):
            selects = list(self.shapes.objects(target, SH.select))
            if (target, RDF.type, SH.SPARQLTarget) not in self.shapes or len(selects) != 1:
                raise Unsupported("an advanced target other than a SPARQL target with one query")
            query = prefix_lines(self.shapes, target) + "\n" + str(selects[0])
            Sparql.parse(query, f"sh:select of the target of {shape}")  # an error names the shape (exit 2)
            self.lookups.targets.setdefault(query, None)
            queries.append(query)
        classes = list(self.shapes.objects(shape, SH.targetClass))
        if implicit_class_types(self.shapes, shape):
            classes.append(shape)
        nodes = list(self.shapes.objects(shape, SH.targetNode))
        subjects_of = list(self.shapes.objects(shape, SH.targetSubjectsOf))
        objects_of = list(self.shapes.objects(shape, SH.targetObjectsOf))
        for node in (*classes, *subjects_of, *objects_of):
            if not isinstance(node, URIRef):
                raise Unsupported("a target that is not an IRI")
        for node in nodes:
            plain = isinstance(node, Literal) and node.datatype is None and not node.language
            if not (isinstance(node, URIRef) or plain):
                raise Unsupported("a target node that is a blank node or a typed or tagged literal")
        self.lookups.wanted.update(classes)  # type: ignore[arg-type]
        return Targets(self.lookups, ordered(classes), ordered(nodes), ordered(subjects_of),
                       ordered(objects_of), tuple(sorted(queries)))

    def top(self, shape: Node, focus: Targets, reads: Reads) -> list[Check]:
        reads.classes.update(focus.classes)
        return self.shape_checks(shape, focus, reads, stack=(), top=True)

    # - the checks of one shape on some focus nodes -

    def shape_checks(self, shape: Node, focus: Focus, reads: Reads, stack: tuple[Node, ...],
                     top: bool) -> list[Check]:
        if shape in stack or len(stack) > 8:
            raise Unsupported("a shape that refers to itself")
        stack = (*stack, shape)
        self.check_parameters(shape)
        if self.deactivated(shape):
            return []
        path = self.path(shape) if self.is_property(shape) else None
        if path is not None:
            if top:
                reads.top_forward |= path.forward
                reads.top_inverse |= path.inverse
            else:
                reads.nested |= path.forward | path.inverse
        severity, messages = self.severity(shape), self.messages(shape)
        words, checks = self.words, list[Check]()

        def make(kind: Make, parameter: URIRef, default: DefaultMessage, **extra: Any) -> None:
            component = COMPONENT[parameter]
            checks.append(kind(shape, component, severity, messages, focus, path, default, **extra))

        def rules(predicate: URIRef) -> list[Node]:
            values = list(self.shapes.objects(shape, predicate))
            if len(values) > 1 and not messages:
                raise Unsupported(f"several {predicate}: pySHACL's message lists them in its own order")
            return values

        def along_path() -> str:
            assert path is not None
            return words.of_shapes(path.node)

        for cls in rules(SH["class"]):
            make(ValueCheck, SH["class"], fixed(f"Value does not have class {words.of_shapes(cls)}"),
                 cond=self.class_test(cls, reads))
        if (datatype := self.only(shape, SH.datatype)) is not None:
            make(ValueCheck, SH.datatype,
                 lambda f, v: f"Value is not Literal with datatype {words.of_shapes(datatype)}",
                 cond=self.datatype_test(datatype))
        if (kind := self.only(shape, SH.nodeKind)) is not None:
            make(ValueCheck, SH.nodeKind, lambda f, v: f"Value is not of Node Kind {words.of_shapes(kind)}",
                 cond=self.node_kind_test(kind))
        least, most = self.count(shape, SH.minCount), self.count(shape, SH.maxCount)
        if (least is not None or most is not None) and path is None:
            raise Unsupported("sh:minCount or sh:maxCount on a node shape")
        if least:
            make(CountCheck, SH.minCount,
                 lambda f, v: f"Less than {least} values on {words.of_data(f)}->{along_path()}", least=least)
        if most is not None:
            make(CountCheck, SH.maxCount,
                 lambda f, v: f"More than {most} values on {words.of_data(f)}->{along_path()}", most=most)
        patterns = rules(SH.pattern)
        flags = self.flags(shape) if patterns else ""
        for pattern in patterns:
            make(ValueCheck, SH.pattern,
                 fixed(f"Value does not match pattern '{getattr(pattern, 'value', pattern)}'"),
                 cond=self.pattern_test(pattern, flags))
        if (length := self.only(shape, SH.minLength)) is not None:
            test = self.min_length_test(length)
            if test is not None:
                make(ValueCheck, SH.minLength, lambda f, v: f"String length not >= {words.of_data(length)}",
                     cond=test)
        for bound in rules(SH.minInclusive):
            make(ValueCheck, SH.minInclusive, fixed(f"Value is not >= {words.of_shapes(bound)}"),
                 cond=self.min_inclusive_test(bound))
        if (languages := self.only(shape, SH.languageIn)) is not None:
            make(ValueCheck, SH.languageIn,
                 lambda f, v: f"String language is not in {words.of_shapes(languages)}",
                 cond=self.language_test(languages))
        if (members := self.only(shape, SH["in"])) is not None:
            items = self.items(members)
            if len(items) > 1 and not messages:
                raise Unsupported("sh:in with several values: pySHACL's message lists them in its own order")
            listed = [words.of_shapes(i) for i in items]
            make(ValueCheck, SH["in"], lambda f, v: f"Value {words.of_data(v)} not in list {listed}",
                 cond=self.in_test(items))
        for wanted in rules(SH.hasValue):
            self.has_value(wanted, path, make)
        for other in rules(SH.lessThanOrEquals):
            if path is None or not isinstance(other, URIRef):
                raise Unsupported("sh:lessThanOrEquals on a node shape, or not an IRI")
            (reads.top_forward if top else reads.nested).add(other)
            make(PairCheck, SH.lessThanOrEquals,
                 partial(less_message, words, words.of_shapes(other)),
                 other=other)
        for head in rules(SH["or"]):
            members_of_or = self.items(head)
            if not members_of_or:
                raise Unsupported("an empty sh:or")
            cond = AnyOf(tuple(self.conform(m, reads, stack, python=True) for m in members_of_or))
            shown = " , ".join(words.of_shapes(m) for m in members_of_or)
            make(ValueCheck, SH["or"],
                 partial(or_message, words, shown),
                 cond=cond)
        for node_shape in rules(SH.node):
            if node_shape not in self.nodes:
                raise Unsupported("sh:node of something that is not a node shape")
            inner_focus = ValuesOf(focus, path) if path is not None else focus
            inner = self.shape_checks(node_shape, inner_focus, reads, stack, top=False)
            make(NodeCheck, SH.node,
                 fixed(f"Value does not conform to Shape {words.of_shapes(node_shape)}. "
                       "See details for more information."),
                 inner=inner)
        for prop in self.shapes.objects(shape, SH.property):
            if path is not None or not self.is_property(prop):
                raise Unsupported("sh:property on a property shape, or of a node shape")
            checks += self.shape_checks(prop, focus, reads, stack, top=top)
        return checks

    def flags(self, shape: Node) -> str:
        """The flags pySHACL gives `re`: i and m (it ignores the others)."""
        value = self.only(shape, SH.flags)
        if value is None:
            return ""
        text = str(value.value if isinstance(value, Literal) and value.value is not None else value).lower()
        return "".join(flag for flag in "im" if flag in text)

    def has_value(self, wanted: Node, path: Path | None, make: Callable[..., None]) -> None:
        plain = isinstance(wanted, Literal) and (wanted.datatype is None or wanted.datatype == XSD.string)
        if not (isinstance(wanted, URIRef) or plain):
            raise Unsupported("sh:hasValue that is neither an IRI nor a string")
        words, shown = self.words, [self.words.of_shapes(wanted)]
        if path is None:
            make(ValueCheck, SH.hasValue,
                 lambda f, v: f"Node {words.of_data(f)} value is not a in the set of values: {shown}",
                 cond=Test(lambda var, names: f"sameTerm({var}, {term(wanted)})"), report_value=False)
        else:
            make(HasValueCheck, SH.hasValue,
                 lambda f, v: f"Node {words.of_data(f)}->{words.of_shapes(path.node)} does not contain a "
                              f"value in the set: {shown}",
                 wanted=wanted)

    # - tests of one node -

    def class_test(self, cls: Node, reads: Reads) -> Test:
        if not isinstance(cls, URIRef):
            raise Unsupported("sh:class that is not an IRI")
        reads.classes.add(cls)
        self.lookups.wanted.add(cls)
        lookups = self.lookups
        return Test(lambda var, names: lookups.member(var, cls, names))

    def datatype_test(self, datatype: Node) -> Test:
        if not isinstance(datatype, URIRef):
            raise Unsupported("sh:datatype that is not an IRI")
        if datatype == RDFS.Literal:
            return Test(lambda v, names: f"isLiteral({v})")
        if datatype == XSD.string:
            return Test(lambda v, names: f"(isLiteral({v}) && DATATYPE({v}) = {XSD_STRING})")
        if datatype == RDF.langString:
            return Test(lambda v, names: f'(isLiteral({v}) && LANG({v}) != "")')
        if datatype == RDFS.Datatype:
            return Test(lambda v, names: f"(isLiteral({v}) && DATATYPE({v}) != {XSD_STRING} && "
                                         f"DATATYPE({v}) != {LANG_STRING})")
        name = term(datatype)

        def sure(v: str, names: Names) -> str:
            """Lexical forms that rdflib surely reads as a value of the Python type pySHACL expects."""
            if datatype == XSD.integer:
                return f'(isLiteral({v}) && DATATYPE({v}) = {name} && REGEX(STR({v}), "^-?[0-9]+$"))'
            if datatype == XSD.boolean:
                return f'(isLiteral({v}) && DATATYPE({v}) = {name} && STR({v}) IN ("true", "false"))'
            return "false"
        return Test(sure, lambda value: datatype_ok(value, datatype))

    def node_kind_test(self, kind: Node) -> Test:
        functions = {SH.IRI: "isIRI", SH.BlankNode: "isBlank", SH.Literal: "isLiteral",
                     SH.BlankNodeOrIRI: "!isLiteral", SH.BlankNodeOrLiteral: "!isIRI",
                     SH.IRIOrLiteral: "!isBlank"}
        function = functions.get(kind)  # type: ignore[call-overload]
        if function is None:
            raise Unsupported("an unknown sh:nodeKind")
        return Test(lambda v, names: f"{function}({v})")

    def pattern_test(self, pattern: Node, flags: str) -> Test:
        if not isinstance(pattern, Literal):
            raise Unsupported("sh:pattern that is not a literal")
        text = str(pattern.value) if pattern.value is not None and len(pattern.value) > 1 else str(pattern)
        try:
            compiled = re.compile(text, (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))
        except re.error:
            raise Unsupported("a regular expression Python does not compile") from None
        in_sparql = sparql_regex_ok(text, flags)
        regex, regex_flags = text_literal(text), text_literal(flags)

        def sure(v: str, names: Names) -> str:
            if not in_sparql:
                return "false"
            return (f"(!isBlank({v}) && (isIRI({v}) || DATATYPE({v}) = {XSD_STRING} || DATATYPE({v}) = "
                    f"{LANG_STRING}) && REGEX(STR({v}), {regex}, {regex_flags}))")

        def passes(value: Identifier) -> bool:
            return not isinstance(value, BNode) and bool(compiled.search(value_string(value)))
        return Test(sure, passes)

    def min_length_test(self, length: Node) -> Test | None:
        if not (isinstance(length, Literal) and length.datatype in WHOLE_INTEGERS
                and isinstance(length.value, int) and length.value >= 0):
            raise Unsupported("sh:minLength that is not a non-negative integer")
        least = length.value
        if least == 0:
            return None  # always passes, a blank node too
        bound = term(Literal(least))

        def passes(value: Identifier) -> bool:
            return not isinstance(value, BNode) and len(value_string(value)) >= least
        def sure(v: str, names: Names) -> str:
            return (f"((isIRI({v}) || (isLiteral({v}) && (DATATYPE({v}) = {XSD_STRING} || "
                    f"DATATYPE({v}) = {LANG_STRING}))) && STRLEN(STR({v})) >= {bound})")
        return Test(sure, passes)

    def min_inclusive_test(self, bound: Node) -> Test:
        if not isinstance(bound, Literal):
            raise Unsupported("sh:minInclusive that is not a literal")
        integer = bound.datatype == XSD.integer and isinstance(bound.value, int)
        least = term(bound)

        def sure(v: str, names: Names) -> str:
            if not integer:
                return "false"
            return f"(isLiteral({v}) && DATATYPE({v}) = {XSD_INTEGER} && {v} >= {least})"
        return Test(sure, lambda value: min_inclusive_ok(value, bound))

    def language_test(self, head: Node) -> Test:
        wanted = set()
        for item in self.items(head):
            if not (isinstance(item, Literal) and isinstance(item.value, str)):
                raise Unsupported("sh:languageIn with a value that is not a string")
            wanted.add(str(item.value).lower())
        tags = frozenset(wanted)
        listed = ", ".join(text_literal(tag) for tag in sorted(tags))

        def sure(v: str, names: Names) -> str:
            if "*" in tags:
                return f'(isLiteral({v}) && LANG({v}) != "")'
            if not tags:
                return "false"
            return (f'(isLiteral({v}) && LANG({v}) != "" && (LCASE(LANG({v})) IN ({listed}) || '
                    f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-")) IN ({listed})))')
        return Test(sure, lambda value: languages_ok(value, tags))

    def in_test(self, items: list[Node]) -> Test:
        allowed = set(items)
        iris = [term(item) for item in items if isinstance(item, URIRef)]

        def same(v: str, names: Names) -> str:
            return "(" + " || ".join([f"sameTerm({v}, {iri})" for iri in iris] or ["false"]) + ")"
        if all(isinstance(item, URIRef | BNode) for item in items):  # no literal is equal to any of these
            return Test(same)
        return Test(same, lambda value: value in allowed)

    # - conformance of a node to a member of sh:or, decided without reporting -

    def conform(self, shape: Node, reads: Reads, stack: tuple[Node, ...], python: bool) -> Cond:
        """The condition that a node conforms to `shape` (pySHACL, validating it, finds it conformant). With
        `python`, the node is the row's value node and Python may decide tests; else all must be exact."""
        if shape in stack or len(stack) > 8:
            raise Unsupported("a shape that refers to itself")
        stack = (*stack, shape)
        self.check_parameters(shape)
        if self.deactivated(shape):
            return AllOf(())
        if self.is_property(shape):
            return self.property_conform(shape, reads, stack)
        if any((shape, p, None) in self.shapes for p in (SH.minCount, SH.maxCount, SH.lessThanOrEquals)):
            raise Unsupported("a count or a comparison on a node shape")
        parts: list[Cond] = [self.class_test(cls, reads) for cls in self.shapes.objects(shape, SH["class"])]
        if (datatype := self.only(shape, SH.datatype)) is not None:
            parts.append(self.datatype_test(datatype))
        if (kind := self.only(shape, SH.nodeKind)) is not None:
            parts.append(self.node_kind_test(kind))
        parts += [self.min_inclusive_test(b) for b in self.shapes.objects(shape, SH.minInclusive)]
        flags = self.flags(shape)
        parts += [self.pattern_test(p, flags) for p in self.shapes.objects(shape, SH.pattern)]
        if (length := self.only(shape, SH.minLength)) is not None and (test := self.min_length_test(length)):
            parts.append(test)
        if (languages := self.only(shape, SH.languageIn)) is not None:
            parts.append(self.language_test(languages))
        if (members := self.only(shape, SH["in"])) is not None:
            parts.append(self.in_test(self.items(members)))
        for wanted in self.shapes.objects(shape, SH.hasValue):
            if not isinstance(wanted, URIRef):
                raise Unsupported("sh:hasValue in a member shape that is not an IRI")
            parts.append(Test(partial(same_term, term(wanted))))
        for head in self.shapes.objects(shape, SH["or"]):
            parts.append(AnyOf(tuple(self.conform(m, reads, stack, python) for m in self.items(head))))
        parts += [self.conform(n, reads, stack, python) for n in self.shapes.objects(shape, SH.node)]
        parts += [self.conform(p, reads, stack, False) for p in self.shapes.objects(shape, SH.property)]
        cond = AllOf(tuple(parts))
        if not python and not exact(cond):
            raise Unsupported("a test Python decides, of a node that is not the value node of a result")
        return cond

    def property_conform(self, shape: Node, reads: Reads, stack: tuple[Node, ...]) -> Cond:
        """A property shape as an exact condition on its focus node: its count, and the tests its value
        nodes must all pass."""
        path = self.path(shape)
        reads.nested |= path.forward | path.inverse
        if any((shape, p, None) in self.shapes for p in (SH.lessThanOrEquals, SH.property, SH.maxCount)):
            raise Unsupported("a comparison, a nested property shape or sh:maxCount in a member shape")
        if (least := self.count(shape, SH.minCount)) not in (None, 0, 1):
            raise Unsupported("sh:minCount above 1 in a member shape")
        parts: list[Cond] = []
        if least == 1:
            parts.append(Test(lambda var, names: f"EXISTS {{ {var} {path.sparql} {names('x')} }}"))
        each = self.tests_of_values(shape, reads, stack)
        if each is not None:
            def every(var: str, names: Names, each: Cond = each) -> str:
                value = names("x")
                passing = exact_sparql(each, value, names)
                return f"NOT EXISTS {{ {var} {path.sparql} {value} . FILTER(!{passing}) }}"
            parts.append(Test(every))
        for wanted in self.shapes.objects(shape, SH.hasValue):
            if not isinstance(wanted, URIRef):
                raise Unsupported("sh:hasValue in a member shape that is not an IRI")
            parts.append(Test(partial(has_along, path.sparql, term(wanted))))
        return AllOf(tuple(parts))

    def tests_of_values(self, shape: Node, reads: Reads, stack: tuple[Node, ...]) -> Cond | None:
        """The tests a member property shape makes of each of its value nodes, as one exact condition."""
        decided_in_python = (SH.datatype, SH.pattern, SH.minLength, SH.minInclusive)
        if any((shape, p, None) in self.shapes for p in decided_in_python):
            raise Unsupported("a test Python decides, of the value nodes of a member shape")
        parts: list[Cond] = [self.class_test(cls, reads) for cls in self.shapes.objects(shape, SH["class"])]
        if (kind := self.only(shape, SH.nodeKind)) is not None:
            parts.append(self.node_kind_test(kind))
        if (members := self.only(shape, SH["in"])) is not None:
            parts.append(self.in_test(self.items(members)))
        if (languages := self.only(shape, SH.languageIn)) is not None:
            parts.append(self.language_test(languages))
        parts += [self.conform(n, reads, stack, False) for n in self.shapes.objects(shape, SH.node)]
        for head in self.shapes.objects(shape, SH["or"]):
            parts.append(AnyOf(tuple(self.conform(m, reads, stack, False) for m in self.items(head))))
        cond = AllOf(tuple(parts))
        if not exact(cond):
            raise Unsupported("a test Python decides, of the value nodes of a member shape")
        return cond if parts else None


# --- what pySHACL's data graph leaves out of the ontology ---------------------------------------------------


def unmixed_triples(loaded: LoadedProject) -> list[tuple[Node, Node, Node]]:
    """Ontology triples that pySHACL's data graph lacks, or holds under other blank-node names, and that the
    data does not state as well: the store's asserted graph has them, pySHACL's data graph does not."""
    ontology = loaded.ontology
    individuals = {s for s in ontology.subjects(RDF.type, OWL.NamedIndividual) if isinstance(s, URIRef)}
    found = []
    for s, p, o in ontology:
        if not (isinstance(s, BNode) or isinstance(o, BNode)):
            mixed = p in MIXED_PROPERTIES or (p == RDF.type and o in MIXED_CLASSES) or s in individuals
            if mixed or in_data(loaded, s, p, o):
                continue
        found.append((s, p, o))
    return found


def in_data(loaded: LoadedProject, s: Node, p: Node, o: Node) -> bool:
    quads = loaded.store.quads_for_pattern(to_ox(s), to_ox(p), to_ox(o), None)  # type: ignore[arg-type]
    return next(iter(quads), None) is not None


@dataclass
class Unit:
    """A top-level shape (one with targets), compiled whole."""

    shape: Node
    checks: list[Check]
    focus: Targets
    reads: Reads

    def mixing_problem(self, unmixed: list[tuple[Node, Node, Node]], unmixed_types: set[Node],
                       runner: Runner) -> str | None:
        """Why the store could answer this shape's queries unlike pySHACL's data graph, if it could.
        `unmixed_types`: the superclasses of the types that only unmixed ontology triples give."""
        if unmixed_types & self.reads.classes:
            return "the ontology types something, unknown to pySHACL's data graph, as a class the shape tests"
        anchors = []
        for s, p, o in unmixed:
            if p in self.reads.nested:
                return f"the ontology has {p} triples, unknown to pySHACL's data graph"
            if p in self.reads.top_forward:
                anchors.append(s)
            if p in self.reads.top_inverse:
                anchors.append(o)
        if any(isinstance(a, BNode) for a in anchors) and (self.focus.subjects_of or self.focus.objects_of):
            # (a blank node is a focus node of a class target only through its type, checked above)
            return "the ontology has blank nodes where the shape reads"
        named = ordered(a for a in anchors if isinstance(a, URIRef | Literal))
        if named:
            query = select("?this", f"VALUES ?this {{ {' '.join(map(term, named))} }} "
                                    f"{self.focus.pattern('?this', Names())}", "LIMIT 1")
            if runner.select(query, f"SHACL core: focus nodes of {self.shape}"):
                return "a focus node has ontology triples, unknown to pySHACL's data graph"
        return None


# --- the plan -----------------------------------------------------------------------------------------------


@dataclass
class CorePlan:
    shapes: Graph  # the shapes graph the plan was made from
    units: list[Unit]
    left: dict[Node, str]  # the top-level shapes left to pySHACL, and why
    lookups: Lookups
    results: list[Result] = field(default_factory=list)
    queries: int = 0

    def rest(self) -> Graph:
        """The shapes graph for pySHACL: the compiled shapes without their targets (whole otherwise, for any
        shape that refers to them), the shapes left as they were."""
        compiled = {unit.shape for unit in self.units}
        out = Graph()
        for prefix, namespace in self.shapes.namespaces():
            out.bind(prefix, namespace)
        for s, p, o in self.shapes:
            if s in compiled and (p in TARGETS or p == SH.target or
                                  (p == RDF.type and o in implicit_class_types(self.shapes, s))):
                continue
            out.add((s, p, o))
        return out

    def queries_text(self) -> Iterator[tuple[Node, str]]:
        """The compiled value queries (those that do not depend on other results), to read or test."""
        def walk(checks: Sequence[Check]) -> Iterator[tuple[Node, str]]:
            for check in checks:
                if isinstance(check, ValueCheck):
                    yield check.shape, check.query()
                if isinstance(check, NodeCheck):
                    yield from walk(check.inner)
        for unit in self.units:
            yield from walk(unit.checks)


def compile_shapes(shapes: Graph, loaded: LoadedProject) -> CorePlan:
    """The top-level shapes compiled, and those left to pySHACL with the reason."""
    compiler = Compiler(shapes, Words(loaded, shapes))
    tops = sorted((s for s in compiler.nodes | compiler.properties if has_targets(shapes, s)), key=str)
    if (None, SH.rule, None) in shapes:
        reason = "the shapes graph has SHACL rules, which change the data"
        return CorePlan(shapes, [], dict.fromkeys(tops, reason), compiler.lookups)
    units, left = [], {}
    for shape in tops:
        reads = Reads()
        try:
            focus = compiler.targets(shape)
            units.append(Unit(shape, compiler.top(shape, focus, reads), focus, reads))
        except Unsupported as exc:
            left[shape] = str(exc)
    return CorePlan(shapes, units, left, compiler.lookups)


def run_plan(plan: CorePlan, loaded: LoadedProject, store: ProjectStore,
             workers: int | None = None) -> CorePlan:
    """Run every compiled check, the shapes on a few threads. A shape whose results meet a blank node, or
    whose queries could read the ontology's unmixed triples, goes back to pySHACL (`plan.left`)."""
    runner = Runner(store)
    plan.lookups.fill(runner)
    unmixed = unmixed_triples(loaded)
    unmixed_types = plan.lookups.superclasses(runner, [o for _, p, o in unmixed if p == RDF.type])

    def run(unit: Unit) -> list[Result] | str:
        if unmixed and (problem := unit.mixing_problem(unmixed, unmixed_types, runner)):
            return problem
        try:
            return [item.result for check in unit.checks for item in check.run(runner)]
        except Unnamed as exc:
            return f"{exc}, which the store names its own way"

    with ThreadPoolExecutor(workers or min(4, os.cpu_count() or 1)) as pool:
        outcomes = list(pool.map(run, plan.units))
    kept = []
    for unit, outcome in zip(plan.units, outcomes, strict=True):
        if isinstance(outcome, str):
            plan.left[unit.shape] = outcome
        else:
            kept.append(unit)
            plan.results += outcome
    plan.units, plan.queries = kept, runner.queries
    return plan


def referred_shapes(shapes: Graph, shape: Node) -> list[Node]:
    """The shapes a shape refers to: sh:property, sh:node, sh:not, sh:qualifiedValueShape, sh:and/or/xone."""
    referred = [value for predicate in REFERENCES for value in shapes.objects(shape, predicate)]
    for predicate in LISTS_OF_SHAPES:
        for listed in shapes.objects(shape, predicate):
            referred.extend(shapes.items(listed))
    return referred


def recursive_shape(shapes: Graph) -> Node | None:
    """A shape that reaches itself through the shapes it refers to (SHACL leaves such results undefined;
    pySHACL warns and backs out), or None. Checked before anything is compiled, so that a recursive shapes
    graph is refused whichever engine would have run it."""
    done: set[Node] = set()
    for start in sorted(set(shapes.subjects()) - done, key=str):
        on_path = {start}
        stack = [(start, iter(referred_shapes(shapes, start)))]
        while stack:  # depth first; a child on the current path closes a cycle
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:  # the cycle: the path from child on; name a shape with an IRI if any
                cycle = [n for n, _ in stack[[n for n, _ in stack].index(child):]]
                return min((n for n in cycle if isinstance(n, URIRef)), key=str, default=child)
            elif child not in done:
                on_path.add(child)
                stack.append((child, iter(referred_shapes(shapes, child))))
    return None


def has_work(shapes: Graph) -> bool:
    """Whether pySHACL would check anything in this shapes graph: a shape with targets that has, itself or
    through the shapes it refers to, any predicate that is not inert; or SHACL rules."""
    if (None, SH.rule, None) in shapes:
        return True
    nodes, properties = discovered_shapes(shapes)
    frontier = [s for s in nodes | properties if has_targets(shapes, s)]
    seen: set[Node] = set()
    while frontier:
        shape = frontier.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for predicate, value in shapes.predicate_objects(shape):
            if predicate in REFERENCES:
                frontier.append(value)
            elif predicate in LISTS_OF_SHAPES:
                frontier.extend(shapes.items(value))
            elif predicate not in INERT:
                return True
    return False
