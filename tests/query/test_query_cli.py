"""`tipkg query list|show|run|check` and `tipkg sparql` in-process on the small fixture project: every
output format, every documented exit code, clear messages and no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Dataset, Graph

from tipkg.cli import main
from tipkg.queries import load_catalogue

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(mini_dir: Path):
    def invoke(*args: str, stdin: str | None = None, project: Path | None = None) -> Result:
        return CliRunner().invoke(main, [*args, "--project", str(project or mini_dir)], input=stdin)
    return invoke


def test_list_names_titles_and_parameters(run) -> None:
    result = run("query", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)
    units = next(line for line in lines if line.startswith("units "))
    assert "Units and their parents" in units and "[--param parent]" in units
    assert "[inferred]" in next(line for line in lines if line.startswith("tree "))
    assert "5 questions, 1 quality rules" in result.stderr


def test_show_prints_the_description_parameters_and_sparql(run) -> None:
    result = run("query", "show", "units")
    assert result.exit_code == 0
    assert result.stdout.startswith("units: Units and their parents\n")
    assert "--param parent=VALUE  the parent organisation" in result.stdout
    assert "(example: id:dept)" in result.stdout
    assert "SELECT ?unit ?unitLabel ?parent WHERE" in result.stdout


def test_table_is_the_default_for_rows(run) -> None:
    result = run("query", "run", "units")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split() == ["unit", "unitLabel", "parent"]
    assert "id:bureau  Bureau of Samples  id:dept" in result.stdout
    assert "2 rows from local graph" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_every_row_format(run, fmt: str) -> None:
    result = run("query", "run", "units", "--param", "parent=id:bureau", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(text)))[1][0] == "https://w3id.org/tipkg/id/office"
    elif fmt == "tsv":
        assert text.splitlines()[1].startswith("<https://w3id.org/tipkg/id/office>\t")
    elif fmt == "json":
        bindings = json.loads(text)["results"]["bindings"]
        assert [b["unitLabel"]["value"] for b in bindings] == ["Office of Tests"]
    elif fmt == "xml":
        assert "<uri>https://w3id.org/tipkg/id/office</uri>" in text
    else:
        assert "id:office" in text and "Office of Tests" in text


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("ttl", "turtle"), ("jsonld", "json-ld"),
                                         ("json-ld", "json-ld"), ("json", "json-ld"), ("ntriples", "nt"),
                                         ("nt", "nt"), ("n-triples", "nt"), ("rdfxml", "xml"), ("xml", "xml"),
                                         ("trig", "trig"), ("nq", "nquads"), ("nquads", "nquads")])
def test_every_graph_format(run, fmt: str, parser: str) -> None:
    result = run("query", "run", "hotline-graph", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if parser in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(data=result.stdout, format=parser)
        objects = [str(o) for _, _, o, _ in dataset.quads((None, None, None, None))]
    else:
        objects = [str(o) for o in Graph().parse(data=result.stdout, format=parser).objects()]
    assert objects == ["1-800-555-0100"]


def test_graph_queries_default_to_turtle(run) -> None:
    result = run("query", "run", "hotline-graph")
    assert result.exit_code == 0 and "@prefix schema: <https://schema.org/>" in result.stdout


def test_inferred_runs_over_the_entailments(run) -> None:
    result = run("query", "run", "tree")  # declared `inferred: yes`: entailments are used without the flag
    assert result.exit_code == 0
    assert "Department of Examples  Office of Tests" in result.stdout
    assert "asks about entailments" in result.stderr
    adhoc = "SELECT ?x WHERE { ?x org:hasSubOrganization id:office }"
    assert run("sparql", adhoc, "--format", "csv").stdout.splitlines() == ["x"]
    inferred = run("sparql", adhoc, "--format", "csv", "--inferred").stdout.splitlines()
    assert inferred == ["x", "https://w3id.org/tipkg/id/bureau"]


def test_sparql_declares_project_prefixes_and_reads_stdin(run) -> None:
    result = run("sparql", "ASK { id:dept a tip:Department }")
    assert result.exit_code == 0 and result.stdout == "yes\n"
    piped = run("sparql", "-", stdin="SELECT ?l WHERE { id:dept skos:altLabel ?l }", )
    assert piped.exit_code == 0 and "DOE" in piped.stdout
    own = run("sparql", "PREFIX skos: <http://example.org/not-skos#>\nASK { ?x skos:prefLabel ?y }")
    assert own.exit_code == 0 and own.stdout == "no\n"  # a query's own prefix wins


def test_run_file_with_parameters(run, tmp_path: Path) -> None:
    path = tmp_path / "labels.rq"
    path.write_text("SELECT ?org ?label WHERE { ?org skos:prefLabel ?label } ORDER BY ?org", encoding="utf-8")
    result = run("query", "run", "--file", str(path), "--param", 'label="Office of Tests"@en',
                 "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["https://w3id.org/tipkg/id/office,Office of Tests"]


def test_a_violation_rule_with_rows_exits_1(run, tmp_path: Path) -> None:
    path = tmp_path / "departments-violation.rq"
    path.write_text("SELECT ?d WHERE { ?d a tip:Department }", encoding="utf-8")
    result = run("query", "run", "--file", str(path))
    assert result.exit_code == 1
    assert "id:dept" in result.stdout and "quality rule found 1 row" in result.stderr


def test_check_passes_and_fails(run, mini_dir: Path, tmp_path: Path) -> None:
    result = run("query", "check")
    assert result.exit_code == 0 and "4 of 4 query checks passed" in result.stdout
    broken = tmp_path / "project"
    shutil.copytree(mini_dir, broken)
    (broken / "queries" / "units.expected.csv").write_text("unit,unitLabel,parent\n", encoding="utf-8")
    result = run("query", "check", project=broken)
    assert result.exit_code == 1
    assert "FAIL  units" in result.stdout and "+https://w3id.org/tipkg/id/bureau" in result.stdout
    assert "1 query checks failed: units" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["query", "run", "unit"], "no canned query named 'unit'"),
    (["query", "show", "nothing-like-it"], "see `tipkg query list`"),
    (["query", "run"], "give a query NAME (see `tipkg query list`) or --file Q.rq"),
    (["query", "run", "units", "--file", "x.rq"], "not both"),
    (["query", "run", "units", "--param", "parent"], "malformed parameter 'parent'"),
    (["query", "run", "units", "--param", "who=id:dept"], "has no parameter 'who'"),
    (["query", "run", "units", "--param", "parent=<a b>"], "not a valid IRI"),
    (["query", "run", "units", "--format", "turtle"], "the format ttl is for CONSTRUCT/DESCRIBE queries"),
    (["query", "run", "hotline-graph", "--format", "csv"], "the format csv is for SELECT/ASK results"),
    (["query", "run", "units", "--format", "html"], "html is a page format"),
    (["query", "run", "units", "--format", "yaml"], "unknown --format 'yaml'"),
    (["query", "run", "--file", "missing.rq"], "file not found"),
    (["sparql", "SELECT * {"], "<command line>:1:"),  # the user's own line, not a prefix line
    (["sparql", " "], "the query is empty"),
    (["sparql", "SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"], "SERVICE is not allowed"),
])
def test_usage_errors_exit_2_without_a_traceback(run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_missing_project_is_an_input_error(run, tmp_path: Path) -> None:
    result = run("query", "list", project=tmp_path / "nowhere")
    assert result.exit_code == 2 and "project folder not found" in result.stderr


HELP_COMMANDS = [[], ["query"], ["query", "list"], ["query", "show"], ["query", "run"], ["query", "check"],
                 ["sparql"], ["push"]]


@pytest.mark.parametrize("command", HELP_COMMANDS)
def test_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.stdout


def help_examples() -> list[list[str]]:
    """Every `tipkg query run ...` and `tipkg sparql ...` example line of every help text, as arguments."""
    examples = []
    for command in HELP_COMMANDS:
        text = CliRunner().invoke(main, [*command, "--help"]).stdout
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(("tipkg query run ", "tipkg sparql ")):
                examples.append(shlex.split(line)[1:])
    return examples


def test_help_examples_name_queries_and_parameters_that_exist() -> None:
    catalogue = load_catalogue(REPO / "queries")
    runs = [args for args in help_examples() if args[:2] == ["query", "run"]]
    assert len(runs) >= 3
    for args in runs:
        query = catalogue.get(args[2])  # a UsageError names an example that does not exist
        params = [args[i + 1] for i, arg in enumerate(args) if arg == "--param"]
        query.bindings(params)  # every --param names a declared parameter and parses


@pytest.mark.parametrize("args", [a for a in help_examples() if "--endpoint" not in a], ids=" ".join)
def test_help_examples_run_on_the_bundled_graph(args: list[str]) -> None:
    """The examples a user copies from --help work, and answer something."""
    result = CliRunner().invoke(main, [*args, "--project", str(REPO)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() and "0 rows" not in result.stderr and "0 triples" not in result.stderr


def test_summary_names_the_entailments_when_a_question_uses_them(run) -> None:
    result = run("query", "run", "inferred-has-unit", "--param", "org=id:doj", "--format", "csv",
                 project=REPO)
    assert result.exit_code == 0, result.output
    assert "rows from local graph + OWL 2 RL entailments" in result.stderr
    plain = run("query", "run", "immigration-relief", "--format", "csv", project=REPO)
    assert plain.exit_code == 0, plain.output
    assert "rows from local graph" in plain.stderr and "entailments" not in plain.stderr


def test_list_show_and_check_speak_json(run) -> None:
    listed = run("query", "list", "--format", "json", project=REPO)
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.stdout)
    assert {"name": "inferred-has-unit", "title": records[[r["name"] for r in records].index(
        "inferred-has-unit")]["title"], "parameters": ["org"], "inferred": True, "rule": False} in records
    assert any(r["rule"] for r in records) and len(records) == len({r["name"] for r in records})

    shown = json.loads(run("query", "show", "statement-sentence", "--format", "json", project=REPO).stdout)
    assert shown["form"] == "SELECT" and shown["sparql"].lstrip().startswith("#")
    assert [p["name"] for p in shown["parameters"]] == ["subject", "predicate", "object"]

    checked = run("query", "check", "--format", "json", project=REPO)
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert report["failed"] == 0 and report["passed"] == len(report["checks"]) > 40
    assert all(c["passed"] and c["kind"] in ("violation", "expected") for c in report["checks"])


def test_check_json_names_a_failure(run, tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(REPO / "queries", project / "queries")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(REPO / folder, project / folder)
    expected = project / "queries" / "hotlines.expected.csv"
    expected.write_text(expected.read_text(encoding="utf-8").replace("1-888", "1-999"), encoding="utf-8")
    result = run("query", "check", "--format", "json", project=project)
    assert result.exit_code == 1
    failures = [c for c in json.loads(result.stdout)["checks"] if not c["passed"]]
    assert [c["query"] for c in failures] == ["hotlines"]
    assert "results differ from hotlines.expected.csv" in failures[0]["problem"]


def test_shell_completion_offers_query_names() -> None:
    env = {"_TIPKG_COMPLETE": "bash_complete", "COMP_WORDS": "tipkg query run inferred-p", "COMP_CWORD": "3"}
    result = CliRunner().invoke(main, [], env=env, prog_name="tipkg")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["plain,inferred-partners"]
