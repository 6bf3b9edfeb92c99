"""The one format vocabulary: every output tipkg writes, its names, its IANA media type, its library format.

The CLI (`--format`), the server (`?format=`, `Accept`, `.ext` suffixes) and the remote client all resolve
names here. A name can mean two things by the kind of answer: `json` is SPARQL JSON results for SELECT/ASK
and JSON-LD for a graph, `xml` is SPARQL XML results or RDF/XML. `resolve` takes that into account.
"""

from __future__ import annotations

from enum import Enum

import pyoxigraph as ox


class Kind(Enum):
    """What a format can carry."""

    ROWS = "rows"  # SELECT/ASK results
    GRAPH = "graph"  # RDF triples (CONSTRUCT/DESCRIBE, entity descriptions)
    DATASET = "dataset"  # RDF quads (named graphs kept); a dataset format also writes plain triples
    PAGE = "page"  # for people: a terminal table, an HTML page


class Format(str, Enum):
    """The value is the canonical short name (also the `?format=` value and the file extension)."""

    TABLE = "table"
    HTML = "html"
    SPARQL_JSON = "json"
    SPARQL_XML = "xml"
    CSV = "csv"
    TSV = "tsv"
    TURTLE = "ttl"
    NTRIPLES = "nt"
    JSONLD = "jsonld"
    RDFXML = "rdf"
    TRIG = "trig"
    NQUADS = "nq"

    @property
    def kind(self) -> Kind:
        return _KIND[self]

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def content_type(self) -> str:
        """The Content-Type header value: every textual format says it is UTF-8."""
        return self.media_type + "; charset=utf-8"

    @property
    def carries_rows(self) -> bool:
        return self.kind is Kind.ROWS or self in (Format.TABLE, Format.HTML)

    @property
    def carries_triples(self) -> bool:
        return self.kind in (Kind.GRAPH, Kind.DATASET) or self in (Format.TABLE, Format.HTML)

    @property
    def results_format(self) -> ox.QueryResultsFormat:
        return _RESULTS[self]

    @property
    def rdf_format(self) -> ox.RdfFormat:
        return _RDF[self]


_KIND = {
    Format.TABLE: Kind.PAGE, Format.HTML: Kind.PAGE,
    Format.SPARQL_JSON: Kind.ROWS, Format.SPARQL_XML: Kind.ROWS, Format.CSV: Kind.ROWS, Format.TSV: Kind.ROWS,
    Format.TURTLE: Kind.GRAPH, Format.NTRIPLES: Kind.GRAPH,
    Format.JSONLD: Kind.GRAPH, Format.RDFXML: Kind.GRAPH,
    Format.TRIG: Kind.DATASET, Format.NQUADS: Kind.DATASET,
}

_MEDIA_TYPES = {
    Format.TABLE: "text/plain",
    Format.HTML: "text/html",
    Format.SPARQL_JSON: "application/sparql-results+json",
    Format.SPARQL_XML: "application/sparql-results+xml",
    Format.CSV: "text/csv",
    Format.TSV: "text/tab-separated-values",
    Format.TURTLE: "text/turtle",
    Format.NTRIPLES: "application/n-triples",
    Format.JSONLD: "application/ld+json",
    Format.RDFXML: "application/rdf+xml",
    Format.TRIG: "application/trig",
    Format.NQUADS: "application/n-quads",
}

_RESULTS = {
    Format.SPARQL_JSON: ox.QueryResultsFormat.JSON,
    Format.SPARQL_XML: ox.QueryResultsFormat.XML,
    Format.CSV: ox.QueryResultsFormat.CSV,
    Format.TSV: ox.QueryResultsFormat.TSV,
}

_RDF = {
    Format.TURTLE: ox.RdfFormat.TURTLE,
    Format.NTRIPLES: ox.RdfFormat.N_TRIPLES,
    Format.JSONLD: ox.RdfFormat.JSON_LD,
    Format.RDFXML: ox.RdfFormat.RDF_XML,
    Format.TRIG: ox.RdfFormat.TRIG,
    Format.NQUADS: ox.RdfFormat.N_QUADS,
}

# Names people and clients use (CLI --format, ?format=, SPARQLWrapper's format/output/results), by kind
# of answer. Lookups are case-insensitive.
_SHARED_NAMES = {
    "table": Format.TABLE, "text": Format.TABLE,
    "html": Format.HTML,
    "csv": Format.CSV, "tsv": Format.TSV,
    "turtle": Format.TURTLE, "ttl": Format.TURTLE, "n3": Format.TURTLE,
    "nt": Format.NTRIPLES, "ntriples": Format.NTRIPLES, "n-triples": Format.NTRIPLES,
    "json-ld": Format.JSONLD, "jsonld": Format.JSONLD,
    "rdfxml": Format.RDFXML, "rdf/xml": Format.RDFXML, "rdf": Format.RDFXML, "rdf+xml": Format.RDFXML,
    "trig": Format.TRIG,
    "nq": Format.NQUADS, "nquads": Format.NQUADS, "n-quads": Format.NQUADS,
}
_ROW_NAMES = {**_SHARED_NAMES, "json": Format.SPARQL_JSON, "xml": Format.SPARQL_XML,
              "srj": Format.SPARQL_JSON, "srx": Format.SPARQL_XML}
_GRAPH_NAMES = {**_SHARED_NAMES, "json": Format.JSONLD, "xml": Format.RDFXML}

# Media types, with the aliases clients send (SPARQLWrapper, YASGUI, browsers, curl).
_MEDIA_ALIASES = {
    "application/xhtml+xml": Format.HTML,
    "application/x-turtle": Format.TURTLE,
    "text/n3": Format.TURTLE,
    "text/rdf+n3": Format.TURTLE,
    "application/x-trig": Format.TRIG,
    "text/x-nquads": Format.NQUADS,
}
_ROW_MEDIA = {**{Format(f).media_type: f for f in Format if f.kind is Kind.ROWS}, **_MEDIA_ALIASES,
              "text/html": Format.HTML, "application/json": Format.SPARQL_JSON,
              "application/xml": Format.SPARQL_XML, "text/xml": Format.SPARQL_XML,
              "text/plain": Format.TABLE}
_GRAPH_MEDIA = {**{f.media_type: f for f in Format if f.kind in (Kind.GRAPH, Kind.DATASET)}, **_MEDIA_ALIASES,
                "text/html": Format.HTML, "application/json": Format.JSONLD,
                "application/xml": Format.RDFXML, "text/xml": Format.RDFXML,
                "text/plain": Format.NTRIPLES}

ROW_FORMATS = (Format.TABLE, Format.SPARQL_JSON, Format.SPARQL_XML, Format.CSV, Format.TSV)
GRAPH_FORMATS = (Format.TABLE, Format.TURTLE, Format.NTRIPLES, Format.JSONLD, Format.RDFXML, Format.TRIG,
                 Format.NQUADS)


def resolve(name: str, graph: bool) -> Format | None:
    """The format a name means for an answer of rows (`graph=False`) or of triples; None if unknown."""
    return (_GRAPH_NAMES if graph else _ROW_NAMES).get(name.strip().lower())


def from_media_type(media_type: str, graph: bool) -> Format | None:
    """The format an IANA media type (or a common alias of one) means for rows or for triples."""
    key = media_type.split(";")[0].strip().lower()
    return (_GRAPH_MEDIA if graph else _ROW_MEDIA).get(key)


def known_names() -> list[str]:
    """Every accepted name, for help texts and error messages."""
    return sorted(set(_ROW_NAMES) | set(_GRAPH_NAMES))
