"""`void.ttl`: the dataset described with VoID and DCAT 3, built from the graph and the files written.

Title, description, license, rights, version, issued date and publisher come from the ontology header
(`owl:Ontology` with `dcterms:*` and `owl:versionInfo`), so that another project describes itself the same
way; so do the version IRI (`owl:versionIRI`) and the previous version (`owl:priorVersion`, restated as
`dcat:previousVersion`), which `tipkg release` stamps. The defaults below are tipkg's. The source is every
`dcterms:source` of the data (the fact sheet) and the temporal coverage is "as of" that source's date. Every
node has an IRI under `https://w3id.org/tipkg/dataset` (no blank nodes), so the file is byte-identical from
run to run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD
from rdflib.term import Node

from tipkg import __version__
from tipkg.jsonld import organisations, split_iri
from tipkg.load import LoadedProject
from tipkg.stats import DatasetCounts, absent, dataset_counts, select
from tipkg.terms import from_ox
from tipkg.vocab import BASE, ID, PREFIXES, SCHEMA, bind_prefixes

DATASET = URIRef(BASE + "dataset")
DCAT3 = Namespace(str(DCAT))  # rdflib's DCAT namespace is DCAT 2 and closed; dcat:version is DCAT 3
DS = Namespace(BASE + "dataset/")
DOWNLOAD = BASE + "dist/"
CC0 = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")

DEFAULT_TITLE = (
    "U.S. Government agencies' principal roles to combat trafficking in persons (2009), as linked data"
)
DEFAULT_DESCRIPTION = (
    "The U.S. Department of State fact sheet 'Overview of U.S. Government Agencies' Principal Roles to "
    "Combat Trafficking in Persons' (April 1, 2009) as a knowledge graph: agencies, units, coordination "
    "bodies, programs, statutes, hotlines and reports, each statement traceable to its sentence."
)
DEFAULT_RIGHTS = (
    "The editorial work (ontology, data modelling, provenance) is dedicated to the public domain under "
    "CC0 1.0. "
    "The source fact sheet is a work of the U.S. Government and is in the public domain in the United States "
    "(17 U.S.C. 105)."
)

MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".owl": "application/rdf+xml",
}
DUMPS = ("tipkg.ttl", "tipkg.nt", "tipkg.jsonld", "tipkg.trig", "tipkg.nq")


@dataclass(frozen=True)
class Written:
    """A file in the build, with its size in bytes and what it holds."""

    name: str
    size: int
    title: str


def slug(iri: Node) -> str:
    parts = split_iri(str(iri))
    text = f"{parts[0]}-{parts[1]}" if parts else str(iri)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def order_key(node: Node) -> tuple[str, str]:
    """A stable order for values of mixed kinds (IRIs, literals)."""
    return (type(node).__name__, str(node))


def described_by(loaded: LoadedProject) -> list[URIRef]:
    """The resources that describe the dataset: a declared dcat:Dataset/void:Dataset, then the ontology."""
    full = loaded.ontology
    declared = sorted(
        {s for c in (DCAT.Dataset, VOID.Dataset) for s in full.subjects(RDF.type, c) if isinstance(s, URIRef)}
    )
    ontology = sorted(s for s in full.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    return declared + ontology[:1]


def copy_header(graph: Graph, loaded: LoadedProject) -> None:
    """Title and description from a dcat:Dataset the ontology declares (else tipkg's); license, rights,
    version, issued and publisher from it or from the owl:Ontology header."""
    nodes = described_by(loaded)
    declared = [n for n in nodes if (n, RDF.type, OWL.Ontology) not in loaded.ontology]

    def values(sources: list[URIRef], *predicates) -> list:
        for node in sources:
            found = sorted({o for p in predicates for o in loaded.ontology.objects(node, p)}, key=order_key)
            if found:
                return found
        return []

    for predicate, default in (
        (DCTERMS.title, Literal(DEFAULT_TITLE, lang="en")),
        (DCTERMS.description, Literal(DEFAULT_DESCRIPTION, lang="en")),
    ):
        for value in values(declared, predicate) or [default]:
            graph.add((DATASET, predicate, value))
    for predicate, fallback in ((DCTERMS.license, CC0), (DCTERMS.rights, Literal(DEFAULT_RIGHTS, lang="en"))):
        for value in values(nodes, predicate) or [fallback]:
            graph.add((DATASET, predicate, value))
    for predicate in (DCTERMS.publisher, DCTERMS.creator):
        for value in values(nodes, predicate):
            graph.add((DATASET, predicate, value))
    for value in values(nodes, DCTERMS.issued):
        graph.add((DATASET, DCTERMS.issued, value))
    version = values(nodes, OWL.versionInfo, DCAT3.version)
    graph.add((DATASET, DCAT3.version, Literal(str(version[0]) if version else __version__)))
    # A release's identity (tipkg.release): its version IRI, and the previous release's
    for value in values(nodes, OWL.versionIRI)[:1]:
        graph.add((DATASET, OWL.versionIRI, value))
    for value in values(nodes, OWL.priorVersion, DCAT3.previousVersion)[:1]:
        graph.add((DATASET, DCAT3.previousVersion, value))
    for ontology in nodes:
        if (ontology, RDF.type, OWL.Ontology) in loaded.ontology:
            graph.add((DATASET, DCTERMS.conformsTo, ontology))


def add_source(graph: Graph, store: ox.Store) -> None:
    """The sources the data cites, and the temporal coverage: as of the latest source date."""
    cites = ox.NamedNode(str(DCTERMS.source))
    sources = sorted({q.object.value for q in store.quads_for_pattern(None, cites, None, None)
                      if isinstance(q.object, ox.NamedNode)})
    dates = []
    for source in sources:
        graph.add((DATASET, DCTERMS.source, URIRef(source)))
        for predicate in (DCTERMS.issued, DCTERMS.date, SCHEMA.datePublished, DCTERMS.created):
            quads = store.quads_for_pattern(ox.NamedNode(source), ox.NamedNode(str(predicate)), None, None)
            dates += [cast(Literal, from_ox(q.object)) for q in quads if isinstance(q.object, ox.Literal)]
    if dates:
        as_of = max(dates, key=str)
        period = DS["temporal"]
        graph.add((DATASET, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.endDate, Literal(str(as_of), datatype=as_of.datatype or XSD.date)))
        graph.add((period, RDFS.label, Literal(f"as of {as_of}", lang="en")))


def add_counts(graph: Graph, counts: DatasetCounts) -> None:
    """VoID's figures and partitions of the whole asserted graph (what the dumps hold), from tipkg.stats."""
    for predicate, value in (
        (VOID.triples, counts.triples),
        (VOID.entities, counts.entities),
        (VOID.distinctSubjects, counts.distinct_subjects),
        (VOID.distinctObjects, counts.distinct_objects),
        (VOID.classes, counts.distinct_classes),
        (VOID.properties, counts.distinct_properties),
    ):
        graph.add((DATASET, predicate, Literal(value)))
    for cls, members in sorted(counts.classes.items()):
        part = DS["class/" + slug(URIRef(cls))]
        graph.add((DATASET, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(cls)))
        graph.add((part, VOID.entities, Literal(members)))
    for prop, count in sorted(counts.properties.items()):
        part = DS["property/" + slug(URIRef(prop))]
        graph.add((DATASET, VOID.propertyPartition, part))
        graph.add((part, VOID.property, URIRef(prop)))
        graph.add((part, VOID.triples, Literal(count)))
    terms = [*counts.properties, *counts.classes]
    for namespace in sorted(set(PREFIXES.values())):
        if not namespace.startswith(str(ID)) and any(term.startswith(namespace) for term in terms):
            graph.add((DATASET, VOID.vocabulary, URIRef(namespace)))


# Statements about an IRI and statements pointing to it, in the data (named graphs merged, each triple once).
DEGREE = """SELECT ?n (COUNT(*) AS ?d) WHERE {
  { SELECT DISTINCT ?n ?p ?o WHERE { ?n ?p ?o FILTER(isIRI(?n)) } }
  UNION { SELECT DISTINCT ?s ?p ?n WHERE { ?s ?p ?n FILTER(isIRI(?n)) } }
} GROUP BY ?n"""


def degree_of(store: ox.Store, iri: str) -> int:
    """How many distinct triples of the data have the IRI as subject, plus as object."""
    node = ox.NamedNode(iri)
    about = {(q.predicate, q.object) for q in store.quads_for_pattern(node, None, None, None)}
    pointing = {(q.subject, q.predicate) for q in store.quads_for_pattern(None, None, node, None)}
    return len(about) + len(pointing)


def example_resources(loaded: LoadedProject, limit: int = 5) -> list[URIRef]:
    """The most connected organisations (statements about them or pointing to them), else the most
    connected resources that are the subject of a statement; ties broken by IRI, at most `limit`."""
    store = loaded.store
    degree = {iri: degree_of(store, iri) for iri in organisations(loaded)}
    degree = {iri: d for iri, d in degree.items() if d}
    if not degree:  # no organisation in the data: every resource's degree, in one query
        degree = {n.value: int(d.value) for n, d in select(store, DEGREE)
                  if not absent(store, s=n)}
    return [URIRef(iri) for iri in sorted(degree, key=lambda iri: (-degree[iri], iri))[:limit]]


def add_distributions(graph: Graph, written: list[Written]) -> None:
    for item in sorted(written, key=lambda w: w.name):
        dist = DS["distribution/" + item.name]
        suffix = Path(item.name).suffix
        graph.add((DATASET, DCAT.distribution, dist))
        if item.name in DUMPS:
            graph.add((DATASET, VOID.dataDump, URIRef(DOWNLOAD + item.name)))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, Literal(item.title, lang="en")))
        graph.add((dist, DCAT.downloadURL, URIRef(DOWNLOAD + item.name)))
        graph.add((dist, DCAT.byteSize, Literal(item.size, datatype=XSD.nonNegativeInteger)))
        if suffix in MEDIA_TYPES:
            graph.add((dist, DCAT.mediaType, URIRef(IANA + MEDIA_TYPES[suffix])))


def add_endpoint(graph: Graph, endpoint: str) -> None:
    """A SPARQL endpoint that serves the dataset: `void:sparqlEndpoint`, the endpoint as a `dcat:DataService`
    (named by its URL, as the SPARQL Service Description it returns names it) and a distribution reached
    through it."""
    service = URIRef(endpoint)
    distribution = DS["distribution/sparql-" + slug(service)]
    graph.add((DATASET, VOID.sparqlEndpoint, service))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, service))
    graph.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    graph.add((service, DCAT.servesDataset, DATASET))
    graph.add((DATASET, DCAT.distribution, distribution))
    graph.add((distribution, RDF.type, DCAT.Distribution))
    graph.add((distribution, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    graph.add((distribution, DCAT.accessURL, service))
    graph.add((distribution, DCAT.accessService, service))


def configured_endpoints(loaded: LoadedProject) -> list[str]:
    """`void:sparqlEndpoint` as the project states it (on its dcat:Dataset or owl:Ontology): a build
    cannot know where its files will be served, so only a stated endpoint goes into void.ttl."""
    return sorted(
        {str(o) for node in described_by(loaded) for o in loaded.ontology.objects(node, VOID.sparqlEndpoint)}
    )


def describe(loaded: LoadedProject, written: list[Written], endpoint: str | None = None,
             counts: DatasetCounts | None = None) -> Graph:
    """The VoID + DCAT description of the build whose files are `written`; with the SPARQL endpoint that
    serves it when one is given (tipkg serve) or the project states one (configured_endpoints). `counts`:
    the dataset's (`tipkg.stats.dataset_counts`), when the caller has them already."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("ds", DS)
    graph.add((DATASET, RDF.type, VOID.Dataset))
    graph.add((DATASET, RDF.type, DCAT.Dataset))
    graph.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    copy_header(graph, loaded)
    add_source(graph, loaded.store)
    add_counts(graph, counts if counts is not None else dataset_counts(loaded, str(ID)))
    for resource in example_resources(loaded):
        graph.add((DATASET, VOID.exampleResource, resource))
    add_distributions(graph, written)
    for url in configured_endpoints(loaded) if endpoint is None else [endpoint]:
        add_endpoint(graph, url)
    return graph
