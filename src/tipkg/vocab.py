"""Namespaces and the prefix map shared by loading, publishing, queries and pages."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

BASE = "https://w3id.org/tipkg/"
TIP = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCTYPES = Namespace("http://purl.org/dc/dcmitype/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

# The IRI of the ontology document and of the editorial graph (classifications the source does not state).
ONTOLOGY_IRI = BASE + "ontology"
EDITORIAL_GRAPH = ID["graph/editorial"]
EDITORS = ID["tipkg-editors"]

# Hierarchical resource IRIs (id/graph/..., id/quote/...) get prefixes of their own: Turtle local names
# cannot hold '/'.
ID_SPACES = ("graph", "quote", "selector", "role", "activity", "scheme", "condition", "scope", "group",
             "topic", "source")

PREFIXES: dict[str, str] = {
    "tip": str(TIP),
    "id": str(ID),
    **{space: f"{ID}{space}/" for space in ID_SPACES},
    "org": str(ORG),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "prov": str(PROV),
    "oa": str(OA),
    "dcterms": str(DCTERMS),
    "dctypes": str(DCTYPES),
    "dcat": str(DCAT),
    "void": str(VOID),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "vann": "http://purl.org/vocab/vann/",
    "sh": str(SH),
}


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes (replacing rdflib's defaults) so every output uses the same short names."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
