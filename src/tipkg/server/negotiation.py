"""Content negotiation: the `Accept` header, and the `.ext` suffixes of resource paths.

Formats themselves (names, media types, aliases) are `tipkg.formats`; this module only decides which of a
handler's offers a request prefers: by `Accept` (q-values, specificity, the server's order), by a format
name given as a parameter (`format=`, `output=`, `results=`: what SPARQLWrapper and YASGUI send), or by a
path suffix (`/id/hhs.ttl`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tipkg.formats import Format, Kind, from_media_type, resolve

# A resource's representations: HTML first, so that a browser (or curl's */*) gets the page.
RDF_FORMATS = (Format.TURTLE, Format.JSONLD, Format.NTRIPLES, Format.RDFXML, Format.TRIG)
PAGE_FORMATS = (Format.HTML, *RDF_FORMATS)
# Answers of the SPARQL endpoint: a program's format first (SPARQL JSON, Turtle), the HTML table last.
ROW_FORMATS = (Format.SPARQL_JSON, Format.SPARQL_XML, Format.CSV, Format.TSV, Format.HTML)
GRAPH_FORMATS = (*RDF_FORMATS, Format.NQUADS, Format.HTML)
SERVED = frozenset(ROW_FORMATS) | frozenset(GRAPH_FORMATS)
SUFFIXES = {
    ".html": Format.HTML,
    ".ttl": Format.TURTLE,
    ".jsonld": Format.JSONLD,
    ".nt": Format.NTRIPLES,
    ".rdf": Format.RDFXML,
    ".trig": Format.TRIG,
}
FORMAT_PARAMETERS = ("format", "output", "results")  # synonyms: clients send one, or all three


def carries_graph(offers: Iterable[Format]) -> bool:
    """Whether a set of offers is for RDF (then `application/json` means JSON-LD) or for result rows."""
    return any(offer.kind in (Kind.GRAPH, Kind.DATASET) for offer in offers)


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


def _parse_accept(header: str, graph: bool) -> list[_Range]:
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
        known = from_media_type(media, graph)  # an alias (application/json, text/n3, ...) means its format
        if known is not None:
            media = known.media_type
        main, _, sub = media.partition("/")
        ranges.append(_Range(main, sub, q, order))
    return ranges


def negotiate(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    """The offer the client prefers most (q, then the most specific range, then the server's order).

    No Accept header means the first offer. None means nothing acceptable (answer 406).
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept, carries_graph(offers))
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


def named_format(value: str, graph: bool) -> Format | None:
    """A `format=` value: a name (`json`, `turtle`, `csv`, ...) or a media type, or a comma-separated list
    of media types (SPARQLWrapper repeats its Accept header there); None when nothing in it is known."""
    value = value.strip()
    if "/" not in value:
        found = resolve(value, graph)
        return found if found in SERVED else None
    for item in value.split(","):
        found = from_media_type(item, graph)
        if found in SERVED:
            return found
    return None


class ConflictingFormats(ValueError):
    """`format=json&output=csv`: the request names two different formats."""


def requested_format(values: Iterable[str], graph: bool) -> Format | None:
    """The one format the `format`/`output`/`results` values name (unknown values are ignored, so that the
    `Accept` header decides); raises ConflictingFormats when known values disagree."""
    found: dict[Format, str] = {}
    for value in values:
        fmt = named_format(value, graph)
        if fmt is not None:
            found.setdefault(fmt, value)
    if len(found) > 1:
        names = " and ".join(repr(v) for v in found.values())
        raise ConflictingFormats(f"the request asks for two formats at once ({names}); give one")
    return next(iter(found), None)
