"""The served graph, indexed once for pages: labels, statements in and out, and the sentence behind each.

Built at start-up from `tipkg.load` (the project's ontology/ and data/ as they are on disk; the graph
does not change while it is served). Everything a page needs is looked up in plain dicts here, so a page
costs no SPARQL; only user queries go to the query workers (engine.py), which hold the project store
(`tipkg.engine.ProjectStore`). The indexes hold rdflib terms: pages are publishing (JSON-LD compacted by
rdflib with the published context); `tipkg.terms` converts where pyoxigraph writes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from tipkg.claims import LEDGER_FILE, LedgerError, claims_by_statement
from tipkg.errors import InputError
from tipkg.jsonld import context_of
from tipkg.load import LoadedProject
from tipkg.publish import canonical
from tipkg.vocab import OA, PREFIXES, SCHEMA, TIP

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, SCHEMA.name, DCTERMS.title)
# Properties shown as the page's own header, not again among its statements.
HEADER_PROPERTIES = {SKOS.prefLabel, SKOS.altLabel, RDF.type, RDFS.comment, PROV.wasDerivedFrom}


def humanize(iri: str) -> str:
    """A readable name from an IRI's last segment: 'subOrganizationOf' -> 'sub organization of'."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ").split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words) or local


def _quad_key(quad: tuple) -> tuple[str, ...]:
    return tuple(term.n3() if term is not None else "" for term in quad)


@dataclass(frozen=True)
class Source:
    """Where a statement comes from: its named graph, and that graph's sentence (None for editorial ones)."""

    graph: str
    sentence: str | None
    quote: str | None
    editorial: bool


@dataclass
class Site:
    base: str
    ontology_iri: str
    loaded: LoadedProject
    # indexes
    outgoing: dict = field(default_factory=lambda: defaultdict(list))  # s -> [(p, o, g)]
    incoming: dict = field(default_factory=lambda: defaultdict(list))  # o -> [(s, p, g)]
    labels: dict = field(default_factory=dict)  # iri -> label
    acronyms: dict = field(default_factory=lambda: defaultdict(list))
    sources: dict = field(default_factory=dict)  # graph iri -> Source
    graph_members: dict = field(default_factory=lambda: defaultdict(list))  # g -> [(s, p, o)]
    ontology_out: dict = field(default_factory=lambda: defaultdict(list))  # s -> [(p, o)]
    quad_count: int = 0
    jsonld_context: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)  # (s, p, o, graph) -> [(claim id, says)], from the ledger
    # Types of the provenance machinery (listed after the things the source talks about).
    provenance_types: frozenset = frozenset(
        {str(TIP.SourceSentence), str(TIP.SourcedGraph), str(TIP.EditorialGraph), str(PROV.Agent)}
    )

    # ------------------------------------------------------------ building

    @classmethod
    def build(cls, loaded: LoadedProject, base: str) -> Site:
        site = cls(base=base, ontology_iri=base + "ontology", loaded=loaded)
        dataset: Dataset = loaded.data
        default_id = dataset.default_graph.identifier
        # In a fixed order: rdflib's follows hashing that changes from process to process, and the pages
        # list statements (ties of their sort keys included) in the order indexed here.
        for s, p, o, g in sorted(dataset.quads((None, None, None, None)), key=_quad_key):
            graph = None if g is None or g == default_id else str(g)
            site.outgoing[s].append((p, o, graph))
            if not isinstance(o, Literal):
                site.incoming[o].append((s, p, graph))
            if graph is not None:
                site.graph_members[graph].append((s, p, o))
            site.quad_count += 1
        for s, p, o in sorted(loaded.ontology, key=lambda t: tuple(term.n3() for term in t)):
            site.ontology_out[s].append((p, o))
        site._index_labels()
        site._index_claims()
        site._index_sources()
        # The same context as the published context.jsonld (tipkg.jsonld), inline in every document.
        site.jsonld_context = context_of(loaded)["@context"]
        return site

    def _index_labels(self) -> None:
        rank = {prop: i for i, prop in enumerate(LABEL_PROPERTIES)}
        best: dict = {}
        statements = [(s, p, o) for s, pos in self.outgoing.items() for p, o, _ in pos]
        statements += [(s, p, o) for s, pos in self.ontology_out.items() for p, o in pos]
        for s, p, o in statements:
            if p in rank and isinstance(o, Literal):
                key = (rank[p], 0 if o.language in ("en", None) else 1)
                if s not in best or key < best[s][0]:
                    best[s] = (key, str(o))
            elif p == SKOS.altLabel and isinstance(o, Literal) and str(o) not in self.acronyms[str(s)]:
                self.acronyms[str(s)].append(str(o))
        self.labels = {str(s): label for s, (_, label) in best.items()}
        for values in self.acronyms.values():
            values.sort(key=lambda v: (len(v), v))

    def _index_claims(self) -> None:
        """The claims ledger (data/claims.tsv), when the project has one: the claim each statement carries."""
        ledger = self.loaded.project.data_dir / LEDGER_FILE
        if not ledger.is_file():
            return
        try:
            self.claims = claims_by_statement(ledger)
        except LedgerError as exc:
            raise InputError(f"the claims ledger cannot be read: {exc}", ledger) from None

    def claims_of(self, s, p, o, graphs) -> dict[str, list[tuple[str, str]]]:
        """Graph IRI -> the claims of the ledger that the statement carries in that graph."""
        return {g: found for g in graphs if g and (found := self.claims.get((s, p, o, g)))}

    def _index_sources(self) -> None:
        exact: dict[str, str] = {}
        for s, pos in self.outgoing.items():
            for p, o, _ in pos:
                if p == OA.exact:
                    exact[str(s)] = str(o)
        selector_of: dict[str, str] = {}
        for s, pos in self.outgoing.items():
            for p, o, _ in pos:
                if p == OA.hasSelector and str(o) in exact:
                    selector_of[str(s)] = exact[str(o)]
        editorial_graphs = {
            str(s)
            for s, pos in self.outgoing.items()
            for p, o, _ in pos
            if p == RDF.type and o == TIP.EditorialGraph
        }
        for graph in self.graph_members:
            quote = None
            for p, o, _ in self.outgoing.get(URIRef(graph), ()):
                if p == PROV.wasDerivedFrom:
                    quote = str(o)
                    break
            self.sources[graph] = Source(
                graph,
                selector_of.get(quote) if quote else None,
                quote,
                graph in editorial_graphs or quote is None,
            )
            if graph not in self.labels and quote in self.labels:
                self.labels[graph] = "statements of " + self.labels[quote]

    # ------------------------------------------------------------ lookups

    def acronym(self, iri: str) -> str | None:
        """The first alternative label that looks like an acronym (one word with a capital: HHS, G/TIP)."""
        for alt in self.acronyms.get(iri, ()):
            if " " not in alt and any(c.isupper() for c in alt) and alt != self.label(iri):
                return alt
        return None

    def curie(self, iri: str) -> str:
        """A prefixed name when a project prefix fits (org:Organization), else the IRI."""
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def local_path(self, iri: str) -> str | None:
        """The server path of an IRI under --base (e.g. /id/hhs, /ontology#Funds); None for others."""
        if iri.startswith(self.base):
            return "/" + iri[len(self.base) :]
        return None

    def href(self, iri: str) -> str:
        return self.local_path(iri) or iri

    def label(self, node) -> str:
        iri = str(node)
        if iri in self.labels:
            return self.labels[iri]
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and namespace.startswith(self.base):
                return iri[len(namespace) :] if prefix != "tip" else humanize(iri)
        return humanize(iri)

    def exists(self, iri: str) -> bool:
        node = URIRef(iri)
        return node in self.outgoing or node in self.incoming or iri in self.graph_members

    def source(self, graph: str | None) -> Source | None:
        return self.sources.get(graph) if graph else None

    def types(self, iri: str) -> list[str]:
        return sorted({str(o) for p, o, _ in self.outgoing.get(URIRef(iri), ()) if p == RDF.type})

    def values(self, iri: str, prop: URIRef) -> list:
        seen = []
        for p, o, _ in self.outgoing.get(URIRef(iri), ()):
            if p == prop and o not in seen:
                seen.append(o)
        return seen

    def description_quads(self, iri: str) -> list[tuple]:
        """The resource's statements, outgoing and incoming, with their graphs; plus the provenance of
        those graphs (graph -> quote -> selector -> exact sentence) and the labels of its neighbours."""
        node = URIRef(iri)
        quads: set[tuple] = set()
        for p, o, g in self.outgoing.get(node, ()):
            quads.add((node, p, o, g))
        for s, p, g in self.incoming.get(node, ()):
            quads.add((s, p, node, g))
        for s, p, o in self.graph_members.get(iri, ()):  # a named graph's page shows its contents
            quads.add((s, p, o, iri))
        graphs = {g for *_, g in quads if g}
        neighbours = {n for s, _, o, _ in quads for n in (s, o) if not isinstance(n, Literal) and n != node}
        extra: set[URIRef] = {URIRef(g) for g in graphs}
        for g in graphs:
            source = self.sources.get(g)
            if source and source.quote:
                extra.add(URIRef(source.quote))
        for subject in list(extra):
            for p, o, g in self.outgoing.get(subject, ()):
                quads.add((subject, p, o, g))
                if p == OA.hasSelector:
                    for p2, o2, g2 in self.outgoing.get(o, ()):
                        if p2 == OA.exact:
                            quads.add((o, p2, o2, g2))
        for n in neighbours:
            for p, o, g in self.outgoing.get(n, ()):
                if p in (SKOS.prefLabel, SKOS.altLabel, RDFS.label):
                    quads.add((n, p, o, g))
        return sorted(quads, key=lambda q: (str(q[0]), str(q[1]), str(q[2]), q[3] or ""))

    def ontology_triples(self) -> Iterable[tuple]:
        """The ontology, its blank nodes (OWL restrictions, lists) labelled from their content as `tipkg
        build` labels them, so every process writes it the same bytes (and the same ETag)."""
        return canonical(self.loaded.ontology)
