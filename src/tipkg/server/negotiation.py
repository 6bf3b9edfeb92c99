"""Content negotiation: the formats the server speaks, the Accept header, `.ext` and `format=` overrides."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Format(str, Enum):
    """Every representation the server can produce; the value is the short name used by `?format=`."""

    HTML = "html"
    # SPARQL results (SELECT, ASK)
    SPARQL_JSON = "json"
    SPARQL_XML = "xml"
    CSV = "csv"
    TSV = "tsv"
    # RDF (entity descriptions, CONSTRUCT, DESCRIBE, service description)
    TURTLE = "ttl"
    NTRIPLES = "nt"
    JSONLD = "jsonld"
    RDFXML = "rdf"
    NQUADS = "nq"
    TRIG = "trig"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self in (
            Format.JSONLD,
            Format.SPARQL_JSON,
            Format.NTRIPLES,
            Format.NQUADS,
            Format.RDFXML,
            Format.SPARQL_XML,
        )
        return self.media_type + ("; charset=utf-8" if textual else "")


MEDIA_TYPES = {
    Format.HTML: "text/html",
    Format.SPARQL_JSON: "application/sparql-results+json",
    Format.SPARQL_XML: "application/sparql-results+xml",
    Format.CSV: "text/csv",
    Format.TSV: "text/tab-separated-values",
    Format.TURTLE: "text/turtle",
    Format.NTRIPLES: "application/n-triples",
    Format.JSONLD: "application/ld+json",
    Format.RDFXML: "application/rdf+xml",
    Format.NQUADS: "application/n-quads",
    Format.TRIG: "application/trig",
}

# Other names clients use for the same thing.
ALIASES = {
    "application/json": Format.SPARQL_JSON,
    "application/xml": Format.SPARQL_XML,
    "text/xml": Format.SPARQL_XML,
    "application/xhtml+xml": Format.HTML,
    "application/x-turtle": Format.TURTLE,
    "text/n3": Format.TURTLE,
    "text/plain": Format.NTRIPLES,
    "application/x-trig": Format.TRIG,
}

RESULT_FORMATS = (Format.SPARQL_JSON, Format.SPARQL_XML, Format.CSV, Format.TSV, Format.HTML)
RDF_FORMATS = (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML)
# For pages, HTML comes first: a browser (or curl's */*) gets the page, a program asks for RDF.
PAGE_FORMATS = (Format.HTML, *RDF_FORMATS)
GRAPH_RESULT_FORMATS = (*RDF_FORMATS, Format.HTML)
SUFFIXES = {
    ".html": Format.HTML,
    ".ttl": Format.TURTLE,
    ".jsonld": Format.JSONLD,
    ".nt": Format.NTRIPLES,
    ".rdf": Format.RDFXML,
}


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float
    order: int

    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for order, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        alias = ALIASES.get(media)
        if alias is not None:
            main, _, sub = alias.media_type.partition("/")
        ranges.append(_Range(main, sub, q, order))
    return ranges


def negotiate(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The offer the client prefers most (q, then the most specific range, then the server's order).

    No Accept header means the first offer. None means nothing acceptable (answer 406).
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    if not ranges:
        return offers[0]
    best: tuple | None = None
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if r.matches(offer.media_type)]
        if not matching:
            continue
        most_specific = max(matching, key=lambda r: (r.specificity(), -r.order))
        if most_specific.q <= 0:
            continue
        key = (most_specific.q, most_specific.specificity(), -index)
        if best is None or key > best[0]:
            best = (key, offer)
    return best[1] if best else None


def by_name(name: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The `format=` parameter: a short name (json, ttl, ...) or a media type; None if not offered."""
    if not name:
        return None
    name = name.strip().lower()
    for offer in offers:
        if name in (offer.value, offer.media_type):
            return offer
    alias = ALIASES.get(name)
    return alias if alias in offers else None
