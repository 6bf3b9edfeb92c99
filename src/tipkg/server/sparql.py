"""The SPARQL 1.1 Protocol endpoint (/sparql) and the canned queries (/queries/<name>).

GET with `query=`, POST form-encoded (`query=`) or POST `application/sparql-query`. The dataset a query
runs on: the protocol's `default-graph-uri` / `named-graph-uri` when the client gives them; else the
query's own FROM / FROM NAMED (graphs of the store, never fetched); else the project's dataset, the same
`tipkg query` uses (`tipkg.engine.QueryDataset.of`: the merge of every asserted graph as the default graph,
the data's named graphs, and the entailments unless the server runs without them). A canned query runs on
the project's dataset with the entailments only when it is marked `inferred: yes`, as on the CLI.

Formats (`tipkg.formats`): by `format=` (or its synonyms `output=`, `results=`: SPARQLWrapper sends all
three; identical repeats are fine, unknown values leave the choice to `Accept`) or by `Accept`. SELECT/ASK:
SPARQL JSON (the default), XML, CSV, TSV or an HTML table; CONSTRUCT/DESCRIBE: Turtle (the default),
JSON-LD, N-Triples, RDF/XML, TriG, N-Quads or HTML. Written by pyoxigraph's serializers (`tipkg.results`).
GET without a query returns the SPARQL 1.1 Service Description (or a query form for a browser). Errors:
400 malformed, 403 update/SERVICE, 406, 413 body or query too large, 415, 503 timeout or a worker that died.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from tipkg.engine import QueryDataset, QueryResult
from tipkg.errors import UsageError
from tipkg.formats import Format
from tipkg.queries import CannedQuery
from tipkg.results import serialize, write_rdf
from tipkg.server.editor import editor_config
from tipkg.server.engine import QueryError
from tipkg.server.negotiation import (
    FORMAT_PARAMETERS,
    GRAPH_FORMATS,
    ROW_FORMATS,
    ConflictingFormats,
    named_format,
    negotiate,
    requested_format,
)
from tipkg.server.pages import error_response, node_view_term
from tipkg.server.responses import Representation
from tipkg.server.safety import read_body
from tipkg.sparql import QueryForm
from tipkg.terms import OxTerm, parse_term

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
SD_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
)
# A canned query's page comes first: a browser (or */*) gets the HTML table; programs ask for data.
CANNED_ROW_FORMATS = (Format.HTML, *ROW_FORMATS[:-1])
CANNED_GRAPH_FORMATS = (Format.HTML, *GRAPH_FORMATS[:-1])


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

    def formats(self) -> list[str]:
        return [value for key in FORMAT_PARAMETERS for value in self.all(key)]


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"the {what} is not UTF-8 (byte {exc.start})", title="Bad request") from None


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
        return _Params(pairs), _utf8(body, "query")
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qsl(_utf8(body, "form"), keep_blank_values=True, errors="strict")
        return _Params(pairs + form), None
    raise QueryError(
        f"a POST must be application/sparql-query or application/x-www-form-urlencoded, "
        f"not '{content_type or 'none'}'",
        status=415,
        title="Unsupported media type",
    )


def _protocol_dataset(params: _Params) -> QueryDataset | None:
    """The RDF dataset the client named with `default-graph-uri` / `named-graph-uri`, if it named one."""
    defaults, named = params.all("default-graph-uri"), params.all("named-graph-uri")
    if not defaults and not named:
        return None
    for iri in (*defaults, *named):
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise QueryError(f"not a graph IRI: {iri!r} ({exc})", title="Bad request") from None
    return QueryDataset(tuple(defaults), tuple(named))


async def endpoint(request: Request) -> Response:
    server = request.app.state.server
    query = None
    try:
        try:
            params, body_query = await _protocol_params(request, server.settings.max_body)
        except UnicodeDecodeError as exc:  # a form whose percent escapes decode to bytes that are not UTF-8
            raise QueryError(f"the form is not UTF-8 ({exc.reason})", title="Bad request") from None
        if params.all("update"):
            raise QueryError(
                "this endpoint is read-only: SPARQL Update is not accepted",
                status=403,
                title="Read-only endpoint",
            )
        query = body_query if body_query is not None else params.one("query")
        if query is None:
            return service_description(request, server, params.formats())
        if not query.strip():
            raise QueryError("the query is empty", title="Malformed query")
        return await _answer(
            request,
            server,
            query,
            inferred=server.settings.inferred,
            dataset=_protocol_dataset(params),
            bindings={},
            formats=params.formats(),
            offers=(ROW_FORMATS, GRAPH_FORMATS),
            page={"query": query},
        )
    except QueryError as exc:
        return error_response(request, server, exc.status, exc.title, exc.message,
                              headers={**exc.headers, "Vary": "Accept"}, query=query)


async def canned(request: Request) -> Response:
    server = request.app.state.server
    name = request.path_params["name"]
    params = _Params(list(request.query_params.multi_items()))
    formats = params.formats()
    stem, dot, suffix = name.partition(".")
    if dot and stem in server.queries:  # /queries/funding.csv: the suffix is a format name
        graph = server.queries[stem].sparql.form.returns_graph
        if named_format(suffix, graph) is not None:
            name, formats = stem, [suffix]
    canned_query: CannedQuery | None = server.queries.get(name)
    if canned_query is None:
        from tipkg.server.pages import not_found

        return not_found(request, server, request.url.path)
    try:
        if canned_query.inferred and not server.settings.inferred:
            raise QueryError("this question is about the OWL 2 RL entailments, and this server was started "
                             "without them", status=501, title="Entailments not served")
        bindings, values = _parameter_bindings(params, canned_query)
        return await _answer(
            request,
            server,
            canned_query.text,
            inferred=canned_query.inferred,
            dataset=None,
            bindings=bindings,
            formats=formats,
            offers=(CANNED_ROW_FORMATS, CANNED_GRAPH_FORMATS),
            page={"canned": canned_query, "query": canned_query.text, "values": values},
        )
    except QueryError as exc:
        return error_response(request, server, exc.status, exc.title, exc.message, headers=exc.headers)


def _parameter_bindings(params: _Params,
                        canned_query: CannedQuery) -> tuple[dict[str, OxTerm], dict[str, str]]:
    """A canned query's parameters from the URL (`?org=id:dhs`) as RDF terms (`tipkg.terms.parse_term`),
    bound by the engine, never pasted into the text. A malformed value is a 400 that says what is wrong."""
    bindings: dict[str, OxTerm] = {}
    values: dict[str, str] = {}
    for parameter in canned_query.parameters:
        given = {value.strip() for value in params.all(parameter.name)} - {""}
        if not given:
            continue
        if len(given) > 1:
            raise QueryError(f"parameter {parameter.name} was given {len(given)} different values; give one",
                             title="Bad parameter")
        value = given.pop()
        try:
            bindings[parameter.name] = parse_term(value)
        except UsageError as exc:
            raise QueryError(f"parameter {parameter.name}: {exc}", title="Bad parameter") from None
        values[parameter.name] = value
    return bindings, values


def _choose_format(request: Request, result: QueryResult, names: list[str],
                   offers: tuple[Format, ...]) -> Format:
    graph = result.form.returns_graph
    try:
        named = requested_format(names, graph)
    except ConflictingFormats as exc:
        raise QueryError(str(exc), title="Bad request") from None
    offered = ", ".join(f.value for f in offers)
    if named is not None:
        if named in offers:
            return named
        raise QueryError(f"a {result.form.value} query cannot be answered as {named.value}; "
                         f"offered: {offered}", status=406, title="Not acceptable")
    fmt = negotiate(request.headers.get("accept"), offers)
    if fmt is None:
        raise QueryError(
            "none of the formats asked for fits this result; offered: "
            + ", ".join(f.media_type for f in offers),
            status=406,
            title="Not acceptable",
        )
    return fmt


async def _answer(
    request: Request,
    server,
    query: str,
    inferred: bool,
    dataset: QueryDataset | None,
    bindings: dict[str, OxTerm],
    formats: list[str],
    offers: tuple[tuple[Format, ...], tuple[Format, ...]],
    page: dict,
) -> Response:
    key = (query, inferred, dataset, tuple(sorted(bindings.items())))
    result = server.results.get(("result", key))
    if result is None:
        result = await server.engine.run(query, inferred, dataset, bindings)
        width = 3 if result.form.returns_graph else max(1, len(result.variables))
        server.results.put(("result", key), result, size=96 * (len(result) + 1) * width)
    fmt = _choose_format(request, result, formats, offers[1] if result.form.returns_graph else offers[0])
    rep_key = ("rep", key, fmt, request.url.path)
    rep = server.results.get(rep_key)
    if rep is None:
        rep = _represent(server, result, fmt, offers, page)
        server.results.put(rep_key, rep)
    return rep.response(request)


def _represent(server, result: QueryResult, fmt: Format, offers, page: dict) -> Representation:
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["Tipkg-Truncated"] = "true"
        headers["Tipkg-Row-Limit"] = str(server.settings.max_rows)
    if fmt is not Format.HTML:
        return Representation.of(serialize(result, fmt), fmt, headers)
    site = server.site
    if result.form.returns_graph:
        variables: tuple[str, ...] = ("subject", "predicate", "object")
        cells: list[Sequence[OxTerm | None]] = [(t.subject, t.predicate, t.object) for t in result.triples]
    else:
        variables, cells = result.variables, list(result.rows)
    rows = [[node_view_term(site, t) for t in row] for row in cells]
    offered = [f for f in (offers[1] if result.form.returns_graph else offers[0]) if f is not Format.HTML]
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
        ask=result.form is QueryForm.ASK,
        graph=result.form.returns_graph,
        variables=variables,
        rows=rows,
        formats=formats,
        limit=server.settings.max_rows,
        headers=headers,
        **page,
    )


def service_description(request: Request, server, names: list[str]) -> Response:
    """SPARQL 1.1 Service Description of this endpoint (RDF), or the query form for a browser."""
    offers = (*GRAPH_FORMATS[:-1], Format.HTML)  # */* (curl, a SPARQL client) gets Turtle; a browser HTML
    try:
        named = requested_format(names, graph=True)
    except ConflictingFormats as exc:
        raise QueryError(str(exc), title="Bad request") from None
    fmt = named if named in offers else negotiate(request.headers.get("accept"), offers)
    if fmt is None:  # e.g. a client that asks for results but sent no query: show it what this is
        fmt = Format.TURTLE
    endpoint_iri = str(request.url.replace(query="", fragment=""))
    key = ("sd", endpoint_iri, fmt)
    rep = server.results.get(key)  # an LRU: the Host header is the client's to choose
    if rep is None:
        if fmt is Format.HTML:
            rep = server.render(
                "sparql.html", queries=server.queries, endpoint=endpoint_iri, headers={"Vary": "Accept"},
                editor=editor_config(server.queries),
            )
        else:
            body = write_rdf(_sd_triples(server, endpoint_iri), fmt)
            rep = Representation.of(body, fmt, {"Vary": "Accept"})
        server.results.put(key, rep)
    return rep.response(request)


def _sd_triples(server, endpoint_iri: str) -> list[ox.Triple]:
    try:
        me = ox.NamedNode(endpoint_iri)
    except ValueError:  # a Host header that makes no IRI: describe the endpoint under the base instead
        endpoint_iri = server.settings.base + "sparql"
        me = ox.NamedNode(endpoint_iri)

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    dataset, default = ox.NamedNode(endpoint_iri + "#dataset"), ox.NamedNode(endpoint_iri + "#default-graph")
    triples = [
        ox.Triple(me, RDF_TYPE, sd("Service")),
        ox.Triple(me, sd("endpoint"), me),
        ox.Triple(me, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(me, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(me, sd("defaultDataset"), dataset),
        ox.Triple(me, DCTERMS_TITLE, ox.Literal(server.title, language="en")),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
        ox.Triple(default, ox.NamedNode("http://rdfs.org/ns/void#triples"),
                  ox.Literal(str(server.default_triples), datatype=XSD_INTEGER)),
    ]
    triples += [ox.Triple(me, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name))
                for name in SD_RESULT_FORMATS]
    for number, graph in enumerate(server.dataset.named_graphs):
        node = ox.NamedNode(f"{endpoint_iri}#named-graph-{number}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(graph)),
        ]
    return triples
