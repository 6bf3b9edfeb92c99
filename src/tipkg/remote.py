"""Another SPARQL 1.1 endpoint behind the same interface as `tipkg.engine.ProjectStore`.

A query goes out with the same dataset it has locally (`QueryDataset`: `default-graph-uri` and
`named-graph-uri` protocol parameters), on a store laid out by `tipkg push` (graphs `id:graph/asserted` and
`id:graph/inferred` beside the data's named graphs). So it gives the same rows on any SPARQL 1.1 store,
whether or not its default graph is the union of its graphs. On a store without that layout the query runs
on the store's own default dataset, and an empty answer from a store whose default graph does not see its
named graphs is an error that says so (exit 3), not a silent nothing.

Parameters are pyoxigraph terms, written by the library (`str(term)`, N-Triples) in a trailing `VALUES`
block: a term that the library could build cannot end early or change the query around it.

Every failure (closed port, refused connection, timeout, 4xx, 5xx, an HTML page, an answer that does not
parse) becomes a `RemoteError` (exit 3) naming the URL. Only reads are retried, with backoff, and only on
failures a retry can cure (refused connection, 502/503/504). Answers are read by pyoxigraph's parsers,
which never fetch a remote JSON-LD context.
"""

from __future__ import annotations

import ast
import socket
import time
import urllib.error
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox
from SPARQLWrapper import JSON, N3, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from tipkg import __version__
from tipkg.engine import ASSERTED_GRAPH, INFERRED_GRAPH, Bindings, QueryDataset, QueryResult, result_of
from tipkg.errors import RemoteError, UsageError
from tipkg.formats import Kind, from_media_type
from tipkg.sparql import QueryForm, Sparql

USER_AGENT = f"tipkg/{__version__}"
DEFAULT_TIMEOUT = 30.0
RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
RDF_ACCEPT = "application/n-triples, text/turtle;q=0.9"
# graphs that interrupted pushes of earlier versions left (they uploaded into temporary graphs first);
# `tipkg push` now writes none and drops these
PUSH_TEMPORARY = "urn:tipkg:push:"

T = TypeVar("T")
RETRYABLE_STATUS = {502, 503, 504}


class Retryable(Exception):
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
            except Retryable as exc:
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


def body_excerpt(body: bytes | str | None, limit: int = 200) -> str:
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")


def http_failure(url: str, exc: BaseException, timeout: float) -> RemoteError | Retryable:
    """Turn any transport or HTTP failure into a RemoteError; wrap it as Retryable when a retry may help."""
    if _is_timeout(exc):
        return RemoteError(f"{url}: no answer within {timeout:g} s")
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code
        try:
            detail = body_excerpt(exc.read())
        except Exception:  # the body may be gone already
            detail = ""
        error = RemoteError(f"{url}: HTTP {status} {exc.reason}" + (f": {detail}" if detail else ""))
        return Retryable(error) if status in RETRYABLE_STATUS else error
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            return Retryable(RemoteError(f"{url}: connection refused; is the server running on that port?"))
        if isinstance(reason, socket.gaierror):
            return RemoteError(f"{url}: unknown host ({reason.strerror})")
        return Retryable(RemoteError(f"{url}: cannot connect ({reason})"))
    if isinstance(exc, ConnectionError):
        return Retryable(RemoteError(f"{url}: connection failed ({exc.__class__.__name__})"))
    return RemoteError(f"{url}: {exc.__class__.__name__}: {exc}")


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


def with_values(query: Sparql, bindings: Bindings) -> str:
    """The query text with a trailing VALUES block binding each parameter to its term.

    Names are checked by building `ox.Variable`s and terms are written by the library, so nothing in a value
    can leave its term. A trailing VALUES is joined after grouping (SPARQL 1.1, 18.2.4.3), so a parameter
    must be a projected variable: the catalogue checks that."""
    if not bindings:
        return query.text
    if query.has_trailing_values:
        raise UsageError("this query has its own trailing VALUES block; it cannot also take parameter values")
    names = sorted(bindings)
    try:
        variables = [str(ox.Variable(name)) for name in names]
    except ValueError:
        raise UsageError(f"not a variable name among {names!r}") from None
    row = " ".join(str(bindings[name]) for name in names)
    return f"{query.text.rstrip()}\nVALUES ({' '.join(variables)}) {{ ({row}) }}\n"


def parse_answer(body: bytes, content_type: str, form: QueryForm, url: str) -> QueryResult:
    """A response body as a QueryResult, read by pyoxigraph; anything else is a RemoteError saying what."""
    media = content_type.split(";")[0].strip().lower()
    if media in ("text/html", "application/xhtml+xml") or body.lstrip()[:15].lower().startswith(
            (b"<!doctype html", b"<html")):
        raise RemoteError(f"{url}: answered an HTML page, not SPARQL results; "
                          "is this the endpoint URL (e.g. .../sparql or .../query)?")
    fmt = from_media_type(media or "application/sparql-results+json", graph=form.returns_graph)
    try:
        if form.returns_graph:
            if fmt is None or fmt.kind not in (Kind.GRAPH, Kind.DATASET):
                raise RemoteError(f"{url}: answered {media or 'no media type'}, not RDF")
            triples = tuple(ox.Triple(q.subject, q.predicate, q.object)
                            for q in ox.parse(body, format=fmt.rdf_format))
            return QueryResult(form, triples=triples)
        if fmt is None or fmt.kind is not Kind.ROWS:
            raise RemoteError(f"{url}: answered {media or 'no media type'}, not SPARQL results")
        return result_of(ox.parse_query_results(body, format=fmt.results_format), form)
    except (SyntaxError, ValueError, OSError) as exc:
        excerpt = body_excerpt(body, 120)
        raise RemoteError(f"{url}: the answer does not parse as {fmt.value if fmt else media} ({exc})"
                          + (f"; it begins: {excerpt}" if excerpt else "; the body is empty")) from None


LIST_GRAPHS = Sparql.parse("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
ASK_NOT_UNION = Sparql.parse(
    "ASK { { SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1 } FILTER NOT EXISTS { ?s ?p ?o } }")


class RemoteStore:
    """Queries over a SPARQL 1.1 Protocol endpoint, through SPARQLWrapper."""

    def __init__(self, endpoint: str, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, notes: Callable[[str], None] | None = None) -> None:
        self.endpoint = check_url(endpoint)
        if timeout <= 0:
            raise UsageError("the timeout must be more than 0 seconds")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.notes = notes or (lambda _message: None)
        self._graphs: tuple[str, ...] | None = None

    @property
    def description(self) -> str:
        return self.endpoint

    def graphs(self) -> tuple[str, ...]:
        """The store's named graphs, asked once (temporary graphs that an interrupted push left, left out)."""
        if self._graphs is None:
            result = self.send(LIST_GRAPHS, None, None)
            self._graphs = tuple(sorted(str(row[0].value) for row in result.rows
                                        if isinstance(row[0], ox.NamedNode)
                                        and not row[0].value.startswith(PUSH_TEMPORARY)))
        return self._graphs

    def laid_out(self) -> bool:
        """Whether the store holds the layout `tipkg push` writes (the graph id:graph/asserted)."""
        return ASSERTED_GRAPH in self.graphs()

    def has_entailments(self) -> bool:
        return INFERRED_GRAPH in self.graphs()

    def dataset(self, inferred: bool) -> QueryDataset | None:
        """The dataset a query is sent with; None for a store without tipkg's layout (its own default)."""
        if not self.laid_out():
            return None
        if inferred and not self.has_entailments():
            raise RemoteError(f"{self.endpoint} holds no entailments (graph <{INFERRED_GRAPH}>); "
                              "`tipkg push` uploads them unless told not to")
        return QueryDataset.of(self.graphs(), inferred)

    def query(self, query: Sparql, bindings: Bindings | None = None, inferred: bool = False) -> QueryResult:
        dataset = None if query.has_dataset else self.dataset(inferred)
        own_default = dataset is None and not query.has_dataset  # the store's own default dataset
        if own_default:
            if inferred:
                raise RemoteError(f"{self.endpoint} was not filled by `tipkg push` (no graph "
                                  f"<{ASSERTED_GRAPH}>), so it holds no entailments to ask about")
            self.notes(f"{self.endpoint} was not filled by `tipkg push` (no graph <{ASSERTED_GRAPH}>): "
                       "asking its own default graph")
        result = self.send(query, bindings, dataset)
        # only then can an empty answer be the default graph's doing; a FROM names its own graphs
        if own_default and not len(result) and self.default_graph_hides_named_graphs():
            raise RemoteError(f"{self.endpoint} answered nothing, and its default graph does not show the "
                              "statements of its named graphs (where tipkg keeps each sentence's "
                              "statements); "
                              "fill it with `tipkg push`, which writes the merged graph the queries use")
        return result

    def default_graph_hides_named_graphs(self) -> bool:
        return bool(self.send(ASK_NOT_UNION, None, None).boolean)

    def send(self, query: Sparql, bindings: Bindings | None, dataset: QueryDataset | None) -> QueryResult:
        text = with_values(query, dict(bindings or {}))
        body, content_type = self.retry.run(lambda: self._post(text, query.form, dataset))
        return parse_answer(body, content_type, query.form, self.endpoint)

    def _post(self, text: str, form: QueryForm, dataset: QueryDataset | None) -> tuple[bytes, str]:
        client = SPARQLWrapper(self.endpoint, agent=USER_AGENT)
        client.setQuery(text)
        # SPARQLWrapper guesses the form with a regular expression that comments can fool ("described" in a
        # header reads as DESCRIBE); the form is known from the parse, and the Accept header follows from it.
        client.queryType = form.value
        client.setReturnFormat(N3 if form.returns_graph else JSON)
        client.addCustomHttpHeader("Accept", RDF_ACCEPT if form.returns_graph else RESULTS_ACCEPT)
        # not setTimeout(): it truncates to whole seconds (0.5 s would be none); SPARQLWrapper annotates the
        # attribute as int, but only hands it to urllib's urlopen, which takes a float
        client.timeout = self.timeout  # type: ignore[assignment]
        for graph in dataset.default_graphs if dataset else ():
            client.addDefaultGraph(graph)
        for graph in dataset.named_graphs if dataset else ():
            client.addNamedGraph(graph)
        client.setMethod("POST")  # a dataset of fifty graph IRIs does not fit every server's URL limit
        try:
            response = client.query().response
            return response.read(), response.headers.get("Content-Type", "") or ""
        except SPARQLWrapperException as exc:
            raise self._wrapper_error(exc) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise http_failure(self.endpoint, exc, self.timeout) from None

    def _wrapper_error(self, exc: SPARQLWrapperException) -> RemoteError:
        # SPARQLWrapper turns 400/401/403/404/414/500 into its own exceptions; none of them is worth a retry
        names = {"QueryBadFormed": "HTTP 400: the endpoint rejected the query",
                 "Unauthorized": "HTTP 401: the endpoint wants credentials",
                 "EndPointNotFound": "HTTP 404: no SPARQL endpoint at this URL",
                 "URITooLong": "HTTP 414: the query is too long for a GET request",
                 "EndPointInternalError": "HTTP 500: the endpoint failed (internal server error)"}
        headline = names.get(type(exc).__name__, f"HTTP error: {type(exc).__name__}")
        detail = body_excerpt(_wrapped_body(exc))
        return RemoteError(f"{self.endpoint}: {headline}" + (f" ({detail})" if detail else ""))
