"""The SPARQL 1.1 Protocol endpoint (/sparql) and the canned queries (/queries/<name>).

GET with `query=`, POST form-encoded (`query=`) or POST `application/sparql-query`; `default-graph-uri`
and `named-graph-uri` as the Protocol defines (without them the default graph is the union of all graphs,
as the provenance model expects). Results by `Accept` (or `format=`): SPARQL JSON (the default), XML, CSV,
TSV or an HTML table for SELECT/ASK; Turtle (the default), N-Triples, JSON-LD, RDF/XML or HTML for
CONSTRUCT/DESCRIBE. GET without a query returns the SPARQL 1.1 Service Description (or a query form for
a browser). Errors: 400 malformed, 403 update/SERVICE, 406, 413 body too large, 415, 503 timeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import Response

from tipkg.errors import UsageError
from tipkg.queries import parse_term
from tipkg.server.engine import QueryError, QueryResult, ResultKind
from tipkg.server.negotiation import (
    GRAPH_RESULT_FORMATS,
    RDF_FORMATS,
    RESULT_FORMATS,
    Format,
    by_name,
    negotiate,
)
from tipkg.server.pages import error_response, node_view
from tipkg.server.responses import Representation
from tipkg.server.results import nt_term, write_rdf, write_results
from tipkg.server.safety import check_read_only, read_body
from tipkg.server.site import term
from tipkg.stores import INFERRED_GRAPH

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SD_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)


class _Params:
    """The protocol parameters of one request, from the URL and (for a form POST) the body."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.values: dict[str, list[str]] = {}
        for key, value in pairs:
            self.values.setdefault(key, []).append(value)

    def one(self, key: str) -> str | None:
        found = self.values.get(key, [])
        if len(found) > 1:
            raise QueryError(f"'{key}' was given {len(found)} times; give it once", title="Bad request")
        return found[0] if found else None

    def all(self, key: str) -> list[str]:
        return self.values.get(key, [])


async def _protocol_params(request: Request, max_body: int) -> tuple[_Params, str | None]:
    pairs = list(request.query_params.multi_items())
    if request.method != "POST":
        return _Params(pairs), None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, max_body)
    if content_type == "application/sparql-update":  # a form's update= is refused by the caller
        raise QueryError(
            "this endpoint is read-only: SPARQL Update is not accepted",
            status=403,
            title="Read-only endpoint",
        )
    if content_type == "application/sparql-query":
        try:
            return _Params(pairs), body.decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError("the query is not UTF-8", title="Bad request") from None
    if content_type == "application/x-www-form-urlencoded":
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise QueryError("the form is not UTF-8", title="Bad request") from None
        form = [(k, v) for k, values in parse_qs(text, keep_blank_values=True).items() for v in values]
        return _Params(pairs + form), None
    raise QueryError(
        f"a POST must be application/sparql-query or application/x-www-form-urlencoded, "
        f"not '{content_type or 'none'}'",
        status=415,
        title="Unsupported media type",
    )


async def endpoint(request: Request) -> Response:
    server = request.app.state.server
    query = None
    try:
        params, body_query = await _protocol_params(request, server.settings.max_body)
        if params.all("update"):
            raise QueryError(
                "this endpoint is read-only: SPARQL Update is not accepted",
                status=403,
                title="Read-only endpoint",
            )
        query = body_query if body_query is not None else params.one("query")
        if query is None:
            return service_description(request, server)
        if not query.strip():
            raise QueryError("the query is empty", title="Malformed query")
        return await _answer(
            request,
            server,
            query,
            params.all("default-graph-uri"),
            params.all("named-graph-uri"),
            params.one("format"),
            RESULT_FORMATS,
            GRAPH_RESULT_FORMATS,
            page={"query": query},
        )
    except QueryError as exc:
        return error_response(
            request, server, exc.status, exc.title, exc.message, headers={"Vary": "Accept"}, query=query
        )


async def canned(request: Request) -> Response:
    server = request.app.state.server
    name = request.path_params["name"]
    for suffix, fmt_name in (
        (".json", "json"),
        (".csv", "csv"),
        (".tsv", "tsv"),
        (".xml", "xml"),
        (".ttl", "ttl"),
        (".html", "html"),
    ):
        if name.endswith(suffix) and name[: -len(suffix)] in server.queries:
            name, forced = name[: -len(suffix)], fmt_name
            break
    else:
        forced = request.query_params.get("format")
    canned_query = server.queries.get(name)
    if canned_query is None:
        from tipkg.server.pages import not_found

        return not_found(request, server, request.url.path)
    # A page first: a browser (or */*) gets the HTML table; programs ask for a results format.
    select_offers = (Format.HTML, *RESULT_FORMATS[:-1])
    graph_offers = (Format.HTML, *RDF_FORMATS)
    try:
        bindings, values = _parameter_bindings(request, canned_query)
        default_graphs, named_graphs = [], []
        if not canned_query.inferred and server.settings.inferred:
            # A question about what the source says runs on the asserted graphs only, as `tipkg query` does.
            named_graphs = [g for g in server.engine.data.named_graphs if g != str(INFERRED_GRAPH)]
            default_graphs = ["", *named_graphs]
        return await _answer(
            request,
            server,
            canned_query.text,
            default_graphs,
            named_graphs,
            forced,
            select_offers,
            graph_offers,
            page={"canned": canned_query, "query": canned_query.text, "values": values},
            bindings=bindings,
        )
    except QueryError as exc:
        return error_response(request, server, exc.status, exc.title, exc.message)


def _parameter_bindings(request: Request, canned_query) -> tuple[tuple, dict[str, str]]:
    """A canned query's parameters from the URL (`?org=id:dhs`), as RDF terms (never pasted into the text)."""
    bindings, values = [], {}
    for parameter in canned_query.parameters:
        value = request.query_params.get(parameter.name, "").strip()
        if not value:
            continue
        try:
            node = parse_term(value)
        except UsageError as exc:
            raise QueryError(f"parameter {parameter.name}: {exc}", title="Bad parameter") from None
        bindings.append((parameter.name, term(node)))
        values[parameter.name] = value
    return tuple(bindings), values


async def _answer(
    request: Request,
    server,
    query: str,
    default_graphs: list[str],
    named_graphs: list[str],
    forced: str | None,
    select_offers,
    graph_offers,
    page: dict,
    bindings: tuple = (),
) -> Response:
    check_read_only(query)
    key = (query, tuple(default_graphs), tuple(named_graphs), bindings)
    result = server.results.get(("result", key))
    if result is None:
        result = await server.engine.run(query, default_graphs, named_graphs, bindings=bindings)
        server.results.put(
            ("result", key), result, size=96 * (len(result.rows) + 1) * max(1, len(result.variables))
        )
    offers = graph_offers if result.kind is ResultKind.GRAPH else select_offers
    fmt = by_name(forced, offers) if forced else negotiate(request.headers.get("accept"), offers)
    if fmt is None:
        raise QueryError(
            "none of the formats asked for fits this result; offered: "
            + ", ".join(f.media_type for f in offers),
            status=406,
            title="Not acceptable",
        )
    rep_key = ("rep", key, fmt, request.url.path)
    rep = server.results.get(rep_key)
    if rep is None:
        rep = _represent(server, result, fmt, page)
        server.results.put(rep_key, rep)
    return rep.response(request)


def _represent(server, result: QueryResult, fmt: Format, page: dict) -> Representation:
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["Tipkg-Truncated"] = "true"
        headers["Tipkg-Row-Limit"] = str(server.settings.max_rows)
    if fmt is Format.HTML:
        site = server.site
        rows = [[node_view_term(site, t) for t in row] for row in result.rows]
        offered = RESULT_FORMATS[:-1] if result.kind is not ResultKind.GRAPH else RDF_FORMATS
        canned_query = page.get("canned")
        formats = [
            (
                f.value,
                f.media_type,
                f"/queries/{canned_query.name}?" + urlencode({**page.get("values", {}), "format": f.value})
                if canned_query
                else "/sparql?" + urlencode({"query": page["query"], "format": f.value}),
            )
            for f in offered
        ]
        return server.render(
            "results.html",
            result=result,
            rows=rows,
            formats=formats,
            limit=server.settings.max_rows,
            headers=headers,
            **page,
        )
    if result.kind is ResultKind.GRAPH:
        return Representation.of(write_rdf(result.rows, fmt), fmt, headers)
    return Representation.of(write_results(result, fmt), fmt, headers)


def node_view_term(site, value) -> dict | None:
    """A result cell for the HTML table: labels and local links for the graph's own IRIs."""
    if value is None:
        return None
    from rdflib import Literal, URIRef

    kind = value[0]
    if kind == "uri":
        return node_view(site, URIRef(value[1]))
    if kind == "bnode":
        return {"literal": True, "text": "_:" + value[1], "note": "blank node"}
    if kind == "literal":
        datatype = None if value[3] or value[2].endswith("#string") else URIRef(value[2])
        return node_view(site, Literal(value[1], lang=value[3], datatype=datatype))
    return {"literal": True, "text": nt_term(value), "note": "triple"}


def service_description(request: Request, server) -> Response:
    """SPARQL 1.1 Service Description of this endpoint (RDF), or the query form for a browser."""
    offers = (*RDF_FORMATS, Format.HTML)  # */* (curl, a SPARQL client) gets Turtle; a browser asks for HTML
    fmt = by_name(request.query_params.get("format"), offers) or negotiate(
        request.headers.get("accept"), offers
    )
    if fmt is None:  # e.g. a client that asks for results but sent no query: show it what this is
        fmt = Format.TURTLE
    endpoint_iri = str(request.url.replace(query="", fragment=""))
    key = ("sd", endpoint_iri, fmt)
    rep = server.results.get(key)  # an LRU: the Host header is the client's to choose
    if rep is None:
        triples = _sd_triples(server, endpoint_iri)
        if fmt is Format.HTML:
            rep = server.render(
                "sparql.html", queries=server.queries, endpoint=endpoint_iri, headers={"Vary": "Accept"}
            )
        else:
            rep = Representation.of(write_rdf(triples, fmt), fmt, {"Vary": "Accept"})
        server.results.put(key, rep)
    return rep.response(request)


def _sd_triples(server, endpoint_iri: str) -> list[tuple]:
    def uri(value: str) -> tuple:
        return ("uri", value)

    def integer(value: int) -> tuple:
        return ("literal", str(value), "http://www.w3.org/2001/XMLSchema#integer", None)

    me, dataset, default = (
        uri(endpoint_iri),
        uri(endpoint_iri + "#dataset"),
        uri(endpoint_iri + "#default-graph"),
    )
    triples = [
        (me, uri(RDF_TYPE), uri(SD + "Service")),
        (me, uri(SD + "endpoint"), me),
        (me, uri(SD + "supportedLanguage"), uri(SD + "SPARQL11Query")),
        (me, uri(SD + "feature"), uri(SD + "UnionDefaultGraph")),
        (me, uri(SD + "defaultDataset"), dataset),
        (me, uri("http://purl.org/dc/terms/title"), ("literal", server.title, "", "en")),
        (dataset, uri(RDF_TYPE), uri(SD + "Dataset")),
        (dataset, uri(SD + "defaultGraph"), default),
        (default, uri(RDF_TYPE), uri(SD + "Graph")),
        (default, uri("http://rdfs.org/ns/void#triples"), integer(server.engine.data.quads)),
    ]
    triples += [(me, uri(SD + "resultFormat"), uri(FORMATS_NS + name)) for name in SD_RESULT_FORMATS]
    graphs = server.engine.data.named_graphs
    for number, graph in enumerate(graphs):
        node = uri(f"{endpoint_iri}#named-graph-{number}")
        triples += [
            (dataset, uri(SD + "namedGraph"), node),
            (node, uri(RDF_TYPE), uri(SD + "NamedGraph")),
            (node, uri(SD + "name"), uri(graph)),
        ]
    return triples
