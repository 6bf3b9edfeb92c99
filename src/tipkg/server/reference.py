"""The ontology reference (`/ontology`): what pyLODE documents for an OWL file, and what it does not.

Like pyLODE: the ontology's metadata (every annotation of its header: version IRI, license, creator,
preferred prefix and namespace, ...), one section per kind of term (classes, object, datatype and annotation
properties, named individuals) with each term's IRI, description, definer, super- and subclasses or
-properties, the properties it is the domain or range of (classes), domain, range, inverse and
characteristics (properties), then the namespaces and a legend. Row names are pyLODE's, so a reader of
either finds the same words; tests/serve/test_ontology_page.py checks that every section, term and row of
pyLODE's output for the same file is here.

Beyond pyLODE: the disjointness axioms (owl:AllDisjointClasses, owl:disjointWith) in a section of their own
and on each class, how often each term is used in the data (the VoID partitions of `tipkg.stats`, the one
definition of those counts), example instances or statements linked to their pages, and a link to each
class's list of members.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from tipkg.server.site import Site
from tipkg.stats import dataset_counts
from tipkg.vocab import PREFIXES

VANN = "http://purl.org/vocab/vann/"
EXAMPLES = 5  # instances or statements shown per term


@dataclass(frozen=True)
class Kind:
    section: str  # the section's id, pyLODE's
    title: str
    marker: str  # pyLODE's superscript
    description: str


KINDS = (
    Kind("classes", "Classes", "c", "OWL or RDFS class"),
    Kind("objectproperties", "Object Properties", "op", "OWL object property"),
    Kind("datatypeproperties", "Datatype Properties", "dp", "OWL datatype property"),
    Kind("annotationproperties", "Annotation Properties", "ap", "OWL annotation property"),
    Kind("properties", "Properties", "p", "RDF property"),
    Kind("named_individuals", "Named Individuals", "ni", "OWL named individual"),
)
KIND_OF = {
    OWL.Class: KINDS[0], RDFS.Class: KINDS[0], OWL.ObjectProperty: KINDS[1], OWL.DatatypeProperty: KINDS[2],
    OWL.AnnotationProperty: KINDS[3], RDF.Property: KINDS[4], OWL.NamedIndividual: KINDS[5],
}
CHARACTERISTICS = (OWL.FunctionalProperty, OWL.InverseFunctionalProperty, OWL.TransitiveProperty,
                   OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.ReflexiveProperty,
                   OWL.IrreflexiveProperty)
DESCRIPTIONS = (SKOS.definition, DCTERMS.description, RDFS.comment)
# The header's annotations in reading order, with pyLODE's names; any other annotation follows, by label.
METADATA = {
    str(DCTERMS.title): "Title", str(DCTERMS.description): "Description", str(OWL.versionIRI): "Version IRI",
    str(OWL.versionInfo): "Version Info", str(OWL.priorVersion): "Prior Version",
    str(DCTERMS.issued): "Date Issued", str(DCTERMS.modified): "Date Modified",
    str(DCTERMS.creator): "Creator", str(DCTERMS.contributor): "Contributor",
    str(DCTERMS.publisher): "Publisher", str(DCTERMS.license): "License", str(DCTERMS.rights): "Rights",
    VANN + "preferredNamespacePrefix": "Preferred Namespace Prefix",
    VANN + "preferredNamespaceUri": "Preferred Namespace URI", str(DCTERMS.source): "Source",
    str(RDFS.seeAlso): "See Also", str(RDFS.comment): "Comment",
}


def reference(site: Site, member_lists: dict[str, str]) -> dict:
    """The page's content; `member_lists`: class IRI -> the link of its list of members (the index page)."""
    graph = site.loaded.ontology
    ontology = URIRef(site.ontology_iri)
    declared = _declared(graph)
    anchors = {iri: _anchor(site, iri) for iri in declared}
    counts = dataset_counts(site.loaded)
    builder = _Terms(site, graph, anchors, counts.classes, counts.properties, member_lists)
    sections = []
    for kind in KINDS:
        terms = sorted((builder.term(iri, kind) for iri, k in declared.items() if k == kind),
                       key=lambda t: (not t["own"], t["label"].lower()))
        if terms:
            sections.append({"id": kind.section, "title": kind.title, "marker": kind.marker, "terms": terms})
    return {
        "title": _literal(graph, ontology, DCTERMS.title) or "Ontology",
        "description": _literal(graph, ontology, DCTERMS.description),
        "metadata": _metadata(site, graph, ontology),
        "sections": sections,
        "disjoint": [[builder.link(c) for c in group] for group in disjoint_groups(graph)],
        "namespaces": namespaces(graph),
        "legend": [{"marker": k.marker, "title": k.title, "description": k.description}
                   for k in KINDS if any(s["id"] == k.section for s in sections)],
    }


def _declared(graph: Graph) -> dict[str, Kind]:
    """Every IRI the ontology types as a class, property or individual; its first kind in KINDS order."""
    found: dict[str, Kind] = {}
    for kind in KINDS:
        for rdf_class, of in KIND_OF.items():
            if of == kind:
                for s in graph.subjects(RDF.type, rdf_class):
                    if isinstance(s, URIRef):
                        found.setdefault(str(s), kind)
    return found


def _anchor(site: Site, iri: str) -> str:
    own = iri.startswith(site.ontology_iri + "#")
    return iri.rsplit("#", 1)[-1] if own else "".join(c if c.isalnum() or c in "-_" else "-"
                                                      for c in site.curie(iri))


def _literal(graph: Graph, subject: URIRef, prop: URIRef) -> str:
    values = [o for o in graph.objects(subject, prop) if isinstance(o, Literal)]
    english = [o for o in values if o.language in ("en", None)]
    return str((english or values)[0]) if values else ""


def _metadata(site: Site, graph: Graph, ontology: URIRef) -> list[dict]:
    grouped: dict[str, list] = defaultdict(list)
    for p, o in graph.predicate_objects(ontology):
        if p != RDF.type:
            grouped[str(p)].append(o)
    order = list(METADATA)
    rows = sorted(grouped.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order),
                                                   site.label(kv[0]).lower()))
    return [{"property": p, "name": METADATA.get(p) or site.label(p).capitalize(),
             "values": [_value(site, o) for o in sorted(values, key=str)]} for p, values in rows]


def _value(site: Site, node) -> dict:
    """A value's text (its label, else its prefixed name or IRI) and link: a page of this site when there
    is one (the version IRI under the base has none), the IRI itself outside it."""
    if isinstance(node, Literal):
        return {"text": str(node), "href": None}
    iri = str(node)
    local = site.local_path(iri)
    served = site.exists(iri) or iri == site.ontology_iri or iri.startswith(site.ontology_iri + "#")
    href = iri if local is None else local if served else None
    return {"text": site.labels.get(iri) or site.curie(iri), "href": href, "iri": iri}


def disjoint_groups(graph: Graph) -> list[list[URIRef]]:
    """Each owl:AllDisjointClasses (its members) and each owl:disjointWith pair, in a stable order."""
    groups = []
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(axiom, OWL.members):
            groups.append([m for m in Collection(graph, members) if isinstance(m, URIRef)])
    groups += [[a, b] for a, b in graph.subject_objects(OWL.disjointWith)
               if isinstance(a, URIRef) and isinstance(b, URIRef)]
    return sorted(groups, key=lambda group: [str(m) for m in group])


def namespaces(graph: Graph) -> list[dict]:
    """The project's prefixes whose namespace an IRI of the ontology is in, by prefix."""
    iris = {str(n) for triple in graph for n in triple if isinstance(n, URIRef)}
    used = [(prefix, ns) for prefix, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)]
    return [{"prefix": prefix, "namespace": ns} for prefix, ns in sorted(used)]


class _Terms:
    """One term's rows: its axioms both ways (subclasses as well as superclasses), usage and examples."""

    def __init__(self, site: Site, graph: Graph, anchors: dict[str, str], class_counts: dict[str, int],
                 property_counts: dict[str, int], member_lists: dict[str, str]) -> None:
        self.site, self.graph, self.anchors = site, graph, anchors
        self.class_counts, self.property_counts = class_counts, property_counts
        self.member_lists = member_lists
        self.disjoint: dict[URIRef, set[URIRef]] = defaultdict(set)
        for group in disjoint_groups(graph):
            for member in group:
                self.disjoint[member] |= set(group) - {member}
        self.members: dict = defaultdict(set)  # class -> its instances in the data
        self.statements: dict = defaultdict(set)  # property -> (subject, object) in the data
        for s, pos in site.outgoing.items():
            for p, o, _ in pos:
                self.statements[p].add((s, o))
                if p == RDF.type:
                    self.members[o].add(s)

    def link(self, node) -> dict:
        """A term of this page links to its anchor, anything else to its page or IRI."""
        if isinstance(node, BNode):
            return {"text": "(an anonymous class expression)", "href": None}
        iri = str(node)
        found = _value(self.site, node)
        if iri in self.anchors:
            found["href"] = "#" + self.anchors[iri]
        return found

    def links(self, nodes: Iterable) -> list[dict]:
        return [self.link(n) for n in sorted(set(nodes), key=lambda n: (self.site.label(n).lower(), str(n)))]

    def term(self, iri: str, kind: Kind) -> dict:
        node = URIRef(iri)
        g = self.graph
        rows = {"is defined by": self.links(g.objects(node, RDFS.isDefinedBy))}
        if kind.section == "classes":
            rows.update({
                "sub class of": self.links(g.objects(node, RDFS.subClassOf)),
                "super class of": self.links(g.subjects(RDFS.subClassOf, node)),
                "equivalent to": self.links([*g.objects(node, OWL.equivalentClass),
                                             *g.subjects(OWL.equivalentClass, node)]),
                "disjoint with": self.links(self.disjoint.get(node, ())),
                "in domain of": self.links(g.subjects(RDFS.domain, node)),
                "in range of": self.links(g.subjects(RDFS.range, node)),
            })
        else:
            rows.update({
                "domain": self.links(g.objects(node, RDFS.domain)),
                "range": self.links(g.objects(node, RDFS.range)),
                "sub property of": self.links(g.objects(node, RDFS.subPropertyOf)),
                "super property of": self.links(g.subjects(RDFS.subPropertyOf, node)),
                "inverse of": self.links([*g.objects(node, OWL.inverseOf), *g.subjects(OWL.inverseOf, node)]),
                "equivalent to": self.links([*g.objects(node, OWL.equivalentProperty),
                                             *g.subjects(OWL.equivalentProperty, node)]),
                "characteristics": self.links(t for t in g.objects(node, RDF.type) if t in CHARACTERISTICS),
            })
        return {
            "iri": iri,
            "anchor": self.anchors[iri],
            "label": self.site.label(iri),
            "marker": kind.marker,
            "kind": kind.description,
            "own": iri.startswith(self.site.ontology_iri + "#"),
            "descriptions": [text for p in DESCRIPTIONS if (text := _literal(g, node, p))],
            "rows": [{"name": name, "values": values} for name, values in rows.items() if values],
            **self._usage(node, kind),
        }

    def _usage(self, node: URIRef, kind: Kind) -> dict:
        """How the data uses the term: the count, a few examples linked to their pages, the full list."""
        site = self.site
        if kind.section == "classes":
            members = sorted(self.members.get(node, ()), key=lambda s: (site.label(s).lower(), str(s)))
            return {"uses": self.class_counts.get(str(node), 0), "use": "instance",
                    "examples": [[_value(site, s)] for s in members[:EXAMPLES]],
                    "all": self.member_lists.get(str(node))}
        statements = sorted(self.statements.get(node, ()),
                            key=lambda so: (site.label(so[0]).lower(), str(so[0]), str(so[1])))
        return {"uses": self.property_counts.get(str(node), 0), "use": "statement",
                "examples": [[_value(site, s), _value(site, o)] for s, o in statements[:EXAMPLES]],
                "all": None}
