"""What the home page lists: the canned queries (queries/*.rq) and the dataset's metadata (VoID).

The queries come from `tipkg.queries` (the same catalogue `tipkg query` uses). The metadata comes from
the VoID description that `tipkg build` writes (dist/void.ttl); without one, a few figures are derived
from the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from tipkg.load import read_text
from tipkg.queries import CannedQuery, load_catalogue
from tipkg.server.site import Site
from tipkg.vocab import PREFIXES
from tipkg.void import add_endpoint, describe


def canned_queries(queries_dir: Path) -> dict[str, CannedQuery]:
    """The catalogue's questions (not the `*-violation` checks), by name; none when there is no folder."""
    if not queries_dir.is_dir():
        return {}
    return {query.name: query for query in load_catalogue(queries_dir).questions()}


@dataclass(frozen=True)
class MetadataRow:
    """One line of the home page's dataset table: a label and its values, each with a link or None."""

    label: str
    values: tuple[tuple[str, str | None], ...]

    @classmethod
    def one(cls, label: str, value: str, href: str | None = None) -> MetadataRow:
        return cls(label, ((value, href),))


def served_void(site: Site, void_file: Path | None) -> Graph:
    """The dataset's VoID as this server serves it (/.well-known/void, the home page): dist/void.ttl when it
    exists, else the description `tipkg build` would write (tipkg.void), made in memory; either way with
    this server's SPARQL endpoint (under the base, as every IRI it serves)."""
    endpoint = site.base + "sparql"
    if void_file is None or not void_file.is_file():
        return describe(site.loaded, [], endpoint)
    graph = Graph()
    graph.parse(data=read_text(void_file), format="turtle", publicID=void_file.resolve().as_uri())
    if (None, VOID.sparqlEndpoint, URIRef(endpoint)) not in graph:
        add_endpoint(graph, endpoint)
    return graph


def dataset_metadata(site: Site, graph: Graph) -> tuple[str, str, list[MetadataRow]]:
    """Title, description and rows for the home page, from the served VoID (`served_void`)."""
    datasets = list(graph.subjects(RDF.type, VOID.Dataset)) or list(graph.subjects(RDF.type, DCAT.Dataset))
    if datasets:
        return _from_void(site, graph, datasets[0])
    return _derived(site)


_VOID_ROWS = [
    (DCTERMS.temporal, "Time covered"),
    (DCTERMS.issued, "Issued"),
    (DCTERMS.modified, "Modified"),
    (URIRef(str(DCAT) + "version"), "Version"),
    (DCTERMS.license, "License"),
    (DCTERMS.publisher, "Publisher"),
    (DCTERMS.creator, "Creator"),
    (DCTERMS.source, "Source"),
    (VOID.triples, "Triples"),
    (VOID.entities, "Entities"),
    (VOID.classes, "Classes"),
    (VOID.properties, "Properties"),
    (VOID.sparqlEndpoint, "SPARQL endpoint"),
    (VOID.dataDump, "Data dump"),
    (VOID.exampleResource, "Example resource"),
    (VOID.vocabulary, "Vocabulary"),
]


def _from_void(site: Site, graph: Graph, dataset) -> tuple[str, str, list[MetadataRow]]:
    title = _text(graph, dataset, DCTERMS.title) or "tipkg"
    description = _text(graph, dataset, DCTERMS.description) or ""
    rows = []
    for prop, label in _VOID_ROWS:
        values = [_shown(site, graph, value) for value in sorted(graph.objects(dataset, prop), key=str)]
        if values:
            rows.append(MetadataRow(label, tuple(values)))
    return title, description, rows


def _shown(site: Site, graph: Graph, value) -> tuple[str, str | None]:
    """A VoID value as (text, link): a number with separators, a described node by its label or title."""
    if isinstance(value, Literal):
        python = value.toPython()
        return (f"{python:,}" if isinstance(python, int) else str(value)), None
    text = (
        _text(graph, value, DCTERMS.title) or _text(graph, value, RDFS.label) or site.labels.get(str(value))
    )
    if isinstance(value, URIRef):
        prefix = next((p for p, ns in PREFIXES.items() if ns == str(value)), None)
        text = text or (f"{prefix}:" if prefix else None)
        iri = str(value)
        local = site.local_path(iri)
        linked = local is None or site.exists(iri) or iri.startswith(site.ontology_iri) or local == "/sparql"
        return text or (site.label(value) if local else iri), (site.href(iri) if linked else None)
    return text or " – ".join(
        str(o) for _, o in sorted(graph.predicate_objects(value)) if isinstance(o, Literal)
    ), None


def _text(graph: Graph, node, prop) -> str | None:
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    english = [o for o in values if o.language in ("en", None)]
    return str((english or values)[0]) if values else None


def _derived(site: Site) -> tuple[str, str, list[MetadataRow]]:
    """Without dist/void.ttl: the source document's title (else the ontology's) and a few counts."""
    ontology = dict(site.ontology_out.get(URIRef(site.ontology_iri), ()))
    title = str(ontology.get(DCTERMS.title, "tipkg knowledge graph"))
    description = str(ontology.get(DCTERMS.description, ""))
    sources = sorted(
        str(s)
        for s in site.outgoing
        if str(s).startswith(site.base + "id/source/") and site.values(str(s), DCTERMS.title)
    )
    if sources:
        title = str(site.values(sources[0], DCTERMS.title)[0])
        description = ""
    subjects = [s for s in site.outgoing if isinstance(s, URIRef) and str(s).startswith(site.base + "id/")]
    rows = [MetadataRow.one("Source", site.label(iri), site.href(iri)) for iri in sources]
    rows += [
        MetadataRow.one("Statements", f"{site.quad_count:,}"),
        MetadataRow.one("Resources", f"{len(subjects):,}"),
        MetadataRow.one("Named graphs (one per source sentence)", f"{len(site.graph_members):,}"),
        MetadataRow.one("Metadata", "derived from the data (run `tipkg build` for dist/void.ttl)"),
    ]
    return title, description, rows
