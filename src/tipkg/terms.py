"""How the reports name things: a term as a prefixed name (`id:dhs`), a resource by its label."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from tipkg.vocab import bind_prefixes


@lru_cache(maxsize=1)
def prefixed() -> Graph:
    """An empty graph with the project's prefixes, used only for its namespace manager (never mutated)."""
    graph = Graph()
    bind_prefixes(graph)
    return graph


def term_text(term, graph: Graph | None = None) -> str:
    """IRIs as prefixed names where a prefix fits (else `<iri>`), literals in Turtle syntax."""
    names = (graph if graph is not None else prefixed()).namespace_manager
    if isinstance(term, URIRef):
        try:
            return names.normalizeUri(term)
        except Exception:  # rdflib refuses some IRIs as prefixed names; the full IRI is still right
            return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3(names)
    return term.n3() if hasattr(term, "n3") else str(term)


def short(iri: str) -> str:
    """An IRI as a prefixed name where one fits; a blank node's `_:label` as it is."""
    return iri if iri.startswith("_:") else term_text(URIRef(iri))


def label_of(node, *graphs: Graph) -> str | None:
    """The node's skos:prefLabel (English first), else its rdfs:label, from the first graph that has one."""
    for graph in graphs:
        for predicate in (SKOS.prefLabel, RDFS.label):
            values = sorted(
                graph.objects(node, predicate), key=lambda v: (getattr(v, "language", None) != "en", v)
            )
            if values:
                return str(values[0])
    return None
