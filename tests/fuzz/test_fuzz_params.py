"""Property tests (Hypothesis) of parameter parsing: any text gives an RDF term or a UsageError (exit 2),
never another exception; a term the library writes reads back as the same term in a statement (so no value
can end its term early or change the text around it); and `tipkg query run --param` exits 0 or 2 with no
traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipkg.cli import main
from tipkg.errors import UsageError
from tipkg.queries import parse_assignment
from tipkg.terms import parse_term

MINI = Path(__file__).resolve().parents[2] / "tests" / "pipeline" / "fixtures" / "mini"
# Characters that matter to the term syntax, mixed with any text.
SYNTAX = st.sampled_from(['"', "<", ">", "@", "^^", ":", "\\", "\\u0022", "\\U0001F600", "\n", "\x00", " ",
                          "{", "}", "#", "xsd:integer", "id:", "http://", "urn:", "en-GB", "\ud800", "_:b"])
TERMISH = st.lists(SYNTAX | st.text(max_size=6), max_size=8).map("".join)
VALUES = st.text() | TERMISH
FAST = settings(max_examples=400, deadline=None, database=None)


def statement_with(term: ox.NamedNode | ox.Literal) -> ox.Term:
    """The object of `<s> <p> TERM .` once the library's text of TERM is parsed again."""
    text = f"<http://example.org/s> <http://example.org/p> {term} .\n"
    [quad] = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    return quad.object


@FAST
@given(value=VALUES)
def test_any_text_is_a_term_or_a_usage_error(value: str) -> None:
    try:
        term = parse_term(value)
    except UsageError as exc:
        assert str(exc)
        return
    assert isinstance(term, ox.NamedNode | ox.Literal)
    assert statement_with(term) == term


@FAST
@given(name=st.text(max_size=8) | st.sampled_from(["org", "_x", "a1", " org "]), value=VALUES,
       sep=st.sampled_from(["=", "", "=="]))
def test_any_assignment_is_a_binding_or_a_usage_error(name: str, value: str, sep: str) -> None:
    try:
        bound_name, term = parse_assignment(f"{name}{sep}{value}")
    except UsageError:
        return
    assert bound_name.isidentifier() and isinstance(term, ox.NamedNode | ox.Literal)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project with one query that takes a parameter."""
    target = tmp_path_factory.mktemp("params") / "mini"
    shutil.copytree(MINI, target)
    (target / "queries" / "label-of.rq").write_text(
        "# title: Label of\n# description: an organisation's label\n# param: org — the organisation\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?org ?label WHERE { ?org skos:prefLabel ?label }\n",
        encoding="utf-8",
    )
    return target


def run_with(project: Path, value: str):
    args = ["query", "run", "label-of", "--project", str(project), "--param", f"org={value}"]
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_param_on_the_command_line_exits_0_or_2(project: Path) -> None:
    control = run_with(project, "id:dos")  # the query itself works: exit 2 below is the value's doing
    assert control.exit_code == 0 and "Department of State" in control.stdout, control.output

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(value=VALUES)
    def check(value: str) -> None:
        result = run_with(project, value)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert "error: " in result.stderr and result.stdout == ""

    check()
