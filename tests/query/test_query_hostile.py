"""Hostile queries and parameter values (issue 9), on the command line in-process and on the library.

- A dataset clause (`FROM`, `FROM NAMED`) names a graph of the store: `tipkg sparql` and a canned query in a
  project folder never read a local file nor connect to a URL because a query names one. Checked with an
  audit hook (no Python-level `open` of the planted file, no name lookup, connect or HTTP request), a
  listening loopback socket that nobody may connect to, and the output, which holds none of the file's
  triples.
- A malformed parameter value is exit 2 with a one-line message, before any connection; a well-formed
  hostile one is exactly one literal and matches nothing.
- SPARQL Update, LOAD and SERVICE (however spelled) are exit 2; so is a query nested or chained deep enough
  to overflow Oxigraph's stack, which must never kill the process (run in a subprocess to prove it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from query_support import Guard, listening, query_checks, was_connected

from tipkg.cli import main
from tipkg.engine import ProjectStore
from tipkg.errors import InputError, UsageError
from tipkg.load import load_project
from tipkg.project import Project
from tipkg.queries import find_query, parse_assignment
from tipkg.sparql import MAX_ELEMENTS, MAX_NESTING, QueryRefused, Sparql

SECRET_TEXT = '<urn:secret:s> <urn:secret:p> "TOP-SECRET-TRIPLE" .\n'
SECRET_MARKERS = (b"TOP-SECRET", b"urn:secret")


@pytest.fixture(autouse=True)
def no_hanging_connection() -> Iterator[None]:
    """Should a regression connect to the listening socket, which never answers, fail instead of hanging."""
    socket.setdefaulttimeout(5.0)
    yield
    socket.setdefaulttimeout(None)


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planted") / "secret.nt"
    path.write_text(SECRET_TEXT, encoding="utf-8")
    return path


@pytest.fixture
def port() -> Iterator[tuple[socket.socket, int]]:
    with listening() as pair:
        yield pair


@pytest.fixture(scope="module")
def module_port() -> Iterator[tuple[socket.socket, int]]:
    with listening() as pair:
        yield pair


def cli(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin)


def assert_clean(result: Result, guard: Guard, listener: socket.socket) -> None:
    """Nothing read, nothing connected, nothing of the planted file in the output."""
    assert guard.opened == [], f"the planted file was opened: {guard.opened}"
    assert guard.network == [], f"a connection was attempted: {guard.network}"
    assert not was_connected(listener), "something connected to the listening socket"
    assert not any(marker in result.stdout_bytes for marker in SECRET_MARKERS)
    assert "Traceback" not in result.stderr


def assert_usage_error(result: Result, message: str) -> None:
    """Exit 2, one line on stderr that says what is wrong, nothing on stdout, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert result.stdout == ""


def test_the_guard_sees_a_file_read_and_a_connection(secret: Path, port) -> None:
    """The control: what the tests below assert never happens is seen when it does happen."""
    listener, number = port
    with Guard([secret]) as guard:
        assert secret.read_text(encoding="utf-8") == SECRET_TEXT
        socket.create_connection(("127.0.0.1", number), timeout=2).close()
    assert guard.opened == [str(secret)]
    assert [event for event, _ in guard.network] == ["socket.getaddrinfo", "socket.connect"]
    assert was_connected(listener)
    with Guard() as guard:
        pass
    assert guard.opened == guard.network == []


# --- (a) dataset clauses name graphs of the store -----------------------------------------------------------


def dataset_queries(secret: Path, port: int) -> list[str]:
    file_iri, http_iri = secret.as_uri(), f"http://127.0.0.1:{port}/x"
    return [
        f"SELECT * FROM <{file_iri}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{file_iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{http_iri}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{http_iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{file_iri}> FROM NAMED <{http_iri}> WHERE {{ {{ ?s ?p ?o }} UNION "
        f"{{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH <{file_iri}> {{ ?s ?p ?o }} }}",
        f"ASK FROM <{file_iri}> {{ ?s ?p ?o }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{file_iri}> FROM <{http_iri}> WHERE {{ ?s ?p ?o }}",
        f"DESCRIBE <urn:secret:s> FROM <{file_iri}>",
    ]


@pytest.mark.parametrize("index", range(9))
def test_sparql_from_reads_no_file_and_opens_no_connection(mini_dir: Path, secret: Path, port, index: int,
                                                           ) -> None:
    listener, number = port
    query = dataset_queries(secret, number)[index]
    graph = query.startswith(("CONSTRUCT", "DESCRIBE"))
    with Guard([secret]) as guard:
        result = cli("sparql", query, "--project", str(mini_dir), "--format", "ntriples" if graph else "csv")
    assert result.exit_code == 0, result.stderr
    assert_clean(result, guard, listener)
    if query.startswith("ASK"):
        assert result.stdout_bytes.split() == [b"false"]
    elif not graph:
        assert len(result.stdout_bytes.splitlines()) == 1  # the header: the graph is not in the store


def test_a_from_graph_of_the_store_is_used_as_such(mini_dir: Path, port) -> None:
    """FROM names a graph of the store: the data's own named graphs can be chosen that way."""
    listener, _ = port
    query = "SELECT ?l FROM <https://w3id.org/tipkg/id/graph/s-2> WHERE { ?x skos:prefLabel ?l } ORDER BY ?l"
    with Guard() as guard:
        result = cli("sparql", query, "--project", str(mini_dir), "--format", "csv")
    assert result.exit_code == 0 and result.stdout.splitlines() == ["l", "Office of Tests", "Test hotline"]
    assert_clean(result, guard, listener)


@pytest.fixture(scope="module")
def leaky_project(tmp_path_factory: pytest.TempPathFactory, mini_dir: Path, secret: Path,
                  module_port: tuple[socket.socket, int]) -> Path:
    """The fixture project with canned queries that name a planted file and a loopback URL in FROM."""
    project = tmp_path_factory.mktemp("leaky") / "project"
    shutil.copytree(mini_dir, project)
    header = "# title: Leak\n# description: Tries to read a file through a dataset clause.\n"
    (project / "queries" / "leak.rq").write_text(
        header + f"SELECT ?s ?p ?o FROM <{secret.as_uri()}> FROM NAMED <{secret.as_uri()}>\n"
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } ORDER BY ?s\n", encoding="utf-8")
    (project / "queries" / "leak-graph.rq").write_text(
        header + f"CONSTRUCT {{ ?s ?p ?o }} FROM <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}\n",
        encoding="utf-8")
    (project / "queries" / "leak-http.rq").write_text(
        header + f"SELECT * FROM <http://127.0.0.1:{module_port[1]}/x> "
        f"FROM NAMED <http://127.0.0.1:{module_port[1]}/y> WHERE {{ ?s ?p ?o }} ORDER BY ?s\n",
        encoding="utf-8")
    (project / "queries" / "leak-violation.rq").write_text(
        header + f"SELECT ?s WHERE {{ GRAPH <{secret.as_uri()}> {{ ?s ?p ?o }} }} ORDER BY ?s\n",
        encoding="utf-8")
    return project


@pytest.mark.parametrize("args", [["query", "run", "leak", "--format", "csv"],
                                  ["query", "run", "leak-graph", "--format", "nt"],
                                  ["query", "run", "leak-http", "--format", "csv"],
                                  ["query", "run", "leak-violation"],
                                  ["query", "check"]], ids=" ".join)
def test_a_canned_query_in_a_project_folder_reads_no_file(leaky_project: Path, secret: Path, module_port,
                                                          args: list[str]) -> None:
    listener, _ = module_port
    with Guard([secret]) as guard:
        result = cli(*args, "--project", str(leaky_project))
    assert result.exit_code == 0, result.stderr
    assert_clean(result, guard, listener)
    if args[1] == "check":
        assert "ok    leak-violation" in result.stdout
    elif args[3:] == ["--format", "csv"]:
        assert len(result.stdout.splitlines()) == 1  # the header, no row


def test_the_library_never_reads_a_dataset_clause(leaky_project: Path, secret: Path, module_port) -> None:
    """The same through the library: the checks validate runs, and ProjectStore.query with FROM."""
    listener, number = module_port
    loaded = load_project(Project(leaky_project))
    with Guard([secret]) as guard:
        outcomes = {o.query.name: o for o in query_checks(loaded)}
        store = ProjectStore(loaded)
        answers = [store.query(Sparql.parse(q)) for q in dataset_queries(secret, number)]
    assert outcomes["leak-violation"].passed
    assert all(len(answer) == 0 for answer in answers)
    assert guard.opened == [] and guard.network == [] and not was_connected(listener)
    leak = find_query(leaky_project / "queries", "leak")
    assert leak.sparql.has_dataset and len(store.query(leak.sparql)) == 0


# --- (b), (c) parameter values ------------------------------------------------------------------------------

ATTACK = '"x"^^<http://a><http://b>)(UNDEF<...>UNDEF)}#>'
BAD_VALUES = [
    ("<http://a%zz>", "Invalid IRI percent encoding '%zz'"),
    ("<http://[x>", "Invalid character '[' in host"),
    ("<http://a b>", "not a valid IRI: '<http://a b>'"),
    ("<http://a>b>", "Invalid IRI code point '>'"),
    ("<http://a> } UNION { ?org ?p ?label } #>", "not a valid IRI"),
    ("<>", "No scheme found"),
    ("<http://x/\\u003E>", "not a valid IRI"),  # no \u escape in an IRI value: it is a backslash
    ("<http://a\x00>", "Invalid IRI code point '\\x00'"),
    ("<http://a\n} UNION { ?org ?p ?label } #>", "Invalid IRI code point '\\n'"),
    ('"x"@abcdefghijklmnop', "not a BCP 47 language tag"),
    ('"x"@' + "a" * 300, "not a BCP 47 language tag"),
    ('"x"@en-', "A subtag should not be empty"),
    ('"x"@e_n', "not a BCP 47 language tag: 'e_n'"),
    ('"x"@en"', "not a BCP 47 language tag: 'en\"'"),
    ('"x"@en\n} UNION { ?org ?p ?label } #', "malformed literal"),
    ('"x"\n} UNION { ?org ?p ?label } #', "malformed literal"),
    ('"x"^^xsd:integer\n', "malformed literal"),
    ('"x" . } #', "malformed literal"),
    ('"x\\u0022', "malformed literal"),  # an escaped quote does not end the literal
    ('"x\\u00"', "unknown escape \\u"),
    ('"bad \\q"', "unknown escape \\q"),
    ('"\\uD800"', "a lone surrogate is not a character"),
    ("a\udcffb", "not Unicode text"),  # bytes that are not UTF-8, as argv decodes them
    ('"x"^^"y"', "is not an IRI"),
    ('"x"^^_:b', "is not an IRI"),
    ('"x"^^<>', "not a valid IRI: '<>'"),
    ('"x"^^<http://a b>', "malformed literal"),
    ('"x"^^rdf:langString', "not ^^rdf:langString"),
    ('"x"^^rdf:dirLangString', "not ^^rdf:langString"),
    (ATTACK, "not a valid IRI: '<http://a><http://b>)(UNDEF<...>UNDEF)}#>'"),
    ("id:dhs>", "not a valid prefixed name: 'id:dhs>'"),
    ("skos:x>}UNION{?org?p?label}#", "not a valid prefixed name"),
    ("x" * 5000, "a term may have 4,096"),
]


def test_there_are_enough_hostile_cases() -> None:
    assert len(BAD_VALUES) + len(BAD_QUERIES) + len(DEEP_QUERIES) >= 40


@pytest.mark.parametrize("value, message", BAD_VALUES, ids=lambda v: repr(v)[:40])
def test_a_malformed_value_is_exit_2_before_any_connection(mini_dir: Path, port, value: str,
                                                           message: str) -> None:
    listener, number = port
    for endpoint in ([], ["--endpoint", f"http://127.0.0.1:{number}/query", "--timeout", "2"]):
        with Guard() as guard:
            result = cli("query", "run", "by-label", "--project", str(mini_dir), "--param", f"label={value}",
                         *endpoint)
        assert_usage_error(result, message)
        assert_clean(result, guard, listener)
    with pytest.raises(UsageError):
        parse_assignment(f"label={value}")


WELL_FORMED = [
    'x" } UNION { ?org skos:prefLabel ?label } #',
    '"x\\u0022 } UNION { ?org ?p ?label } #"',  # the escape is a quote inside the text
    '"x\\" } UNION { ?org ?p ?label } #"',
    "x\x00y",
    "label\n} UNION { ?org ?p ?label }",
    "id:dhs\n",  # not a prefixed name any more: the newline is part of the string
    "nope:thing>",
    ATTACK[1:],  # without the leading quote: a plain string
]


@pytest.mark.parametrize("value", WELL_FORMED, ids=lambda v: repr(v)[:40])
def test_a_well_formed_hostile_value_is_one_literal_that_matches_nothing(
        mini_dir: Path, mini_store: ProjectStore, value: str) -> None:
    _, term = parse_assignment(f"label={value}")
    assert isinstance(term, ox.Literal) and term.datatype == ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#string")
    result = cli("query", "run", "by-label", "--project", str(mini_dir), "--param", f"label={value}",
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["org,label"]
    query = find_query(mini_dir / "queries", "by-label")
    assert mini_store.query(query.sparql, {"label": term}).rows == ()


# --- (c) hostile queries ------------------------------------------------------------------------------------

BAD_QUERIES = [
    ("SELECT * { SERVICE <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * { \\u0053ERVICE <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * { \\U00000053ervice <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * { sErViCe SILENT <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * { VALUES ?e { <http://127.0.0.1:PORT/> } SERVICE ?e { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("SELECT * { # a comment\n SERVICE <http://127.0.0.1:PORT/> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("LOAD <SECRET>", "SPARQL Update (LOAD) is not accepted"),
    ("LOAD <http://127.0.0.1:PORT/x> INTO GRAPH <urn:g>", "SPARQL Update (LOAD) is not accepted"),
    ("lOaD SILENT <SECRET>", "SPARQL Update (LOAD) is not accepted"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SPARQL Update (INSERT) is not accepted"),
    ("DROP ALL", "SPARQL Update (DROP) is not accepted"),
    ("\\u0044ROP ALL", "SPARQL Update (DROP) is not accepted"),
    ("# only a comment first\nCLEAR DEFAULT", "SPARQL Update (CLEAR) is not accepted"),
    ("PREFIX a: <urn:a#>\nBASE <urn:b>\nDELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE) is not accepted"),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "SPARQL Update (WITH) is not accepted"),
    ("CREATE GRAPH <urn:g>", "SPARQL Update (CREATE) is not accepted"),
    ("COPY DEFAULT TO <urn:g>", "SPARQL Update (COPY) is not accepted"),
    ("MOVE DEFAULT TO <urn:g>", "SPARQL Update (MOVE) is not accepted"),
    ("ADD DEFAULT TO <urn:g>", "SPARQL Update (ADD) is not accepted"),
    ("SELECT * { ?s ?p ?o } ; DROP ALL", "SPARQL syntax error"),
    ("SELECT * { ?s ?p ?o } ; LOAD <SECRET>", "SPARQL syntax error"),
    ("ASK { <http://a%zz> ?p ?o }", "SPARQL syntax error"),
    ("SELECT * { ?s ?p ?o } \x00", "SPARQL syntax error"),
    ("SELECT * {" + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1) + "}", "nests parentheses"),
    ("ASK { FILTER(" + "!" * (MAX_ELEMENTS + 1) + "true) }", "tipkg accepts up to 1,000"),
]


@pytest.mark.parametrize("text, message", BAD_QUERIES, ids=lambda v: repr(v)[:40])
def test_a_refused_query_is_exit_2_before_any_connection(mini_dir: Path, secret: Path, port, text: str,
                                                         message: str) -> None:
    listener, number = port
    query = text.replace("PORT", str(number)).replace("SECRET", secret.as_uri())
    for endpoint in ([], ["--endpoint", f"http://127.0.0.1:{number}/query", "--timeout", "2"]):
        with Guard([secret]) as guard:
            result = cli("sparql", query, "--project", str(mini_dir), *endpoint)
        assert_usage_error(result, message)
        assert_clean(result, guard, listener)
    with pytest.raises(InputError):
        Sparql.parse(query)


def test_update_and_service_refusals_carry_the_server_status() -> None:
    with pytest.raises(QueryRefused) as update:
        Sparql.parse("DROP ALL")
    with pytest.raises(QueryRefused) as service:
        Sparql.parse("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    with pytest.raises(QueryRefused) as deep:
        Sparql.parse("ASK " + "{" * 300 + "}" * 300)
    assert (update.value.status, service.value.status, deep.value.status) == (403, 403, 400)


# Each of these overflows Oxigraph's stack when it reaches the engine (a segmentation fault that kills the
# process: the CLI, or a server worker). They must be refused with exit 2 and a message.
DEEP_QUERIES = {
    "parentheses": "ASK { FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }",
    "braces": "ASK " + "{" * 10_000 + "}" * 10_000,
    "brackets": "ASK { ?s <urn:p> " + "[ <urn:p> " * 10_000 + "1" + " ]" * 10_000 + " }",
    "escaped-parentheses": "ASK { FILTER(" + "\\u0028" * 10_000 + "true" + "\\u0029" * 10_000 + ") }",
    "not-chain": "ASK { FILTER(" + "!" * 20_000 + "true) }",
    "plus-chain": "SELECT * { BIND(" + "+".join(["1"] * 50_000) + " AS ?x) }",
    "union-chain": "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * 20_000) + " }",
    "minus-chain": "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * 3_000 + "}",
    "path-chain": "ASK { ?s " + "/".join(["<urn:p>"] * 20_000) + " ?o }",
    "triple-term-nesting": "ASK { " + "<<" * 10_000 + "?a ?b ?c" + ">>" * 10_000 + " ?p ?o }",
    "long-collection": "ASK { ?s <urn:p> (" + " 1" * 10_000 + " ) }",
}


@pytest.mark.parametrize("name", DEEP_QUERIES)
def test_a_query_that_would_overflow_the_stack_is_exit_2_not_a_crash(mini_dir: Path, name: str) -> None:
    """In a subprocess: were the query to reach the engine, the process would die of SIGSEGV (exit -11)."""
    done = subprocess.run([sys.executable, "-m", "tipkg", "sparql", "-", "--project", str(mini_dir)],
                          input=DEEP_QUERIES[name].encode(), capture_output=True, timeout=60)
    stderr = done.stderr.decode()
    assert done.returncode == 2, (done.returncode, stderr[-300:])
    assert stderr.startswith("error: <command line>: the query ") and stderr.count("\n") == 1, stderr
    assert "tipkg accepts up to" in stderr and done.stdout == b""


def test_a_deep_canned_query_file_is_exit_2_not_a_crash(mini_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(mini_dir, project)
    (project / "queries" / "deep.rq").write_text(
        "# title: Deep\n# description: Nested past the parser's stack.\n" + DEEP_QUERIES["braces"],
        encoding="utf-8")
    for args in (["query", "run", "deep"], ["query", "check"]):
        done = subprocess.run([sys.executable, "-m", "tipkg", *args, "--project", str(project)],
                              capture_output=True, timeout=60)
        stderr = done.stderr.decode()
        assert done.returncode == 2, (args, done.returncode, stderr[-300:])
        assert f"{project / 'queries' / 'deep.rq'}: the query nests" in stderr and "Traceback" not in stderr
