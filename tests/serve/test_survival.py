"""Issue 9: no request kills a query worker. Hostile parameter values and queries, each answered with the
status that says what is wrong, and then the SAME worker process answers the next query.

The server runs in this process (`serve_in_process`, the bundled project, one query worker), so that the
test can read the engine's worker process ids (`QueryEngine.worker_pids`): with one worker, an unchanged id
after a fresh (uncached) query means that worker survived the attack and answered the next request.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator

import pytest
from tests.serve.conftest import InProcessServer, serve_in_process

from tipkg.server import ServerSettings

STATEMENT = "/queries/statement-sentence"
FRESH = itertools.count()


@pytest.fixture(scope="module")
def served(loaded) -> Iterator[InProcessServer]:
    # A small address space, so that the memory bomb below fails its allocation in seconds.
    settings = ServerSettings(workers=1, timeout=30.0, worker_memory=512 * 1024**2)
    with serve_in_process(loaded, settings) as server:
        yield server


def answered_by_the_same_worker(served: InProcessServer, before: tuple[int, ...]) -> None:
    """A query no cache holds is answered, and the pool is still the one worker it was."""
    query = f"ASK {{ ?s ?p ?o }} # fresh {next(FRESH)}"
    with served.client() as http:
        response = http.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True
    assert served.engine.worker_pids == before, "the worker died and was replaced"
    os.kill(before[0], 0)  # the process is alive


def attack(served: InProcessServer, method: str, path: str, **kwargs):
    before = served.engine.worker_pids
    assert len(before) == 1
    with served.client() as http:
        response = http.request(method, path, **kwargs)
    answered_by_the_same_worker(served, before)
    return response


# ------------------------------------------------------------------------------ the three attacks of issue 9


def test_a_valid_statement_is_answered(served):
    response = attack(served, "GET", STATEMENT, params={
        "subject": "id:uscis", "predicate": "tip:awards", "object": "id:t-visa", "format": "json"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"]


@pytest.mark.parametrize(("value", "message"), [
    ("<http://a%zz>", "Invalid IRI percent encoding '%zz'"),
    ("<http://[x>", "Invalid character '[' in host"),
    ('"x"@' + "a" * 300, "not a BCP 47 language tag"),
])
def test_issue_9_parameters_are_400_and_the_worker_lives(served, value, message):
    response = attack(served, "GET", STATEMENT, params={"object": value})
    assert response.status_code == 400
    assert response.text.startswith("400 Bad parameter: parameter object: ")
    assert message in response.text
    assert "memory" not in response.text  # no guess


# ------------------------------------------------------------------------------ more hostile parameter values


@pytest.mark.parametrize(("name", "value", "message"), [
    ("object", '"x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#>', "not a valid IRI"),
    ("object", '"x"@en--', "A subtag should not be empty"),
    ("object", '"x"@abcdefghi', "eight characters"),
    ("subject", "<http://a b>", "Invalid IRI code point ' '"),
    ("subject", "<http://a>}<http://b>", "not a valid IRI"),
    ("object", '"unterminated', "malformed literal"),
    ("object", '"x\\q"', "unknown escape \\q"),
    ("object", '"x"^^<not an iri>', "malformed literal"),
    ("object", '"x"^^rdf:langString', "language-tagged string"),
    ("object", '"\\ud800"', "lone surrogate"),
    ("object", "x" * 5000, "5,000 characters"),
])
def test_malformed_parameter_values_are_400(served, name, value, message):
    response = attack(served, "GET", STATEMENT, params={name: value})
    assert response.status_code == 400, response.text
    assert response.text.startswith(f"400 Bad parameter: parameter {name}: ")
    assert message in response.text


def test_two_values_for_one_parameter_are_400(served):
    response = attack(served, "GET", STATEMENT, params=[("object", "id:a"), ("object", "id:b")])
    assert response.status_code == 400
    assert "2 different values" in response.text


@pytest.mark.parametrize(("name", "value"), [
    ("subject", "<javascript:alert(1)>"),  # a valid IRI: it matches nothing
    ("object", "a\x00b"),  # a NUL in a plain string
    ("object", '"a\\u0000b"@en'),
    ("predicate", '"x"@en'),  # a literal where the query has a predicate
    ("object", "%ff%fe"),  # percent escapes that are not UTF-8 (the URL decoder replaces them)
    ("object", '"} UNION { ?subject ?predicate ?object } #"'),  # "injection": only ever a string
])
def test_odd_but_valid_values_are_terms_that_match_nothing(served, name, value):
    response = attack(served, "GET", STATEMENT, params={name: value, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []


def test_invalid_utf8_in_a_parameter_is_not_fatal(served):
    response = attack(served, "GET", STATEMENT + "?object=%22%ff%22&format=json")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []


# ------------------------------------------------------------------------------ hostile queries


def sparql_get(served, query: str):
    return attack(served, "GET", "/sparql", params={"query": query})


@pytest.mark.parametrize(("query", "status", "message"), [
    ("ASK {" + "(" * 10_000 + "1" + ")" * 10_000 + "}", 400, "10,001 deep"),
    ("ASK " + "{" * 10_000 + "}" * 10_000, 400, "10,000 deep"),
    ("ASK { FILTER(" + "!" * 20_000 + "true) }", 400, "operators, separators and group elements"),
    ("ASK { " + " UNION ".join(["{}"] * 5_000) + " }", 400, "operators, separators and group elements"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
    ("SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", 403, "LOAD"),
    ("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", 403, "INSERT"),
    ("SELECT * WHERE { ?s ?p ?o \x00 }", 400, "SPARQL syntax error"),
    ("SELECT * WHERE { ?s ?p ", 400, "(line 1, column 24)"),
    ("SELECT (<urn:x:f>(1) AS ?x) {}", 400, "not supported"),
    ("#" * 300_000, 413, "300,000 characters"),
])
def test_hostile_queries_get_their_status_and_the_worker_lives(served, query, status, message):
    if len(query) > 8_000:  # too long for a URL: POST it, as a client would
        before = served.engine.worker_pids
        with served.client() as http:
            response = http.post("/sparql", content=query.encode(),
                                 headers={"Content-Type": "application/sparql-query"})
        answered_by_the_same_worker(served, before)
    else:
        response = sparql_get(served, query)
    assert response.status_code == status, response.text
    assert message in response.text


def test_datatype_injection_in_a_query_is_just_a_syntax_error(served):
    query = 'SELECT * WHERE { ?s ?p "x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#> }'
    response = sparql_get(served, query)
    assert response.status_code == 400
    assert response.text.startswith("400 Malformed query: SPARQL syntax error")


def test_update_through_the_form_is_refused(served):
    for data in ({"update": "DROP ALL"}, {"query": "ASK {}", "update": "CLEAR DEFAULT"}):
        response = attack(served, "POST", "/sparql", data=data)
        assert response.status_code == 403
        assert "read-only" in response.text


def test_invalid_utf8_bodies_are_400(served):
    direct = attack(served, "POST", "/sparql", content=b"ASK { ?s ?p \"\xff\xfe\" }",
                    headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 400 and "not UTF-8" in direct.text
    form = attack(served, "POST", "/sparql", content=b"query=ASK%20%7B%7D%20%23%ff",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400 and "not UTF-8" in form.text


def test_from_a_local_file_reads_nothing(served, tmp_path):
    secret = tmp_path / "secret.nt"
    secret.write_text("<urn:x:secret> <urn:x:is> <urn:x:here> .\n", encoding="utf-8")
    response = sparql_get(served, f"SELECT * FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []  # a FROM names a graph of the store, never a file


def test_from_named_an_url_opens_no_connection(served):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
        response = sparql_get(served, f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
        assert response.status_code == 200
        assert response.json()["results"]["bindings"] == []
        with pytest.raises(TimeoutError):
            listener.accept()


def test_nested_triple_terms_are_refused_before_any_worker(served):
    """10,000 nested quoted triples overflow an 8 MB stack (pyoxigraph 0.5: SIGSEGV). The screen counts
    `<< >>` as nesting, so the parent refuses the query with 400 and no worker ever sees it (the worker's
    large thread stack stays a second line)."""
    query = "ASK { " + "<<" * 10_000 + "?a ?b ?c" + ">>" * 10_000 + " ?p ?o }"
    before = served.engine.worker_pids
    with served.client() as http:
        response = http.post("/sparql", content=query.encode(),
                             headers={"Content-Type": "application/sparql-query"})
    answered_by_the_same_worker(served, before)
    assert response.status_code == 400
    assert "nests parentheses, braces or brackets 10,001 deep" in response.text


# ------------------------------------------------------------------------------ what a worker cannot survive


def test_a_worker_that_runs_out_of_memory_is_reported_as_dead_and_replaced(served):
    """Oxigraph aborts the process when an allocation fails (a string doubled 40 times wants 1 TB, and
    the worker may have 512 MiB here); no screen can see that coming. The answer says what happened, and a
    fresh worker answers the next query."""
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(40))
    query = f'SELECT (STRLEN(?v40) AS ?n) WHERE {{ BIND("{"x" * 1000}" AS ?v0) {binds} }}'
    before = served.engine.worker_pids
    with served.client() as http:
        response = http.get("/sparql", params={"query": query})
        assert response.status_code == 503
        assert response.text.startswith(f"503 Query worker died: the query worker process (pid {before[0]}) "
                                         "was killed by SIGABRT (memory allocation of ")
        assert response.text.rstrip().endswith("a fresh worker took its place")
        after = served.engine.worker_pids
        assert len(after) == 1 and after != before
        fresh = http.get("/sparql", params={"query": f"ASK {{ ?s ?p ?o }} # {next(FRESH)}"})
    assert fresh.status_code == 200 and fresh.json()["boolean"] is True
    with pytest.raises(ProcessLookupError):
        os.kill(before[0], 0)
