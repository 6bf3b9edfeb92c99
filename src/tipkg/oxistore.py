"""The query checks' store: the project's dataset in an in-memory Oxigraph (pyoxigraph), for speed.

`tipkg validate` runs every `*-violation.rq` rule and every canned question with expected results. On
rdflib's SPARQL engine those ~45 queries take seconds; on Oxigraph, which implements the same SPARQL 1.1,
a few tens of milliseconds. `OxigraphStore` answers with the same `QueryResult`s as
`tipkg.stores.LocalStore` (terms converted back to rdflib terms), so `tipkg.queries.check_catalogue` runs
unchanged on it. The dataset is the one `tipkg.stores.project_dataset` describes: data with its named
graphs, the ontology in the default graph, entailments (for `# inferred: yes` questions) in
`id:graph/inferred`, and the union of all graphs as the default graph of queries.

The canned queries are also run on Oxigraph (the server) by the query tests, so the two engines agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier

from tipkg.errors import InputError
from tipkg.load import LoadedProject
from tipkg.results import QueryForm, QueryResult
from tipkg.stores import Sparql
from tipkg.vocab import ID, PREFIXES

INFERRED_GRAPH = ID["graph/inferred"]


def to_ox(term: Identifier):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term) -> Identifier | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term from Oxigraph: {term!r}")


def quads_of(loaded: LoadedProject, inferred: Graph | None) -> Iterable:
    default_id = loaded.data.default_graph.identifier
    for s, p, o, g in loaded.data.quads((None, None, None, None)):
        graph = ox.DefaultGraph() if g is None or g == default_id else to_ox(g)
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)
    for s, p, o in loaded.ontology:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.DefaultGraph())
    if inferred is not None:
        name = to_ox(INFERRED_GRAPH)
        for s, p, o in inferred:
            yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), name)


class OxigraphStore:
    """The `tipkg.stores.Store` interface over an in-memory Oxigraph holding one project's dataset."""

    def __init__(self, loaded: LoadedProject, inferred: Graph | None = None) -> None:
        self.store = ox.Store()
        self.store.extend(quads_of(loaded, inferred))
        self._description = "local graph (Oxigraph)" + (
            " + OWL 2 RL entailments" if inferred is not None else ""
        )

    @property
    def description(self) -> str:
        return self._description

    def query(self, query: Sparql, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        substitutions = {ox.Variable(name): to_ox(term) for name, term in (bindings or {}).items()}
        try:
            answer = self.store.query(
                query.text,
                prefixes=dict(PREFIXES),
                use_default_graph_as_union=True,
                substitutions=substitutions or None,
            )
        except (SyntaxError, OSError, ValueError) as exc:
            raise InputError(f"the query failed on the local graph: {exc}") from None
        if query.form is QueryForm.ASK:
            return QueryResult(QueryForm.ASK, boolean=bool(answer))
        if query.form.returns_graph:
            graph = Graph()
            for triple in answer:
                graph.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))
            return QueryResult(query.form, graph=graph)
        variables = [v.value for v in answer.variables]
        rows = [tuple(from_ox(solution[v]) for v in answer.variables) for solution in answer]
        return QueryResult(QueryForm.SELECT, variables=variables, rows=rows)

    def select_column(self, text: str, variable: str = "this") -> list[Identifier]:
        """One variable's values from a SELECT query given as text (prefixes declared in it)."""
        try:
            answer = self.store.query(text, use_default_graph_as_union=True)
        except (SyntaxError, OSError, ValueError) as exc:
            raise InputError(f"a SPARQL target failed on the local graph: {exc}") from None
        values = [from_ox(solution[variable]) for solution in answer]
        return [value for value in values if value is not None]

    def has_graph(self, iri: URIRef) -> bool:
        return bool(self.store.query("ASK { GRAPH ?g {} }", substitutions={ox.Variable("g"): to_ox(iri)}))
