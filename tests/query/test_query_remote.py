"""The same queries on a real SPARQL 1.1 server: `tipkg push` the bundled graph into Oxigraph, run every
canned query there with --endpoint, and get what the local graph gives; bad endpoints fail with exit 3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from query_support import Misbehaving, Oxigraph, free_port, running_oxigraph
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from tipkg.cli import main
from tipkg.errors import RemoteError
from tipkg.load import LoadedProject
from tipkg.queries import CannedQuery, load_catalogue
from tipkg.results import OutputFormat, QueryForm, render
from tipkg.stores import LocalStore, RemoteStore, RetryPolicy, Sparql, local_store

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "queries")
ASSERTED = [q for q in CATALOGUE.queries if not q.inferred]
INFERRED = [q for q in CATALOGUE.queries if q.inferred]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-parity")) as running:
        yield running


@pytest.fixture(scope="module")
def local(loaded: LoadedProject) -> dict[bool, LocalStore]:
    return {False: local_store(loaded), True: local_store(loaded, inferred=True)}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def push(server: Oxigraph, *extra: str) -> str:
    code, out, err = cli("push", "--store", server.store, "--replace", "--project", str(REPO), *extra)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tipkg build` of the bundled project: what users push is the published TriG."""
    out = tmp_path_factory.mktemp("dist")
    code, _, err = cli("build", "--project", str(REPO), "--out", str(out))
    assert code == 0, err
    return out / "tipkg.trig"


@pytest.fixture(scope="module")
def asserted_server(server: Oxigraph, build: Path) -> Oxigraph:
    code, out, err = cli("push", "--store", server.store, "--replace", "--from", str(build))
    assert code == 0, err
    assert out.startswith("pushed ") and "the server holds" in out
    return server


def local_text(local: dict[bool, LocalStore], query: CannedQuery, fmt: OutputFormat, bindings=None) -> str:
    text = render(local[query.inferred].query(query.sparql, bindings or {}), fmt)
    return text.replace("\r\n", "\n")  # click's test runner reads CRLF (the CSV line end) as LF


def remote_text(server: Oxigraph, query: CannedQuery, fmt: OutputFormat, params=()) -> str:
    args = ["query", "run", query.name, "--project", str(REPO), "--endpoint", server.query,
            "--format", fmt.value]
    for name, value in params:
        args += ["--param", f"{name}={value}"]
    code, out, err = cli(*args)
    assert code in (0, 1), err  # 1: a violation rule with rows, compared below like any result
    return out


def compare(server: Oxigraph, local: dict[bool, LocalStore], query: CannedQuery) -> None:
    if query.sparql.form.returns_graph:
        remote = Graph().parse(data=remote_text(server, query, OutputFormat.NTRIPLES), format="nt")
        here = local[query.inferred].query(query.sparql).graph
        assert here is not None and isomorphic(remote, here)
        return
    assert remote_text(server, query, OutputFormat.CSV) == local_text(local, query, OutputFormat.CSV)
    if query.parameters:  # with the example values: a VALUES block there, initBindings here
        params = sorted(query.example.items())
        assert remote_text(server, query, OutputFormat.CSV, params) == local_text(
            local, query, OutputFormat.CSV, query.example_bindings())


@pytest.mark.parametrize("query", ASSERTED, ids=lambda q: q.name)
def test_remote_rows_equal_local_rows(asserted_server: Oxigraph, local: dict[bool, LocalStore],
                                      query: CannedQuery) -> None:
    compare(asserted_server, local, query)


def test_inferred_queries_need_the_entailments_on_the_server(asserted_server: Oxigraph) -> None:
    code, _, err = cli("query", "run", INFERRED[0].name, "--project", str(REPO), "--endpoint",
                       asserted_server.query)
    assert code == 3
    assert "holds no entailments" in err and "tipkg push --inferred" in err


def test_inferred_queries_after_pushing_the_entailments(server: Oxigraph,
                                                        local: dict[bool, LocalStore]) -> None:
    push(server, "--inferred")
    try:
        for query in INFERRED:
            compare(server, local, query)
    finally:
        push(server)  # back to the asserted graph for the other tests


def test_check_remotely_skips_what_the_server_cannot_answer(asserted_server: Oxigraph) -> None:
    server = asserted_server
    """On the asserted graph the questions about entailments are skipped; on the graph plus entailments,
    the others are: every check that runs passes, every skipped one is listed."""
    code, out, err = cli("query", "check", "--project", str(REPO), "--endpoint", server.query)
    assert code == 0, out
    assert f"{len(ASSERTED)} of {len(ASSERTED)} query checks passed, {len(INFERRED)} skipped" in out
    assert "holds no entailments" in err
    push(server, "--inferred")
    try:
        code, out, err = cli("query", "check", "--project", str(REPO), "--endpoint", server.query)
        assert code == 0, out
        assert f"{len(INFERRED)} of {len(INFERRED)} query checks passed, {len(ASSERTED)} skipped" in out
        assert "also holds entailments" in err
        code, _, err = cli("query", "run", "hotlines", "--project", str(REPO), "--endpoint", server.query)
        assert code == 0 and "note: " in err and "rows may include inferred statements" in err
    finally:
        push(server)


def test_tables_are_the_same_remotely(asserted_server: Oxigraph, local: dict[bool, LocalStore]) -> None:
    query = CATALOGUE.get("hotlines")
    remote = remote_text(asserted_server, query, OutputFormat.TABLE)
    assert remote == local_text(local, query, OutputFormat.TABLE)


def test_ad_hoc_sparql_remotely(asserted_server: Oxigraph) -> None:
    code, out, _ = cli("sparql", "SELECT ?n WHERE { id:uscis skos:altLabel ?n }", "--endpoint",
                       asserted_server.query, "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "USCIS"]
    code, out, _ = cli("sparql", "ASK { id:uscis tip:awards id:t-visa }", "--endpoint", asserted_server.query)
    assert code == 0 and out == "yes\n"
    code, out, _ = cli("sparql", "DESCRIBE id:t-visa", "--endpoint", asserted_server.query, "--format",
                       "ntriples")
    assert code == 0 and "<https://w3id.org/tipkg/id/t-visa>" in out


def test_hostile_parameter_values_on_the_server(asserted_server: Oxigraph) -> None:
    store = RemoteStore(asserted_server.query, timeout=10)
    query = Sparql.parse("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                         "SELECT ?org ?label WHERE {\n  { ?org skos:prefLabel ?label . }\n}\nORDER BY ?org\n")
    for value in ['x" } UNION { ?org skos:prefLabel ?label } #', 'a"@en } } SELECT * { ?s ?p ?o } #',
                  'back\\slash } \n """ newline']:
        assert store.query(query, {"label": Literal(value)}).rows == []
    found = store.query(query, {"label": Literal("Citizenship and Immigration Services", lang="en")})
    assert [str(row[0]) for row in found.rows] == ["https://w3id.org/tipkg/id/uscis"]


# --- bad endpoints ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, message", [
    ("/500", "HTTP 500"),
    ("/html", "HTML page, not SPARQL results"),
    ("/html-as-json", "HTML page, not SPARQL results"),  # a web page even when it claims to be JSON
    ("/garbage", "not SPARQL JSON results"),
    ("/missing", "HTTP 404"),
])
def test_bad_endpoints_fail_with_exit_3(bad_endpoint: str, path: str, message: str) -> None:
    code, out, err = cli("query", "run", "hotlines", "--project", str(REPO),
                         "--endpoint", bad_endpoint + path)
    assert code == 3, err
    assert message in err and bad_endpoint + path in err
    assert out == "" and "Traceback" not in err


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
    assert [str(row[0]) for row in result.rows] == ["ok"] and slept == [0.5, 1.0]

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
    assert code == 2 and "--timeout" in err


def test_query_form_results_match_for_ask(asserted_server: Oxigraph, local: dict[bool, LocalStore]) -> None:
    query = Sparql.parse("PREFIX tip: <https://w3id.org/tipkg/ontology#>\nASK { ?x tip:awards ?y }")
    remote = RemoteStore(asserted_server.query).query(query)
    assert remote.form is QueryForm.ASK and remote.boolean is True == local[False].query(query).boolean
