"""Every count tipkg shows, defined once: `tipkg stats`, `void.ttl` (tipkg.void) and the home page of
`tipkg serve` (which reads the VoID) all take their figures from `dataset_counts`.

The counted dataset is what the dumps hold (tipkg.ttl): the asserted ontology plus data, named graphs merged.
The data's figures are SPARQL aggregates on the project's store (linear, in Rust: a few seconds at a million
triples), the ontology's few triples are added in Python, each checked against the store.
Each figure follows VoID's definition (https://www.w3.org/TR/void/, section 4.6); docs/counts.md says why.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import Enum

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from tipkg import rules
from tipkg.load import LoadedProject
from tipkg.terms import short, to_ox
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


# Queried on the union of the store's graphs (`use_default_graph_as_union`): each over distinct triples.
PROPERTY_TRIPLES = """SELECT ?p (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
GROUP BY ?p"""
CLASS_MEMBERS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"
OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"
ENTITIES = """SELECT (COUNT(DISTINCT ?s) AS ?n) ?space WHERE {
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?space)) } GROUP BY ?space"""
DATA_ENTITIES = "SELECT DISTINCT ?s WHERE { ?s a ?c FILTER(isIRI(?s)) }"


def select(store: ox.Store, query: str, **bindings: ox.Literal) -> list[tuple]:
    """Rows of a fixed query on the union of the store's graphs, with terms bound by the engine."""
    answer = store.query(query, use_default_graph_as_union=True,
                         substitutions={ox.Variable(k): v for k, v in bindings.items()})
    assert isinstance(answer, ox.QuerySolutions)
    names = [v.value for v in answer.variables]
    return [tuple(row[name] for name in names) for row in answer]


def number(store: ox.Store, query: str, **bindings: ox.Literal) -> int:
    """The first column of the first row (none when nothing matched a GROUP BY: 0)."""
    rows = select(store, query, **bindings)
    return int(rows[0][0].value) if rows else 0


@dataclass(frozen=True)
class DataCounts:
    """The VoID figures of the data alone (the store, named graphs merged)."""

    properties: Counter
    classes: Counter
    subjects: int
    objects: int
    entities: int

    @classmethod
    def of(cls, store: ox.Store, uri_space: str) -> DataCounts:
        return cls(
            Counter({p.value: int(n.value) for p, n in select(store, PROPERTY_TRIPLES)}),
            Counter({c.value: int(n.value) for c, n in select(store, CLASS_MEMBERS)}),
            number(store, SUBJECTS),
            number(store, OBJECTS),
            number(store, ENTITIES, space=ox.Literal(uri_space)),
        )

    @property
    def triples(self) -> int:
        return sum(self.properties.values())


def absent(store: ox.Store, s=None, p=None, o=None) -> bool:
    """No quad of the store, in any graph, matches the pattern."""
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is None


def dataset_counts(loaded: LoadedProject, uri_space: str = str(ID), data: DataCounts | None = None
                   ) -> DatasetCounts:
    """The counts of the ontology plus the data (named graphs merged) by VoID's definitions, partitions
    sorted by size then IRI: the data's from the store (SPARQL), then what the ontology adds to them."""
    data = data if data is not None else DataCounts.of(loaded.store, uri_space)
    store = loaded.store
    properties, classes = Counter(data.properties), Counter(data.classes)
    subjects, objects, entities = data.subjects, data.objects, data.entities
    for s, p, o in loaded.ontology:
        if absent(store, to_ox(s), to_ox(p), to_ox(o)):
            properties[str(p)] += 1
            if p == RDF.type:
                classes[str(o)] += 1
    for s in set(loaded.ontology.subjects(unique=True)):
        if absent(store, s=to_ox(s)):
            subjects += 1
            entities += isinstance(s, URIRef) and str(s).startswith(uri_space)
    objects += sum(1 for o in set(loaded.ontology.objects(unique=True)) if absent(store, o=to_ox(o)))
    return DatasetCounts(
        triples=sum(properties.values()),
        entities=entities,
        distinct_classes=len(classes),
        distinct_properties=len(properties),
        distinct_subjects=subjects,
        distinct_objects=objects,
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


def described_entities(loaded: LoadedProject) -> list[ox.NamedNode]:
    """Typed IRI subjects of the data, without the provenance resources (graphs, quotes, selectors)."""
    skip = set(rules.provenance_nodes(loaded.store))
    found = {row[0] for row in select(loaded.store, DATA_ENTITIES)} - skip
    return sorted(found, key=lambda node: node.value)


def has_any(store: ox.Store, entity: ox.NamedNode, *predicates) -> bool:
    return any(not absent(store, entity, ox.NamedNode(str(p))) for p in predicates)


def named_graph_count(loaded: LoadedProject) -> int:
    """The data's named graphs (one per source sentence, the editorial graph, ...)."""
    return sum(1 for _ in loaded.store.named_graphs())


def compute_stats(loaded: LoadedProject) -> Stats:
    store = loaded.store
    data = DataCounts.of(store, str(ID))
    found = described_entities(loaded)
    counts = asdict(dataset_counts(loaded, str(ID), data))
    return Stats(
        **counts,
        data_triples=data.triples,
        ontology_triples=len(loaded.ontology),
        named_graphs=named_graph_count(loaded),
        described_entities=len(found),
        without_label=[e.value for e in found if not has_any(store, e, SKOS.prefLabel, RDFS.label)],
        without_provenance=[e.value for e in found
                            if not has_any(store, e, PROV.wasDerivedFrom, PROV.wasAttributedTo)],
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
