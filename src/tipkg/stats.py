"""Every count tipkg shows, defined once: `tipkg stats`, `void.ttl` (tipkg.void) and the home page of
`tipkg serve` (which reads the VoID) all take their figures from `dataset_counts`.

The counted dataset is what the dumps hold (tipkg.ttl): the asserted ontology plus data, named graphs merged.
Each figure follows VoID's definition (https://www.w3.org/TR/void/, section 4.6); docs/counts.md says why.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import Enum

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from tipkg.load import LoadedProject
from tipkg.reason import provenance_nodes
from tipkg.terms import short
from tipkg.vocab import ID


class StatsFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True)
class DatasetCounts:
    """The VoID figures of a graph (each field's comment names its VoID property)."""

    triples: int  # void:triples
    entities: int  # void:entities: IRIs in the URI space (void:uriSpace) that are the subject of a triple
    distinct_classes: int  # void:classes: distinct objects of rdf:type
    distinct_properties: int  # void:properties: distinct predicates
    distinct_subjects: int  # void:distinctSubjects
    distinct_objects: int  # void:distinctObjects
    classes: dict[str, int]  # void:classPartition: class -> void:entities (distinct subjects of that type)
    properties: dict[str, int]  # void:propertyPartition: property -> void:triples


def dataset_counts(graph: Graph, uri_space: str = str(ID)) -> DatasetCounts:
    """The counts of `graph` by VoID's definitions, partitions sorted by size then IRI."""
    classes = Counter(str(o) for _, o in graph.subject_objects(RDF.type))  # a graph holds a triple once
    properties = Counter(str(p) for _, p, _ in graph)
    subjects = set(graph.subjects(unique=True))
    return DatasetCounts(
        triples=len(graph),
        entities=sum(1 for s in subjects if isinstance(s, URIRef) and str(s).startswith(uri_space)),
        distinct_classes=len(classes),
        distinct_properties=len(properties),
        distinct_subjects=len(subjects),
        distinct_objects=len(set(graph.objects(unique=True))),
        classes=by_size(classes),
        properties=by_size(properties),
    )


def by_size(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Stats:
    """The dataset's VoID counts plus what only `tipkg stats` reports: the split into data and ontology,
    the named graphs, and the described entities that lack a label or a source."""

    triples: int
    data_triples: int
    ontology_triples: int
    named_graphs: int
    entities: int
    described_entities: int  # entities less the provenance records (sentence graphs, quotes, selectors)
    distinct_classes: int
    distinct_properties: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> instances
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> triples
    without_label: list[str] = field(default_factory=list)
    without_provenance: list[str] = field(default_factory=list)


def described_entities(loaded: LoadedProject) -> list[URIRef]:
    """Typed IRI subjects of the data, without the provenance resources (graphs, quotes, selectors)."""
    data = loaded.data_graph()
    skip = provenance_nodes(loaded)
    return sorted({s for s in data.subjects(RDF.type, None) if isinstance(s, URIRef) and s not in skip})


def has_provenance(data: Graph, entity: URIRef) -> bool:
    """A source sentence (prov:wasDerivedFrom), or for editorial additions prov:wasAttributedTo."""
    return any(data.value(entity, p) is not None for p in (PROV.wasDerivedFrom, PROV.wasAttributedTo))


def compute_stats(loaded: LoadedProject) -> Stats:
    data = loaded.data_graph()
    default_id = loaded.data.default_graph.identifier
    named = {
        g for _, _, _, g in loaded.data.quads((None, None, None, None)) if g is not None and g != default_id
    }
    found = described_entities(loaded)
    counts = asdict(dataset_counts(loaded.full_graph()))
    return Stats(
        **counts,
        data_triples=len(data),
        ontology_triples=len(loaded.ontology),
        named_graphs=len(named),
        described_entities=len(found),
        without_label=[
            str(e)
            for e in found
            if data.value(e, SKOS.prefLabel) is None and data.value(e, RDFS.label) is None
        ],
        without_provenance=[str(e) for e in found if not has_provenance(data, e)],
    )


TEXT_ROWS = (
    ("triples", "triples (ontology + data)"),
    ("data_triples", "  data triples"),
    ("ontology_triples", "  ontology triples"),
    ("named_graphs", "named graphs"),
    ("entities", "entities (IRIs under id/)"),
    ("described_entities", "  less provenance records"),
    ("distinct_classes", "classes"),
    ("distinct_properties", "properties"),
    ("distinct_subjects", "distinct subjects"),
    ("distinct_objects", "distinct objects"),
)


def render_stats(stats: Stats, fmt: StatsFormat = StatsFormat.TEXT) -> str:
    if fmt is StatsFormat.JSON:
        return json.dumps(asdict(stats), indent=2, ensure_ascii=False) + "\n"
    figures = asdict(stats)
    lines = [f"{label:<28}{figures[key]}" for key, label in TEXT_ROWS]
    lines += ["", "instances per class:"]
    lines += [f"  {count:6d}  {short(iri)}" for iri, count in stats.classes.items()]
    lines += ["", "triples per property:"]
    lines += [f"  {count:6d}  {short(iri)}" for iri, count in stats.properties.items()]
    for title, items in (
        ("entities without a label", stats.without_label),
        ("entities without provenance", stats.without_provenance),
    ):
        lines += ["", f"{title}: {len(items)}"]
        lines += [f"  {short(iri)}" for iri in items]
    return "\n".join(lines) + "\n"
