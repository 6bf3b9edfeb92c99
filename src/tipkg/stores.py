"""Where queries run: one small interface over the local graph (rdflib) and a remote SPARQL 1.1 endpoint.

- `Sparql` is a parsed query: its text, its form (SELECT/ASK/CONSTRUCT/DESCRIBE) and rdflib's algebra.
  Parsing happens once, locally, so a malformed query is a usage error (exit 2) before any request is sent.
- `LocalStore` runs queries over an rdflib `Dataset` with `default_union=True`: a pattern outside `GRAPH`
  sees the union of all graphs, as the provenance pattern (one named graph per sentence) expects.
- `RemoteStore` runs the same queries through SPARQLWrapper. The endpoint must query the union of its graphs
  by default too (Oxigraph: `oxigraph serve --union-default-graph`; Fuseki: `tdb2:unionDefaultGraph true`).
- `GraphStore` speaks the SPARQL 1.1 Graph Store HTTP Protocol (and SPARQL Update) for `tipkg push`.

Parameters are RDF terms, never text pasted into a query: locally they are rdflib `initBindings`; remotely a
trailing `VALUES` block written from `term.n3()`, which escapes every character that could end a term.

Every remote failure (closed port, refused connection, timeout, 4xx, 5xx, an HTML page or other body that
is not SPARQL results) becomes a `RemoteError` (exit 3) naming the URL and what to check. Only reads are
retried, with backoff, and only on failures that a retry can cure (refused connection, 502/503/504).
"""

from __future__ import annotations

import ast
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar
from xml.etree import ElementTree

from pyparsing.exceptions import ParseBaseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import CompValue, Query
from rdflib.term import Identifier
from SPARQLWrapper import JSON, N3, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from tipkg import __version__
from tipkg.errors import InputError, RemoteError, UsageError
from tipkg.load import LoadedProject
from tipkg.reason import reason
from tipkg.results import QueryForm, QueryResult, Row, term_syntax
from tipkg.vocab import ID, PREFIXES, bind_prefixes

USER_AGENT = f"tipkg/{__version__}"
IRI_UNSAFE = re.compile(r'[<>"{}|^`\\\x00-\x20]')
DEFAULT_TIMEOUT = 30.0
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
RDF_ACCEPT = "text/turtle, application/n-triples;q=0.9"

Bindings = Mapping[str, Identifier]

# --- parsed queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sparql:
    """A SPARQL query parsed once: the text that is sent, its form, rdflib's algebra and variables."""

    text: str
    form: QueryForm
    prepared: Query
    variables: frozenset[str]  # every variable the query mentions
    projected: tuple[str, ...]  # SELECT's result variables (empty for other forms)
    has_trailing_values: bool

    @classmethod
    def parse(cls, text: str, source: Path | str | None = None,
              namespaces: Mapping[str, str] | None = None) -> Sparql:
        """Parse a query or raise InputError with the parser's line and column (exit 2).

        `namespaces` are prefixes the query may use without declaring them (only for checking: a query that
        is sent anywhere must declare its prefixes, see `with_prefixes`).
        """
        try:
            tree = parseQuery(text)
        except ParseBaseException as exc:
            raise InputError(f"SPARQL syntax error: {exc.msg}", source, exc.lineno, exc.col) from None
        except Exception as exc:  # rdflib raises plain Exceptions for some grammar errors
            raise InputError(f"SPARQL syntax error: {exc}", source) from None
        has_values = isinstance(tree[1].get("valuesClause"), CompValue)  # get() of a missing key is the key
        try:
            prepared = translateQuery(tree, initNs=dict(namespaces or {}))
        except Exception as exc:  # e.g. "Unknown namespace prefix : foo"
            raise InputError(f"SPARQL error: {exc}", source,
                             hint="declare every prefix with PREFIX p: <namespace>") from None
        algebra = prepared.algebra
        form = QueryForm(algebra.name.removesuffix("Query").upper())
        if _uses_service(algebra):
            raise InputError("SERVICE is not allowed: tipkg never sends a query on to another endpoint",
                             source)
        variables = frozenset(str(v) for v in algebra.get("_vars", ()) if not str(v).startswith("__"))
        projected = tuple(str(v) for v in algebra.get("PV", ())) if form is QueryForm.SELECT else ()
        return cls(text, form, prepared, variables, projected, has_values)

    def with_values(self, bindings: Bindings) -> str:
        """The query text with a trailing VALUES block that binds each parameter to its RDF term.

        Literals are written with every quote, backslash and line break escaped (`term_syntax`), and an IRI
        holding a character that could close it is refused, so no value can end its term early. A trailing
        VALUES is joined after grouping (SPARQL 1.1, 18.2.4.3), so a parameter must be a projected variable:
        the catalogue checks it.
        """
        if not bindings:
            return self.text
        if self.has_trailing_values:
            raise UsageError("this query has its own trailing VALUES block; "
                             "it cannot also take --param values")
        names = sorted(bindings)
        for name in names:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise UsageError(f"not a variable name: {name!r}")
            if isinstance(bindings[name], URIRef) and IRI_UNSAFE.search(str(bindings[name])):
                raise UsageError(f"not a valid IRI: {str(bindings[name])!r}")
        head = " ".join(Variable(n).n3() for n in names)
        row = " ".join(term_syntax(bindings[n]) for n in names)
        return f"{self.text.rstrip()}\nVALUES ({head}) {{ ({row}) }}\n"


def _uses_service(node: object) -> bool:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_uses_service(v) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_uses_service(v) for v in node)
    return False


def with_prefixes(text: str) -> str:
    """Declare the project prefixes that an ad-hoc query uses but does not declare (for `tipkg sparql`)."""
    declared = {m.lower() for m in _declared_prefixes(text)}
    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p.lower() not in declared]
    return "\n".join([*missing, text]) if missing else text


def _declared_prefixes(text: str) -> list[str]:
    return re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?\s*:", text)


# --- the store interface -----------------------------------------------------------------------------------


class Store(Protocol):
    """Anything that answers SPARQL queries with `QueryResult`s."""

    @property
    def description(self) -> str: ...

    def query(self, query: Sparql, bindings: Bindings | None = None) -> QueryResult: ...

    def has_graph(self, iri: URIRef) -> bool: ...


ASK_GRAPH = Sparql.parse("ASK { GRAPH ?g { ?s ?p ?o } }")
# One triple of some named graph that the default graph does not show: the store does not query the union.
ASK_NOT_UNION = Sparql.parse(
    "ASK { { SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1 } FILTER NOT EXISTS { ?s ?p ?o } }")


class LocalStore:
    """Queries over an in-memory rdflib Dataset whose default graph is the union of all its graphs."""

    def __init__(self, dataset: Dataset, description: str = "local graph") -> None:
        if not dataset.default_union:
            raise ValueError("LocalStore needs a Dataset with default_union=True")
        self.dataset = dataset
        self._description = description

    @property
    def description(self) -> str:
        return self._description

    def query(self, query: Sparql, bindings: Bindings | None = None) -> QueryResult:
        try:
            answer = self.dataset.query(query.prepared, initBindings=dict(bindings or {}))
        except Exception as exc:  # evaluation errors (bad function arguments, ...) are the query's fault
            raise InputError(f"the query failed on the local graph: {exc}") from None
        if query.form is QueryForm.ASK:
            return QueryResult(QueryForm.ASK, boolean=bool(answer.askAnswer))
        if query.form.returns_graph:
            graph = Graph()
            for triple in answer:
                graph.add(triple)  # type: ignore[arg-type]
            return QueryResult(query.form, graph=graph)
        variables = [str(v) for v in (answer.vars or [])]
        rows: list[Row] = [tuple(row) for row in answer]  # type: ignore[arg-type]
        return QueryResult(QueryForm.SELECT, variables=variables, rows=rows)

    def has_graph(self, iri: URIRef) -> bool:
        return bool(self.query(ASK_GRAPH, {"g": iri}).boolean)


# --- remote ------------------------------------------------------------------------------------------------

T = TypeVar("T")

RETRYABLE_STATUS = {502, 503, 504}


class _Retryable(Exception):
    """A failure that a later attempt may not meet (the endpoint starting up, a proxy hiccup)."""

    def __init__(self, error: RemoteError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class RetryPolicy:
    """Retries for safe requests only: `attempts` in all, sleeping `backoff`, 2x`backoff`, ... between."""

    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def run(self, action: Callable[[], T]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return action()
            except _Retryable as exc:
                if attempt == self.attempts:
                    raise exc.error from None
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


NO_RETRY = RetryPolicy(attempts=1)


def check_url(url: str, what: str = "endpoint") -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(f"the {what} URL must be http:// or https://, got {url!r}")
    return url


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | socket.timeout):
        return True
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, TimeoutError | socket.timeout)


def _wrapped_body(exc: SPARQLWrapperException) -> bytes:
    """The response body that SPARQLWrapper keeps only inside its message, as the repr of bytes."""
    _, found, shown = str(exc).partition("Response:\n")
    if not found:
        return b""
    try:
        body = ast.literal_eval(shown.strip())
    except (ValueError, SyntaxError):
        return shown.encode("utf-8")
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def _body_excerpt(body: bytes | str | None, limit: int = 200) -> str:
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def http_failure(url: str, exc: BaseException, timeout: float) -> RemoteError | _Retryable:
    """Turn any transport or HTTP failure into a RemoteError; wrap it as _Retryable when a retry may help."""
    if _is_timeout(exc):
        return RemoteError(f"{url}: no answer within {timeout:g} s",
                           )
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code
        try:
            detail = _body_excerpt(exc.read())
        except Exception:  # the body may be gone already
            detail = ""
        error = RemoteError(f"{url}: HTTP {status} {exc.reason}" + (f": {detail}" if detail else ""))
        return _Retryable(error) if status in RETRYABLE_STATUS else error
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return _Retryable(RemoteError(f"{url}: connection refused; is the server running on that port?"))
        if isinstance(reason, socket.gaierror):
            return RemoteError(f"{url}: unknown host ({reason.strerror})")
        return _Retryable(RemoteError(f"{url}: cannot connect ({reason})"))
    if isinstance(exc, ConnectionError):
        return _Retryable(RemoteError(f"{url}: connection failed ({exc.__class__.__name__})"))
    return RemoteError(f"{url}: {exc.__class__.__name__}: {exc}")


class RemoteStore:
    """Queries over a SPARQL 1.1 Protocol endpoint, through SPARQLWrapper."""

    def __init__(self, endpoint: str, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None) -> None:
        self.endpoint = check_url(endpoint)
        if timeout <= 0:
            raise UsageError("--timeout must be more than 0 seconds")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    @property
    def description(self) -> str:
        return self.endpoint

    def query(self, query: Sparql, bindings: Bindings | None = None) -> QueryResult:
        text = query.with_values(dict(bindings or {}))
        body, content_type = self.retry.run(lambda: self._send(text, query.form))
        return self._parse(body, content_type, query.form)

    def has_graph(self, iri: URIRef) -> bool:
        return bool(self.query(ASK_GRAPH, {"g": iri}).boolean)

    def queries_union(self) -> bool:
        """Whether a pattern outside GRAPH sees the named graphs' triples (checked on one of them)."""
        return not self.query(ASK_NOT_UNION).boolean

    def _send(self, text: str, form: QueryForm) -> tuple[bytes, str]:
        client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        client.setQuery(text)
        # SPARQLWrapper guesses the form with a regular expression that comments can fool ("described" in a
        # header reads as DESCRIBE); the form is known from the parse, and the Accept header follows from it.
        client.queryType = form.value
        client.setReturnFormat(N3 if form.returns_graph else JSON)
        client.addCustomHttpHeader("Accept", RDF_ACCEPT if form.returns_graph else RESULTS_ACCEPT)
        client.timeout = self.timeout  # not setTimeout(): it truncates to whole seconds (0.5 s would be none)
        client.setMethod("POST" if len(text) > 1500 else "GET")
        try:
            answer = client.query()
            response = answer.response
            body = response.read()
            content_type = response.headers.get("Content-Type", "") or ""
        except SPARQLWrapperException as exc:
            raise self._wrapper_error(exc) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failure = http_failure(self.endpoint, exc, self.timeout)
            raise failure from None
        return body, content_type

    def _wrapper_error(self, exc: SPARQLWrapperException) -> RemoteError:
        # SPARQLWrapper turns 400/401/403/404/414/500 into its own exceptions; none of them is worth a retry
        names = {"QueryBadFormed": "HTTP 400: the endpoint rejected the query",
                 "Unauthorized": "HTTP 401: the endpoint wants credentials",
                 "EndPointNotFound": "HTTP 404: no SPARQL endpoint at this URL",
                 "URITooLong": "HTTP 414: the query is too long for a GET request",
                 "EndPointInternalError": "HTTP 500: the endpoint failed (internal server error)"}
        headline = names.get(type(exc).__name__, f"HTTP error: {type(exc).__name__}")
        detail = _body_excerpt(_wrapped_body(exc))
        return RemoteError(f"{self.endpoint}: {headline}" + (f" ({detail})" if detail else ""))

    def _parse(self, body: bytes, content_type: str, form: QueryForm) -> QueryResult:
        media = content_type.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml") or body.lstrip()[:15].lower().startswith(
                (b"<!doctype html", b"<html")):
            raise RemoteError(f"{self.endpoint}: answered an HTML page, not SPARQL results; "
                              "is this the endpoint URL (e.g. .../sparql or .../query)?")
        if form.returns_graph:
            return QueryResult(form, graph=parse_rdf_answer(body, media, self.endpoint))
        if media in ("application/sparql-results+xml", "application/xml", "text/xml"):
            return parse_xml_results(body, form, self.endpoint)
        return parse_json_results(body, form, self.endpoint)


def parse_rdf_answer(body: bytes, media: str, url: str) -> Graph:
    formats = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt",
               "application/rdf+xml": "xml", "application/ld+json": "json-ld", "text/n3": "n3",
               "application/x-turtle": "turtle"}
    fmt = formats.get(media)
    if fmt is None:
        raise RemoteError(f"{url}: answered {media or 'no media type'}, not RDF")
    if fmt == "json-ld":
        raise RemoteError(f"{url}: answered JSON-LD, which tipkg does not read from endpoints "
                          "(it never fetches remote contexts)")
    graph = Graph()
    try:
        graph.parse(data=body.decode("utf-8"), format=fmt)
    except Exception as exc:
        raise RemoteError(f"{url}: the RDF answer does not parse ({exc.__class__.__name__}: {exc})") from None
    return graph


def json_to_term(value: Mapping[str, str]) -> Identifier:
    kind = value.get("type")
    text = value["value"]
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        return Literal(text, datatype=URIRef(datatype) if datatype else None)
    raise ValueError(f"unknown term type {kind!r}")


def parse_json_results(body: bytes, form: QueryForm, url: str) -> QueryResult:
    """Read SPARQL 1.1 JSON results; anything else is a RemoteError that says what came back."""
    try:
        doc = json.loads(body.decode("utf-8"))
        if form is QueryForm.ASK:
            return QueryResult(QueryForm.ASK, boolean=bool(doc["boolean"]))
        variables = list(doc["head"]["vars"])
        rows: list[Row] = []
        for binding in doc["results"]["bindings"]:
            rows.append(tuple(json_to_term(binding[v]) if v in binding else None for v in variables))
        return QueryResult(QueryForm.SELECT, variables=variables, rows=rows)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError):
        excerpt = _body_excerpt(body, 120)
        raise RemoteError(f"{url}: the answer is not SPARQL JSON results"
                          + (f" (it begins: {excerpt})" if excerpt else " (empty body)")) from None


def parse_xml_results(body: bytes, form: QueryForm, url: str) -> QueryResult:
    ns = "{http://www.w3.org/2005/sparql-results#}"
    try:
        root = ElementTree.fromstring(body)
        if form is QueryForm.ASK:
            node = root.find(f"{ns}boolean")
            if node is None:
                raise ValueError("no boolean")
            return QueryResult(QueryForm.ASK, boolean=(node.text or "").strip() == "true")
        variables = [v.attrib["name"] for v in root.iter(f"{ns}variable")]
        rows: list[Row] = []
        for result in root.iter(f"{ns}result"):
            bound: dict[str, Identifier] = {}
            for binding in result.findall(f"{ns}binding"):
                term = binding[0]
                tag = term.tag.removeprefix(ns)
                value = {"type": tag, "value": term.text or ""}
                lang = term.attrib.get("{http://www.w3.org/XML/1998/namespace}lang")
                if lang:
                    value["xml:lang"] = lang
                if "datatype" in term.attrib:
                    value["datatype"] = term.attrib["datatype"]
                bound[binding.attrib["name"]] = json_to_term(value)
            rows.append(tuple(bound.get(v) for v in variables))
        return QueryResult(QueryForm.SELECT, variables=variables, rows=rows)
    except (ElementTree.ParseError, KeyError, IndexError, ValueError):
        raise RemoteError(f"{url}: the answer is not SPARQL XML results") from None


# --- the local graph ---------------------------------------------------------------------------------------

INFERRED_GRAPH = ID["graph/inferred"]


def project_dataset(loaded: LoadedProject, inferred: bool = False) -> Dataset:
    """The project's data (its named graphs kept) and ontology as one queryable dataset.

    The ontology goes into the default graph with the data's default graph (the provenance records). With
    `inferred`, the OWL 2 RL entailments that are not asserted (`tipkg.reason`, the same set `tipkg build`
    publishes as inferred.ttl) go into the graph `id:graph/inferred`, so that every query sees them through
    the union default graph and `tipkg push --inferred` can upload them.
    """
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    source_default = loaded.data.default_graph.identifier
    for s, p, o, g in loaded.data.quads((None, None, None, None)):
        target = dataset.default_graph if g is None or g == source_default else dataset.graph(g)
        target.add((s, p, o))
    for triple in loaded.ontology:
        dataset.default_graph.add(triple)
    if inferred:
        closure = dataset.graph(INFERRED_GRAPH)
        for triple in reason(loaded).inferred():
            closure.add(triple)
    return dataset


def local_store(loaded: LoadedProject, inferred: bool = False) -> LocalStore:
    label = "local graph + OWL 2 RL entailments" if inferred else "local graph"
    return LocalStore(project_dataset(loaded, inferred), label)
