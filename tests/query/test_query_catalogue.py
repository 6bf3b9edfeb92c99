"""The canned-query catalogue of the bundled project: every question answers what its expected file says,
every quality rule holds, and the header format is read (and rejected) as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from query_support import query_checks

from tipkg.engine import ProjectStore
from tipkg.errors import InputError, UsageError
from tipkg.load import LoadedProject, load_project
from tipkg.project import Project
from tipkg.queries import CannedQuery, Catalogue, check_query, load_catalogue, load_query
from tipkg.reason import reason
from tipkg.sparql import QueryForm
from tipkg.validate import query_checks as validate_query_checks

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "queries")


def test_the_catalogue_is_large_enough_and_documented() -> None:
    assert len(CATALOGUE.questions()) >= 25
    assert len(CATALOGUE.violations()) >= 5
    assert sum(q.inferred for q in CATALOGUE.questions()) >= 3
    for query in CATALOGUE.queries:
        assert query.title and query.description, query.name
        for parameter in query.parameters:
            assert parameter.description, (query.name, parameter.name)
            assert parameter.name in query.example, f"{query.name}: no example value for {parameter.name}"


def test_every_question_has_expected_results_and_an_order() -> None:
    for query in CATALOGUE.questions():
        assert query.expected_path.is_file(), f"{query.name}: no {query.expected_path.name}"
        if not query.sparql.form.returns_graph:
            assert "ORDER BY" in query.text.upper(), f"{query.name}: results must be sorted"


@pytest.mark.parametrize("query", CATALOGUE.questions(), ids=lambda q: q.name)
def test_question_answers_its_expected_results(query: CannedQuery, bundled_store: ProjectStore) -> None:
    outcome = check_query(query, bundled_store)
    assert outcome is not None
    assert outcome.passed, "\n".join(outcome.detail)


@pytest.mark.parametrize("query", CATALOGUE.violations(), ids=lambda q: q.name)
def test_quality_rule_holds_on_the_bundled_graph(query: CannedQuery, bundled_store: ProjectStore) -> None:
    result = bundled_store.query(query.sparql, inferred=query.inferred)
    assert result.form is QueryForm.SELECT and result.variables, "a quality rule must be a SELECT"
    assert result.rows == (), "\n".join(check_query(query, bundled_store).detail)  # type: ignore[union-attr]


def test_inferred_questions_need_the_entailments(bundled_store: ProjectStore) -> None:
    """Each `inferred: yes` question really asks about entailments: on the asserted graph it answers less."""
    inferred_questions = [q for q in CATALOGUE.questions() if q.inferred]
    assert inferred_questions
    for query in inferred_questions:
        asserted = bundled_store.query(query.sparql, query.example_bindings())
        inferred = bundled_store.query(query.sparql, query.example_bindings(), inferred=True)
        assert len(asserted) < len(inferred), query.name


def test_an_inferred_query_without_entailments_is_a_programming_error(loaded: LoadedProject) -> None:
    """The store never answers a question about entailments silently from the asserted graph alone."""
    query = next(q for q in CATALOGUE.questions() if q.inferred)
    with pytest.raises(RuntimeError, match="add_entailments"):
        ProjectStore(loaded).query(query.sparql, inferred=True)


def test_the_query_checks_are_what_validate_reports(loaded: LoadedProject) -> None:
    outcomes = query_checks(loaded)
    assert {o.query.name for o in outcomes} == set(CATALOGUE.names())
    assert all(o.passed and o.problem == "" for o in outcomes)
    assert {o.kind for o in outcomes} == {"violation", "expected"}
    reported = validate_query_checks(loaded, reason(loaded), True, ProjectStore(loaded))
    assert [(o.query.name, o.passed, o.detail, o.rows) for o in reported] == [
        (o.query.name, o.passed, o.detail, o.rows) for o in outcomes]


def test_a_broken_rule_and_a_wrong_expectation_are_reported(tmp_path: Path, mini_dir: Path) -> None:
    project = copy_project(mini_dir, tmp_path)
    expected = project / "queries" / "units.expected.csv"
    expected.write_text("unit,unitLabel,parent\nx,y,z\n", encoding="utf-8")
    (project / "queries" / "everything-violation.rq").write_text(
        "# title: Everything\n# description: Fails whenever the graph has a department.\n"
        "PREFIX tip: <https://w3id.org/tipkg/ontology#>\n"
        "SELECT ?d WHERE { ?d a tip:Department } ORDER BY ?d\n",
        encoding="utf-8")
    outcomes = {o.query.name: o for o in query_checks(load_project(Project(project)))}
    assert not outcomes["units"].passed
    assert outcomes["units"].problem.startswith("results differ from units.expected.csv")
    assert not outcomes["everything-violation"].passed
    assert outcomes["everything-violation"].rows == (("https://w3id.org/tipkg/id/dept",),)
    assert outcomes["tree"].passed and outcomes["sentence"].passed


def copy_project(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target / "project")
    return target / "project"


# --- the header format ------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_header_fields_continuations_and_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, "q.rq", """# title: A title
# description: First part
#   and its continuation.
# a free comment that is not a field
# param: who — the agent
# param: what -- the thing
# example: who=id:dhs what="x"
# inferred: yes
SELECT ?who ?what WHERE { ?who ?p ?what } ORDER BY ?who
""")
    query = load_query(path)
    assert query.title == "A title"
    assert query.description == "First part and its continuation."
    assert [(p.name, p.description) for p in query.parameters] == [
        ("who", "the agent"), ("what", "the thing")]
    assert query.example == {"who": "id:dhs", "what": '"x"'}
    assert query.inferred


@pytest.mark.parametrize("text, message", [
    ("# description: d\nSELECT * { ?s ?p ?o }", "missing '# title:'"),
    ("# title: t\nSELECT * { ?s ?p ?o }", "missing '# description:'"),
    ("# title: t\n# description: d\n# param: nope — not a variable\nSELECT ?s { ?s ?p ?o }",
     "not a variable"),
    ("# title: t\n# description: d\n# param: o — not selected\nSELECT ?s { ?s ?p ?o }", "must be selected"),
    ("# title: t\n# description: d\n# param: s — x\nSELECT ?s { ?s ?p ?o } VALUES ?s { <urn:a> }",
     "trailing VALUES"),
    ("# title: t\n# description: d\n# inferred: maybe\nSELECT ?s { ?s ?p ?o }", "must be yes or no"),
    ("# title: t\n# description: d\n# param: s — x\n# example: s=<bad iri>\nSELECT ?s { ?s ?p ?o }",
     "bad '# example:'"),
    ("# title: t\n# description: d\nSELECT ?s { ?s ?p ?o", "SPARQL syntax error"),
    ("# title: t\n# description: d\nSELECT ?s { ?s a foo:Bar }", "3:25: unknown prefix 'foo:'"),
    ("# title: t\n# description: d\nSELECT ?s { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     "SERVICE is not allowed"),
])
def test_bad_query_files_are_input_errors(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.rq", text)
    with pytest.raises(InputError) as caught:
        load_query(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    """Line and column count from the top of the file, header included. Oxigraph reports where its parser
    stopped: the end of an unterminated string's line; for an unfinished pattern, where the input ran out."""
    path = write(tmp_path, "bad.rq", "# title: t\n# description: d\nSELECT ?s WHERE {\n  ?s ?p ?o .\n"
                                     '  ?x ?y "unterminated\n  ?a ?b ?c .\n}\n')
    with pytest.raises(InputError) as caught:
        load_query(path)
    assert (caught.value.line, caught.value.column) == (5, 22)  # the end of the unterminated string
    assert str(caught.value).startswith(f"{path}:5:22: SPARQL syntax error")
    path = write(tmp_path, "bad.rq", "# title: t\n# description: d\nSELECT ?s WHERE {\n  ?s ?p\n}\n")
    with pytest.raises(InputError) as caught:
        load_query(path)
    assert caught.value.line is not None and 4 <= caught.value.line <= 6  # not before the broken pattern


def test_query_names_must_be_simple(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="lowercase"):
        load_query(write(tmp_path, "Bad_Name.rq", "# title: t\n# description: d\nASK {}"))


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(UsageError, match="did you mean hotlines"):
        CATALOGUE.get("hotline")
    with pytest.raises(UsageError, match="tipkg query list"):
        CATALOGUE.get("zzzz")


def test_an_empty_queries_folder_is_an_empty_catalogue(tmp_path: Path) -> None:
    assert load_catalogue(tmp_path) == Catalogue(tmp_path, ())
    with pytest.raises(InputError, match="queries folder not found"):
        load_catalogue(tmp_path / "missing")


@pytest.mark.parametrize("query", [q for q in CATALOGUE.questions() if not q.sparql.form.returns_graph],
                         ids=lambda q: q.name)
def test_the_order_is_total_so_every_engine_gives_the_same_sequence(query: CannedQuery,
                                                                    bundled_store: ProjectStore) -> None:
    """Rows that tie on every ORDER BY key may come in any order on another engine: there must be none,
    with the example parameters or without any."""
    import re

    clause = re.search(r"ORDER BY (.*)", query.text)
    assert clause is not None
    keys = re.findall(r"\?(\w+)", clause.group(1))
    for bindings in ({}, query.example_bindings()):
        result = bundled_store.query(query.sparql, bindings, inferred=query.inferred)
        positions = [result.variables.index(k) for k in keys if k in result.variables]
        seen: dict[tuple, set] = {}
        for row in result.rows:
            seen.setdefault(tuple(row[i] for i in positions), set()).add(row)
        ties = [key for key, rows in seen.items() if len(rows) > 1]
        assert not ties, f"rows tie on {keys}: {ties[:2]}"
