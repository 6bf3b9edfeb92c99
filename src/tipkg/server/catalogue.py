"""What the home page lists: the canned queries (queries/*.rq) and the dataset's metadata (VoID).

The queries come from `tipkg.queries` (the same catalogue `tipkg query` uses). The metadata comes from
the VoID description that `tipkg build` writes (dist/void.ttl); without one, a few figures are derived
from the graph itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from tipkg.load import read_text
from tipkg.queries import CannedQuery, load_catalogue
from tipkg.server.site import Site


def canned_queries(queries_dir: Path) -> dict[str, CannedQuery]:
    """The catalogue's questions (not the `*-violation` checks), by name; none when there is no folder."""
    if not queries_dir.is_dir():
        return {}
    return {query.name: query for query in load_catalogue(queries_dir).questions()}


@dataclass(frozen=True)
class MetadataRow:
    label: str
    value: str
    href: str | None = None


def dataset_metadata(site: Site, void_file: Path | None) -> tuple[str, str, list[MetadataRow]]:
    """Title, description and rows for the home page: from dist/void.ttl when it exists, else derived."""
    if void_file is not None and void_file.is_file():
        graph = Graph()
        graph.parse(data=read_text(void_file), format="turtle", publicID=void_file.resolve().as_uri())
        datasets = list(graph.subjects(RDF.type, VOID.Dataset)) or list(
            graph.subjects(RDF.type, DCAT.Dataset)
        )
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
        for value in sorted(graph.objects(dataset, prop), key=str):
            if isinstance(value, URIRef):
                shown = _text(graph, value, DCTERMS.title) or site.labels.get(str(value)) or str(value)
                rows.append(MetadataRow(label, shown, site.href(str(value))))
            elif isinstance(value, Literal):
                rows.append(
                    MetadataRow(
                        label, f"{value.toPython():,}" if isinstance(value.toPython(), int) else str(value)
                    )
                )
            else:  # a blank node, e.g. a dcterms:PeriodOfTime
                parts = [str(o) for _, o in sorted(graph.predicate_objects(value)) if isinstance(o, Literal)]
                rows.append(MetadataRow(label, " – ".join(parts)))
    return title, description, rows


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
    rows = [MetadataRow("Source", site.label(iri), site.href(iri)) for iri in sources]
    rows += [
        MetadataRow("Statements", f"{site.quad_count:,}"),
        MetadataRow("Resources", f"{len(subjects):,}"),
        MetadataRow("Named graphs (one per source sentence)", f"{len(site.graph_members):,}"),
        MetadataRow("Metadata", "derived from the data (run `tipkg build` for dist/void.ttl)"),
    ]
    return title, description, rows
