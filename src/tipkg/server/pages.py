"""Linked-data pages: every IRI under --base resolves, to HTML for people and RDF for programs.

`/id/<slug>` (and any other path under the base) answers with the resource's description: HTML by
default, Turtle, JSON-LD, N-Triples, RDF/XML or TriG by `Accept` (`application/json` means JSON-LD) or by a
`.ttl`/`.jsonld`/`.nt`/`.rdf`/`.trig` suffix (`.html` forces the page). TriG keeps each statement in its
named graph, the sentence's. Every answer names its alternates in a `Link` header and its exact form in
`Content-Location`, and varies on `Accept`. Representations are built once and kept (responses.py).

Writers: pyoxigraph's (`tipkg.results.write_rdf`) for Turtle, N-Triples, RDF/XML and TriG; JSON-LD is
publishing, compacted by rdflib with the published context (`tipkg.jsonld.build_context`) inline.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDFS, SKOS
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from tipkg.diagram import structure_svg
from tipkg.engine import ProjectStore
from tipkg.errors import ToolError
from tipkg.formats import Format
from tipkg.jsonld import sort_value
from tipkg.publish import nquads, trig
from tipkg.results import sorted_triples, used_prefixes, write_rdf
from tipkg.server.negotiation import PAGE_FORMATS, RDF_FORMATS, SUFFIXES, negotiate
from tipkg.server.reference import reference
from tipkg.server.responses import CACHE_CONTROL, Representation
from tipkg.server.site import HEADER_PROPERTIES, Site
from tipkg.terms import OxTerm, from_ox, to_ox
from tipkg.vocab import OA, SCHEMA

FORMAT_LABELS = {
    Format.HTML: "HTML",
    Format.TURTLE: "Turtle",
    Format.JSONLD: "JSON-LD",
    Format.NTRIPLES: "N-Triples",
    Format.RDFXML: "RDF/XML",
    Format.TRIG: "TriG",
}
SUFFIX_OF = {fmt: suffix for suffix, fmt in SUFFIXES.items()}
COMMENT_PROPERTIES = (RDFS.comment, SKOS.definition, SCHEMA.description, DCTERMS.description)


def _server(request: Request):
    return request.app.state.server


def _cached(server, key, build) -> Representation:
    found = server.pages.get(key)
    if found is None:
        found = server.pages[key] = build()
    return found


def _not_acceptable(request: Request, server, offers) -> Response:
    wanted = ", ".join(fmt.media_type for fmt in offers)
    return error_response(
        request,
        server,
        406,
        "Not acceptable",
        f"this resource is available as {wanted}",
        headers={"Vary": "Accept"},
    )


def alternates(path: str) -> tuple[list[dict], str]:
    """The alternate representations of a path, for the page and for the Link header."""
    links = [
        {"label": FORMAT_LABELS[fmt], "href": path + SUFFIX_OF[fmt], "type": fmt.media_type}
        for fmt in PAGE_FORMATS
    ]
    header = ", ".join(f'<{quote(link["href"])}>; rel="alternate"; type="{link["type"]}"' for link in links)
    return links, header


def _negotiation_headers(path: str, fmt: Format) -> dict[str, str]:
    _, link = alternates(path)
    return {"Link": link, "Vary": "Accept", "Content-Location": quote(path + SUFFIX_OF[fmt])}


# ------------------------------------------------------------------------------- resources


async def resource(request: Request) -> Response:
    """Any path under the base: /id/hhs, /id/hhs.ttl, /id/graph/hhs-6, ..."""
    server = _server(request)
    site: Site = server.site
    path = request.path_params["path"]
    iri = site.base + path
    fmt = None
    if not site.exists(iri):
        for suffix, suffix_fmt in SUFFIXES.items():
            if path.endswith(suffix) and site.exists(iri[: -len(suffix)]):
                iri, fmt = iri[: -len(suffix)], suffix_fmt
                break
        else:
            return not_found(request, server, request.url.path)
    local = site.local_path(iri) or "/" + path
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"), PAGE_FORMATS)
        if fmt is None:
            return _not_acceptable(request, server, PAGE_FORMATS)
        if fmt is not Format.HTML:  # the IRI names a thing, not a document: point to the document
            return _see_other(local, fmt)
    return _cached(server, (iri, fmt), lambda: _describe(server, iri, local, fmt)).response(request)


def _see_other(local: str, fmt: Format) -> Response:
    """303 See Other from a resource's IRI to its document in the format asked for (`/id/hhs.ttl`), as
    the W3C's "Cool URIs for the Semantic Web" has it; the HTML page stays at the IRI (docs/serve.md)."""
    location = quote(local + SUFFIX_OF[fmt])
    _, link = alternates(local)
    headers = {"Location": location, "Vary": "Accept", "Link": link, "Cache-Control": CACHE_CONTROL}
    return PlainTextResponse(f"303 See Other: {location}\n", status_code=303, headers=headers)


def _describe(server, iri: str, local: str, fmt: Format) -> Representation:
    site: Site = server.site
    headers = _negotiation_headers(local, fmt)
    quads = site.description_quads(iri)
    triples = sorted({(s, p, o) for s, p, o, _ in quads})
    if fmt is Format.HTML:
        links, _ = alternates(local)
        view = entity_view(site, iri)
        return server.render(
            "entity.html",
            entity=view,
            alternates=links,
            headers=headers,
            jsonld=_script_json(jsonld_document(triples, site.jsonld_context)),
        )
    if fmt is Format.TRIG:
        return Representation.of(write_quads(quads), fmt, headers)
    return Representation.of(write_graph(triples, fmt, site.jsonld_context), fmt, headers)


def ox_triple(s, p, o) -> ox.Triple:
    return ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]


def jsonld_document(triples: Iterable[tuple], context: dict) -> dict | list:
    """Compact JSON-LD of rdflib triples, with the context inline: never a remote one to fetch."""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    # rdflib's order follows its store's hashing, which changes from process to process: sorted as the
    # build's JSON-LD is, so a page and its .jsonld are the same bytes in every run (tipkg site).
    return sort_value(json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True)))


def write_graph(triples: Iterable[tuple], fmt: Format, context: dict) -> bytes:
    """rdflib triples as a page's RDF: JSON-LD compacted with the published context, the rest by
    pyoxigraph (sorted, the project's prefixes)."""
    if fmt is Format.JSONLD:
        return json.dumps(jsonld_document(triples, context), ensure_ascii=False, indent=2).encode()
    return write_rdf([ox_triple(s, p, o) for s, p, o in triples], fmt)


def write_quads(quads: Iterable[tuple]) -> bytes:
    """A description as TriG: each statement in its named graph (the provenance records in the default)."""
    written = []
    for s, p, o, g in quads:
        triple = ox_triple(s, p, o)
        graph = ox.NamedNode(g) if g else ox.DefaultGraph()
        written.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    written.sort(key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    prefixes = used_prefixes(sorted_triples(q.triple for q in written))
    return ox.serialize(written, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b""


def _script_json(document) -> str:
    """JSON for a <script type="application/ld+json"> block. '<', '>' and '&' only occur inside JSON
    strings, where \\u escapes mean the same, so no text of the data can end or confuse the element."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def node_view(site: Site, node) -> dict:
    """How a page shows one RDF term: a linked label for an IRI, the text (and its language) for a literal."""
    if isinstance(node, Literal):
        # The pages are in English: only another language, or a datatype, is worth a note.
        note = (node.language if node.language != "en" else None) or (
            site.label(node.datatype) if node.datatype else None
        )
        return {"literal": True, "text": str(node), "note": note}
    iri = str(node)
    return {
        "literal": False,
        "text": site.label(iri),
        "href": site.href(iri),
        "iri": iri,
        "acronym": site.acronym(iri),
        "external": site.local_path(iri) is None,
    }


def node_view_term(site: Site, term: OxTerm | None) -> dict | None:
    """A result cell (a pyoxigraph term) for the HTML table: labels and local links for the graph's IRIs."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return {"literal": True, "text": str(term), "note": "blank node"}
    if isinstance(term, ox.Triple):
        return {"literal": True, "text": str(term), "note": "triple"}
    return node_view(site, from_ox(term))


def _sources(site: Site, graphs) -> list:
    found = [site.source(g) for g in sorted({g for g in graphs if g})]
    return [s for s in found if s is not None]


def entity_view(site: Site, iri: str) -> dict:
    node = URIRef(iri)
    outgoing = site.outgoing.get(node, [])
    grouped: dict = defaultdict(lambda: defaultdict(list))  # p -> o -> [graphs]
    for p, o, g in outgoing:
        grouped[p][o].append(g)
    statements = []
    for p in sorted(grouped, key=lambda p: site.label(p).lower()):
        if p in HEADER_PROPERTIES or p in COMMENT_PROPERTIES:
            continue
        values = [
            {"value": node_view(site, o), "sources": _sources(site, graphs),
             "claims": site.claims_of(node, p, o, graphs)}
            for o, graphs in sorted(grouped[p].items(), key=lambda item: site.label(item[0]).lower())
        ]
        statements.append({"property": node_view(site, p), "values": values})
    incoming_grouped: dict = defaultdict(list)
    for s, p, g in site.incoming.get(node, []):
        incoming_grouped[(s, p)].append(g)
    incoming = [
        {"subject": node_view(site, s), "property": node_view(site, p), "sources": _sources(site, graphs),
         "claims": site.claims_of(s, p, node, graphs)}
        for (s, p), graphs in sorted(
            incoming_grouped.items(),
            key=lambda item: (site.label(item[0][1]).lower(), site.label(item[0][0]).lower()),
        )
    ]
    named_in = []
    own_source = site.source(iri)
    for quote_iri in [] if own_source else site.values(iri, PROV.wasDerivedFrom):
        graph = next((g for g, src in site.sources.items() if src.quote == str(quote_iri)), None)
        source = site.source(graph)
        named_in.append(
            {
                "quote": node_view(site, quote_iri),
                "sentence": source.sentence if source else None,
                "graph": site.href(graph) if graph else None,
            }
        )
    graph_contents = None
    if iri in site.graph_members:
        graph_contents = [
            {"s": node_view(site, s), "p": node_view(site, p), "o": node_view(site, o)}
            for s, p, o in sorted(site.graph_members[iri], key=lambda t: (site.label(t[0]), str(t[1])))
        ]
    exact = [str(o) for o in site.values(iri, OA.exact)]
    for selector in site.values(iri, OA.hasSelector):
        exact += [str(o) for o in site.values(str(selector), OA.exact)]
    acronym = site.acronym(iri)
    return {
        "iri": iri,
        "label": site.label(iri),
        "acronym": acronym,
        "variants": [a for a in site.acronyms.get(iri, []) if a not in (acronym, site.label(iri))],
        "types": [node_view(site, URIRef(t)) for t in site.types(iri)],
        "comments": [str(o) for prop in COMMENT_PROPERTIES for o in site.values(iri, prop)],
        "named_in": named_in,
        "statements": statements,
        "incoming": incoming,
        "graph_contents": graph_contents,
        "graph_source": own_source,
        "exact": exact,
    }


# ------------------------------------------------------------------------------- home, index, ontology


async def home(request: Request) -> Response:
    server = _server(request)
    return _cached(
        server,
        ("home", Format.HTML),
        lambda: server.render("home.html", downloads=server.downloads(), classes=_classes(server.site)[:12],
                              diagram=structure_diagram(server.site)),
    ).response(request)


def structure_diagram(site: Site) -> dict[str, str | None]:
    """The home page's structure diagram (tipkg.diagram, its query run once on the project's store): the
    SVG, or, when Graphviz cannot draw it, the reason and how to install it."""
    try:
        return {"svg": structure_svg(ProjectStore(site.loaded), site.href), "note": None}
    except ToolError as exc:
        return {"svg": None, "note": str(exc)}


def _classes(site: Site) -> list[dict]:
    """The types of the resources under /id/ with their members: the things the source talks about first
    (most members first), the provenance machinery (quotes, selectors, graphs) last."""
    members: dict = defaultdict(list)
    for s in site.outgoing:
        if not isinstance(s, URIRef) or not str(s).startswith(site.base + "id/"):
            continue
        for t in site.types(str(s)) or ["(untyped)"]:
            members[t].append(node_view(site, s))

    def order(item):
        iri, found = item
        machinery = iri in site.provenance_types or iri.startswith(str(OA))
        return (machinery, -len(found), site.label(iri).lower())

    return [
        {
            "type": node_view(site, URIRef(t)) if t != "(untyped)" else {"text": t, "literal": True},
            "anchor": "type-" + str(i),
            "members": sorted(m, key=lambda v: v["text"].lower()),
        }
        for i, (t, m) in enumerate(sorted(members.items(), key=order))
    ]


async def index(request: Request) -> Response:
    server = _server(request)
    return _cached(
        server, ("index", Format.HTML), lambda: server.render("index.html", classes=_classes(server.site))
    ).response(request)


async def ontology(request: Request, fmt: Format | None = None) -> Response:
    server = _server(request)
    fmt = fmt or negotiate(request.headers.get("accept"), PAGE_FORMATS)
    if fmt is None:
        return _not_acceptable(request, server, PAGE_FORMATS)

    def build() -> Representation:
        site: Site = server.site
        headers = _negotiation_headers("/ontology", fmt)
        triples = sorted(site.ontology_triples())
        if fmt is Format.HTML:
            links, _ = alternates("/ontology")
            lists = {c["type"]["iri"]: f"/id/#{c['anchor']}" for c in _classes(site) if "iri" in c["type"]}
            return server.render("ontology.html", ref=reference(site, lists), alternates=links,
                                 headers=headers)
        return Representation.of(write_graph(triples, fmt, site.jsonld_context), fmt, headers)

    return _cached(server, ("ontology", fmt), build).response(request)


# `/ontology.owl` is the name `tipkg build` gives the ontology's RDF/XML (dist/ontology.owl): served too.
ONTOLOGY_SUFFIXES = {**SUFFIXES, ".owl": Format.RDFXML}


async def ontology_with_suffix(request: Request) -> Response:
    fmt = ONTOLOGY_SUFFIXES.get(request.path_params["suffix"])
    if fmt is None:
        return not_found(request, _server(request), request.url.path)
    return await ontology(request, fmt)


async def download(request: Request) -> Response:
    server = _server(request)
    name = request.path_params["name"]
    kinds = {"data.nq": (nquads, Format.NQUADS), "data.trig": (trig, Format.TRIG)}
    if name not in kinds:
        return not_found(request, server, request.url.path)
    writer, fmt = kinds[name]

    def build() -> Representation:
        body = writer(server.site.loaded.data)  # sorted, as tipkg build writes them
        return Representation.of(body, fmt, {"Content-Disposition": f'inline; filename="{name}"'})

    return _cached(server, ("download", name), build).response(request)


# ------------------------------------------------------------------------------- errors


def not_found(request: Request, server, path: str) -> Response:
    """A 404 that helps: the IRI that was looked up, and the nearest IRIs that do exist."""
    site: Site = server.site
    iri = site.base + path.lstrip("/")
    known = [str(s)[len(site.base) :] for s in site.outgoing if str(s).startswith(site.base)]
    near = difflib.get_close_matches(path.lstrip("/"), known, n=5, cutoff=0.6)
    suggestions = [node_view(site, URIRef(site.base + n)) for n in near]
    fmt = negotiate(request.headers.get("accept"), (Format.HTML, *RDF_FORMATS)) or Format.HTML
    if fmt is not Format.HTML:
        lines = [f"404 Not Found: no resource <{iri}> in this graph."]
        lines += [f"Did you mean <{s['iri']}> ({s['text']})?" for s in suggestions]
        lines.append("All resources: /id/ ; SPARQL: /sparql")
        return PlainTextResponse("\n".join(lines) + "\n", status_code=404)
    return server.render("not_found.html", status=404, iri=iri, path=path, suggestions=suggestions).response(
        request
    )


def error_response(
    request: Request,
    server,
    status: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
    query: str | None = None,
) -> Response:
    """An error as a page for a browser, else as plain text (one line that says what to do)."""
    accept = request.headers.get("accept") or ""
    if negotiate(accept, (Format.CSV, Format.HTML)) is Format.HTML and "text/html" in accept:
        rep = server.render(
            "error.html", status=status, code=status, title=title, message=message, query=query,
            headers=headers or {},
        )
        return Response(
            rep.body, status_code=status, headers={**dict(rep.headers)}, media_type=rep.content_type
        )
    return PlainTextResponse(f"{status} {title}: {message}\n", status_code=status, headers=headers)
