"""Portable remote queries: `tipkg push` the bundled project (its defaults: the store layout with the
entailments) into a stock `oxigraph serve` (no flags) and into one with `--union-default-graph`; every canned
query, the inferred ones included, with and without its example parameters, then gives over `--endpoint`
exactly the rows it gives locally (SPARQL CSV, byte for byte; graphs by isomorphism). A store without that
layout says why it answers nothing; bad endpoints fail with exit 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from query_support import Guard, Misbehaving, Oxigraph, free_port, running_oxigraph
from rdflib import Graph
from rdflib.compare import isomorphic

from tipkg.cli import main
from tipkg.engine import ASSERTED_GRAPH, INFERRED_GRAPH, ProjectStore
from tipkg.errors import RemoteError
from tipkg.formats import Format
from tipkg.queries import CannedQuery, load_catalogue
from tipkg.remote import RemoteStore, RetryPolicy, with_values
from tipkg.results import serialize
from tipkg.sparql import QueryForm, Sparql, with_prefixes
from tipkg.vocab import PREFIXES

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "queries")
INFERRED = [q for q in CATALOGUE.queries if q.inferred]
SERVERS = ["stock", "union"]


def cli(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout_bytes, result.stderr


def push(server: Oxigraph, *extra: str) -> str:
    code, out, err = cli("push", "--store", server.store, "--replace", "--project", str(REPO), *extra)
    assert code == 0, err
    return out.decode()


@pytest.fixture(scope="module")
def pushed(stock_oxigraph: Oxigraph, oxigraph: Oxigraph) -> dict[str, Oxigraph]:
    """Both servers, filled once by `tipkg push` with its defaults."""
    for server in (stock_oxigraph, oxigraph):
        code, out, err = cli("push", "--store", server.store, "--project", str(REPO))
        assert code == 0, err
        assert out.startswith(b"pushed ") and b"the server holds" in out
    return {"stock": stock_oxigraph, "union": oxigraph}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """A third stock server for the tests that fill a store some other way."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-scratch")) as server:
        yield server


def params_of(query: CannedQuery) -> list[str]:
    return [f"{name}={value}" for name, value in sorted(query.example.items())]


def remote_output(server: Oxigraph, query: CannedQuery, fmt: str, params: list[str]) -> bytes:
    args = ["query", "run", query.name, "--project", str(REPO), "--endpoint", server.query, "--format", fmt]
    for param in params:
        args += ["--param", param]
    code, out, err = cli(*args)
    assert code in (0, 1), err  # 1: a violation rule with rows, compared below like any result
    assert "Traceback" not in err and "not filled by" not in err  # the layout is found: no fallback note
    return out


def local_output(store: ProjectStore, query: CannedQuery, fmt: Format, params: list[str]) -> bytes:
    result = store.query(query.sparql, query.bindings(params), inferred=query.inferred)
    return serialize(result, fmt)


def as_graph(ntriples: bytes) -> Graph:
    return Graph().parse(data=ntriples.decode("utf-8"), format="nt")


@pytest.mark.parametrize("which", SERVERS)
@pytest.mark.parametrize("query", CATALOGUE.queries, ids=lambda q: q.name)
def test_remote_rows_equal_local_rows(pushed: dict[str, Oxigraph], bundled_store: ProjectStore,
                                      query: CannedQuery, which: str) -> None:
    server = pushed[which]
    for params in ([], params_of(query)) if query.parameters else ([],):
        if query.sparql.form.returns_graph:
            remote = as_graph(remote_output(server, query, "ntriples", params))
            here = as_graph(local_output(bundled_store, query, Format.NTRIPLES, params))
            assert len(here) and isomorphic(remote, here), (query.name, params)
        else:
            remote_csv = remote_output(server, query, "csv", params)
            assert remote_csv == local_output(bundled_store, query, Format.CSV, params), (query.name, params)
            if not query.is_violation and query.sparql.form is QueryForm.SELECT:
                assert remote_csv.count(b"\r\n") > 1, f"{query.name}: compare rows, not two empty answers"


@pytest.mark.parametrize("which", SERVERS)
def test_tables_and_checks_are_the_same_remotely(pushed: dict[str, Oxigraph], bundled_store: ProjectStore,
                                                 which: str) -> None:
    server = pushed[which]
    query = CATALOGUE.get("hotlines")
    assert remote_output(server, query, "table", []) == local_output(bundled_store, query, Format.TABLE, [])
    code, out, err = cli("query", "check", "--project", str(REPO), "--endpoint", server.query)
    total = len([q for q in CATALOGUE.queries if q.is_violation or q.expected_path.is_file()])
    assert code == 0, out
    assert out.decode().splitlines()[-1] == f"{total} of {total} query checks passed"  # nothing skipped


@pytest.mark.parametrize("which", SERVERS)
def test_ad_hoc_sparql_remotely(pushed: dict[str, Oxigraph], which: str) -> None:
    endpoint = pushed[which].query
    code, out, _ = cli("sparql", "SELECT ?n WHERE { id:uscis skos:altLabel ?n }", "--endpoint", endpoint,
                       "--format", "csv")
    assert code == 0 and out.decode().splitlines() == ["n", "USCIS"]
    code, out, _ = cli("sparql", "ASK { id:uscis tip:awards id:t-visa }", "--endpoint", endpoint)
    assert code == 0 and out == b"yes\n"
    code, out, _ = cli("sparql", "DESCRIBE id:t-visa", "--endpoint", endpoint, "--format", "ntriples")
    assert code == 0 and b"<https://w3id.org/tipkg/id/t-visa>" in out
    # a graph helper of the layout is not a named graph of the dataset: GRAPH ?g sees the data's graphs only
    code, out, _ = cli("sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "--endpoint", endpoint,
                       "--format", "csv")
    assert code == 0 and ASSERTED_GRAPH.encode() not in out and INFERRED_GRAPH.encode() not in out
    code, out, _ = cli("sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "--endpoint", endpoint,
                       "--format", "csv", "--inferred")
    assert code == 0 and INFERRED_GRAPH.encode() in out


FROM_QUERIES = [
    "SELECT ?s ?p ?o FROM <urn:no-such-graph> WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <urn:no-such-graph> WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?s ?p ?o FROM <https://w3id.org/tipkg/id/graph/dhs-0> WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT ?g ?s ?o FROM NAMED <https://w3id.org/tipkg/id/graph/dhs-0> FROM NAMED <urn:no-such-graph> "
    "WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g ?s ?o",
    "SELECT ?s ?o FROM <https://w3id.org/tipkg/id/graph/inferred> WHERE { ?s org:hasSubOrganization ?o } "
    "ORDER BY ?s ?o",
]


@pytest.mark.parametrize("text", FROM_QUERIES)
def test_a_query_with_its_own_dataset_gives_the_local_rows_on_a_stock_store(
        pushed: dict[str, Oxigraph], bundled_store: ProjectStore, text: str) -> None:
    """FROM names graphs of the store, on the store as locally; an empty answer is not blamed on the default
    graph (it is not asked). Only the stock server: `oxigraph serve --union-default-graph` (0.5) ignores a
    query's own FROM and answers from the union (see the report of issue 9)."""
    code, out, err = cli("sparql", text, "--project", str(REPO), "--endpoint", pushed["stock"].query,
                         "--format", "csv")
    assert code == 0, err
    local = bundled_store.query(Sparql.parse(with_prefixes(text, PREFIXES)))
    assert out == serialize(local, Format.CSV)
    assert len(local) or "no-such-graph" in text


def test_the_issue_9_values_attack_cannot_change_what_a_stock_oxigraph_is_asked(
        pushed: dict[str, Oxigraph], bundled_store: ProjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--param 'object="x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#>'` once rewrote the VALUES block (180
    rows instead of 0). Now it is refused before anything is sent; and the same characters as a literal's
    text are sent as one term in one VALUES row, and match nothing."""
    server = pushed["stock"]
    query = CATALOGUE.get("statement-sentence")
    attack = '"x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#>'
    with Guard() as guard:
        code, out, err = cli("query", "run", query.name, "--project", str(REPO), "--endpoint", server.query,
                             "--param", f"object={attack}")
    assert code == 2 and out == b""
    assert err.startswith("error: not a valid IRI: '<http://a><http://b>)(UNDEF<...>UNDEF)}#>'")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert guard.network == []  # refused before any request

    sent: list[str] = []
    post = RemoteStore._post

    def recording(self: RemoteStore, text: str, form: QueryForm, dataset: object) -> tuple[bytes, str]:
        sent.append(text)
        return post(self, text, form, dataset)  # type: ignore[arg-type]

    monkeypatch.setattr(RemoteStore, "_post", recording)
    term = ox.Literal(attack)
    result = RemoteStore(server.query).query(query.sparql, {"object": term})
    assert result.rows == ()
    assert bundled_store.query(query.sparql, {"object": term}).rows == ()
    text = sent[-1]
    assert text == with_values(query.sparql, {"object": term})
    parsed = Sparql.parse(text)
    assert parsed.has_trailing_values and parsed.projected == query.sparql.projected
    assert text.startswith(query.text.rstrip()) and text.count("VALUES") == query.text.count("VALUES") + 1
    assert text.endswith(f"\nVALUES (?object) {{ ({term}) }}\n")
    # the control: the genuine value finds rows there and here alike
    genuine = query.example_bindings()
    assert RemoteStore(server.query).query(query.sparql, genuine).rows == bundled_store.query(
        query.sparql, genuine).rows != ()


HOSTILE_VALUES = ['x" } UNION { ?org skos:prefLabel ?label } #', 'a"@en } } SELECT * { ?s ?p ?o } #',
                  'back\\slash } \n """ newline', 'x\\u0022 } UNION { ?s ?p ?o } #', "nul\x00 } #"]


@pytest.mark.parametrize("which", SERVERS)
def test_hostile_parameter_values_on_the_server(pushed: dict[str, Oxigraph], which: str) -> None:
    store = RemoteStore(pushed[which].query, timeout=10)
    query = Sparql.parse("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                         "SELECT ?org ?label WHERE {\n  { ?org skos:prefLabel ?label . }\n}\nORDER BY ?org\n")
    for value in HOSTILE_VALUES:
        assert store.query(query, {"label": ox.Literal(value)}).rows == ()
    found = store.query(query, {"label": ox.Literal("Citizenship and Immigration Services", language="en")})
    assert [row[0] for row in found.rows] == [ox.NamedNode("https://w3id.org/tipkg/id/uscis")]


@pytest.mark.parametrize("which", SERVERS)
def test_query_form_results_match_for_ask(pushed: dict[str, Oxigraph], bundled_store: ProjectStore,
                                          which: str) -> None:
    query = Sparql.parse("PREFIX tip: <https://w3id.org/tipkg/ontology#>\nASK { ?x tip:awards ?y }")
    remote = RemoteStore(pushed[which].query).query(query)
    assert remote.form is QueryForm.ASK and remote.boolean is True
    assert bundled_store.query(query).boolean is True


# --- stores not filled by a default push --------------------------------------------------------------------


def hand_loaded_trig(store: ProjectStore) -> bytes:
    """The data's graphs and the default graph, as someone would upload a TriG file by hand."""
    quads = [q for q in store.remote_layout()
             if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in (ASSERTED_GRAPH,
                                                                                       INFERRED_GRAPH))]
    return ox.serialize(quads, format=ox.RdfFormat.TRIG) or b""


def test_a_hand_loaded_store_that_hides_its_named_graphs_is_exit_3(scratch: Oxigraph,
                                                                   bundled_store: ProjectStore) -> None:
    scratch.clear()
    scratch.upload(hand_loaded_trig(bundled_store))
    code, out, err = cli("query", "run", "hotlines", "--project", str(REPO), "--endpoint", scratch.query)
    assert code == 3 and out == b""
    assert "was not filled by `tipkg push`" in err  # the note comes first, then the error
    error = err.splitlines()[-1]
    assert error.startswith(f"error: {scratch.query} answered nothing, and its default graph does not show "
                            "the statements of its named graphs")
    assert "tipkg push" in error and "Traceback" not in err
    # a query that finds rows in the default graph itself is answered
    code, out, err = cli("sparql", "SELECT ?g WHERE { ?g prov:wasDerivedFrom ?q } LIMIT 1", "--project",
                         str(REPO), "--endpoint", scratch.query, "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 2
    # and a question about entailments cannot be answered there at all
    code, _, err = cli("query", "run", INFERRED[0].name, "--project", str(REPO), "--endpoint", scratch.query)
    assert code == 3 and "holds no entailments" in err


def test_push_no_inferred_then_an_inferred_question_is_exit_3(scratch: Oxigraph,
                                                              bundled_store: ProjectStore) -> None:
    scratch.clear()
    push(scratch, "--no-inferred")
    for query in INFERRED:
        code, out, err = cli("query", "run", query.name, "--project", str(REPO), "--endpoint", scratch.query)
        assert code == 3 and out == b"", query.name
        assert err.splitlines()[-1] == (
            f"error: {scratch.query} holds no entailments (graph <{INFERRED_GRAPH}>); "
            "`tipkg push` uploads them unless told not to")
    code, out, err = cli("sparql", "ASK { ?s ?p ?o }", "--inferred", "--endpoint", scratch.query)
    assert code == 3 and "holds no entailments" in err
    # the asserted questions are answered as locally; `query check` skips and lists the others
    hotlines = CATALOGUE.get("hotlines")
    here = local_output(bundled_store, hotlines, Format.CSV, [])
    assert remote_output(scratch, hotlines, "csv", []) == here
    code, out, err = cli("query", "check", "--project", str(REPO), "--endpoint", scratch.query)
    text = out.decode()
    total = len([q for q in CATALOGUE.queries if q.is_violation or q.expected_path.is_file()])
    skipped = len(INFERRED)
    assert code == 0, text
    assert text.splitlines()[-1] == (f"{total - skipped} of {total - skipped} query checks passed, "
                                     f"{skipped} skipped")
    assert all(f"skip  {q.name}" in text for q in INFERRED)
    assert "holds no entailments" in err


# --- bad endpoints ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, message", [
    ("/500", "HTTP 500"),
    ("/html", "HTML page, not SPARQL results"),
    ("/html-as-json", "HTML page, not SPARQL results"),  # a web page even when it claims to be JSON
    ("/garbage", "the answer does not parse as json"),
    ("/missing", "HTTP 404"),
])
def test_bad_endpoints_fail_with_exit_3(bad_endpoint: str, path: str, message: str) -> None:
    code, out, err = cli("query", "run", "hotlines", "--project", str(REPO),
                         "--endpoint", bad_endpoint + path)
    assert code == 3, err
    assert message in err and bad_endpoint + path in err
    assert out == b"" and "Traceback" not in err


def test_a_slow_endpoint_fails_after_the_timeout(bad_endpoint: str) -> None:
    code, _, err = cli("sparql", "ASK {}", "--endpoint", bad_endpoint + "/slow", "--timeout", "0.3")
    assert code == 3 and "no answer within 0.3 s" in err


def test_a_closed_port_fails_with_exit_3() -> None:
    port = free_port()  # nothing listens there
    code, _, err = cli("sparql", "ASK {}", "--endpoint", f"http://127.0.0.1:{port}/query")
    assert code == 3 and "connection refused" in err


def test_reads_are_retried_with_backoff_only_when_a_retry_can_help(bad_endpoint: str) -> None:
    slept: list[float] = []
    store = RemoteStore(bad_endpoint + "/503", retry=RetryPolicy(attempts=3, backoff=0.5, sleep=slept.append))
    result = store.query(Sparql.parse("SELECT ?x WHERE { ?x ?p ?o }"))
    assert [row[0] for row in result.rows] == [ox.Literal("ok")] and slept == [0.5, 1.0]

    before = Misbehaving.attempts.get("/500", 0)
    with pytest.raises(RemoteError, match="HTTP 500"):
        failing = RemoteStore(bad_endpoint + "/500", retry=RetryPolicy(sleep=slept.append))
        failing.query(Sparql.parse("ASK {}"))
    assert Misbehaving.attempts["/500"] == before + 1  # a server error is not retried

    closed = RemoteStore(f"http://127.0.0.1:{free_port()}/query",
                         retry=RetryPolicy(attempts=2, sleep=slept.append))
    with pytest.raises(RemoteError, match="connection refused"):
        closed.query(Sparql.parse("ASK {}"))
    assert slept[-1] == 0.5


def test_bad_endpoint_urls_are_usage_errors() -> None:
    code, _, err = cli("sparql", "ASK {}", "--endpoint", "ftp://example.org/sparql")
    assert code == 2 and "must be http:// or https://" in err
    code, _, err = cli("sparql", "ASK {}", "--endpoint", "http://127.0.0.1:1/q", "--timeout", "0")
    assert code == 2 and "the timeout must be more than 0 seconds" in err
