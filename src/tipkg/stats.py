"""`tipkg stats`: how big the graph is, what it holds, and which entities lack a label or a source."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from tipkg.load import LoadedProject
from tipkg.reason import provenance_nodes
from tipkg.terms import short


class StatsFormat(str, Enum):
    TEXT = "text"
    JSON = "json"


@dataclass
class Stats:
    """Counts of the asserted graph (data union; the ontology is counted apart)."""

    data_triples: int
    ontology_triples: int
    named_graphs: int
    entities: int
    classes: dict[str, int] = field(default_factory=dict)  # class IRI -> instances (asserted types)
    properties: dict[str, int] = field(default_factory=dict)  # property IRI -> triples in the data
    without_label: list[str] = field(default_factory=list)
    without_provenance: list[str] = field(default_factory=list)


def entities(loaded: LoadedProject) -> list[URIRef]:
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
    found = entities(loaded)
    classes: dict[str, int] = {}
    for _, o in data.subject_objects(RDF.type):
        classes[str(o)] = classes.get(str(o), 0) + 1
    properties: dict[str, int] = {}
    for _, p, _ in data:
        properties[str(p)] = properties.get(str(p), 0) + 1
    return Stats(
        data_triples=len(data),
        ontology_triples=len(loaded.ontology),
        named_graphs=len(named),
        entities=len(found),
        classes=dict(sorted(classes.items(), key=lambda item: (-item[1], item[0]))),
        properties=dict(sorted(properties.items(), key=lambda item: (-item[1], item[0]))),
        without_label=[
            str(e)
            for e in found
            if data.value(e, SKOS.prefLabel) is None and data.value(e, RDFS.label) is None
        ],
        without_provenance=[str(e) for e in found if not has_provenance(data, e)],
    )


def render_stats(stats: Stats, fmt: StatsFormat = StatsFormat.TEXT) -> str:
    if fmt is StatsFormat.JSON:
        return json.dumps(asdict(stats), indent=2, ensure_ascii=False) + "\n"
    lines = [
        f"data triples      {stats.data_triples}",
        f"ontology triples  {stats.ontology_triples}",
        f"named graphs      {stats.named_graphs}",
        f"entities          {stats.entities}",
        "",
        "instances per class:",
    ]
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
