"""The CLI of the pipeline in-process: help, every report format of validate, stats and diff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pipeline_support import CASES, MINI, REPO, run
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from tipkg.vocab import SH


@pytest.mark.parametrize("command", ["build", "release", "validate", "stats", "diff", "init"])
def test_help(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: main {command}" in result.stdout or f"Usage: tipkg {command}" in result.stdout
    assert "--help" in result.stdout


def test_main_help_lists_commands() -> None:
    text = run("--help").stdout
    for command in ("build", "release", "validate", "stats", "diff", "init"):
        assert command in text


def test_validate_bundled_graph() -> None:
    result = run("validate", "--project", REPO)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.rstrip().endswith("OK: 0 violation(s), 0 warning(s), 0 info (fails on violation)")


@pytest.fixture
def broken(mini: Path) -> Path:
    """The small project with a violation (a malformed phone number) and a warning (a lowercase acronym)."""
    shutil.copy(CASES / "bad-phone" / "data.trig", mini / "data" / "phone.trig")
    shutil.copy(CASES / "acronym-warning" / "data.trig", mini / "data" / "acronym.trig")
    return mini


def test_text_report(broken: Path) -> None:
    result = run("validate", "--project", broken)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    head = lines.index('id:tip-line "Tip line"  (data/phone.trig:10)')
    assert lines[head + 1].startswith('  violation: schema:telephone = "555-1234" - A hotline needs')
    assert 'id:ovc "Office for Victims of Crime"  (data/acronym.trig:10)' in lines
    assert lines[-1] == "FAILED: 1 violation(s), 1 warning(s), 0 info (fails on violation)"


def test_json_report(broken: Path) -> None:
    result = run("validate", "--project", broken, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["counts"] == {"info": 0, "warning": 1, "violation": 1}
    phone = next(f for f in report["findings"] if f["severity"] == "violation")
    assert phone["focus"] == "https://w3id.org/tipkg/id/tip-line"
    assert phone["label"] == "Tip line"
    assert phone["path"] == "schema:telephone"
    assert phone["value"] == '"555-1234"'
    assert phone["location"] == "data/phone.trig:10"
    assert phone["check"] == "shacl"
    checks = {c["check"] for c in report["checks"]}
    assert checks == {"shacl", "consistency", "violation-query", "expected-results"}


def test_turtle_report(broken: Path) -> None:
    result = run("validate", "--project", broken, "--format", "turtle")
    assert result.exit_code == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 2
    phone = next(r for r in results if graph.value(r, SH.resultSeverity) == SH.Violation)
    assert graph.value(phone, SH.focusNode) == URIRef("https://w3id.org/tipkg/id/tip-line")
    assert graph.value(phone, SH.resultPath) == URIRef("https://schema.org/telephone")
    assert graph.value(phone, SH.value) == Literal("555-1234")


def test_junit_report(broken: Path) -> None:
    result = run("validate", "--project", broken, "--format", "junit")
    assert result.exit_code == 1
    suites = ElementTree.fromstring(result.stdout)
    assert suites.tag == "testsuites"
    shacl = suites.find("testsuite[@name='shacl']")
    assert shacl is not None and shacl.get("failures") == "1"
    failing = [case for case in shacl.iter("testcase") if case.find("failure") is not None]
    assert [case.get("name") for case in failing] == ["https://w3id.org/tipkg/id/tip-line"]
    assert failing[0].get("file") == "data/phone.trig" and failing[0].get("line") == "10"
    warned = [case for case in shacl.iter("testcase") if case.find("system-out") is not None]
    assert "warning" in warned[0].find("system-out").text


def test_junit_fail_on_warning(broken: Path) -> None:
    result = run("validate", "--project", broken, "--format", "junit", "--fail-on", "warning")
    suites = ElementTree.fromstring(result.stdout)
    assert suites.find("testsuite[@name='shacl']").get("failures") == "2"


def test_report_formats_pass_when_clean() -> None:
    for fmt in ("text", "json", "turtle", "junit"):
        result = run("validate", "--project", MINI, "--format", fmt)
        assert result.exit_code == 0, (fmt, result.stdout)
    assert json.loads(run("validate", "--project", MINI, "--format", "json").stdout)["conforms"] is True


def test_validate_given_files(mini: Path) -> None:
    """FILE ... replaces the project's data; expected results (about the project's data) are not compared."""
    shutil.copy(CASES / "acronym-warning" / "data.trig", mini / "extra.trig")
    result = run(
        "validate",
        "--project",
        mini,
        "--format",
        "json",
        mini / "data" / "state.trig",
        mini / "data" / "provenance.ttl",
        mini / "extra.trig",
    )
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["counts"]["warning"] == 1
    assert "expected-results" not in {c["check"] for c in report["checks"]}


def test_stats(mini: Path) -> None:
    shutil.copy(CASES / "missing-provenance" / "data.trig", mini / "data" / "whd.trig")
    stats = json.loads(run("stats", "--project", mini, "--format", "json").stdout)
    assert stats["classes"]["https://w3id.org/tipkg/ontology#Office"] == 2
    assert stats["properties"]["http://www.w3.org/2004/02/skos/core#prefLabel"] == 5
    assert stats["named_graphs"] == 4
    assert stats["without_provenance"] == ["https://w3id.org/tipkg/id/whd"]
    assert stats["without_label"] == []
    text = run("stats", "--project", mini).stdout
    assert "entities without provenance: 1\n  id:whd" in text
    assert "       2  tip:Office" in text


def test_stats_bundled(loaded) -> None:
    result = run("stats", "--project", REPO, "--format", "json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["data_triples"] == len(loaded.data_graph())
    assert stats["without_label"] == [] and stats["without_provenance"] == []


def test_diff_identical(mini_dist: Path) -> None:
    result = run("diff", MINI, mini_dist, "--exit-code")
    assert result.exit_code == 0
    assert result.stdout.startswith("no differences")


def test_diff_changes(mini: Path, mini_dist: Path) -> None:
    state = mini / "data" / "state.trig"
    state.write_text(state.read_text().replace('"G/TIP"@en', '"GTIP"@en'))
    shutil.copy(CASES / "missing-provenance" / "data.trig", mini / "data" / "whd.trig")
    result = run("diff", mini_dist, mini)
    assert result.exit_code == 0
    text = result.stdout
    assert '~ id:gtip "Office to Monitor and Combat Trafficking in Persons"  (changed)' in text
    assert '    ~ skos:altLabel "G/TIP"@en -> "GTIP"@en' in text
    assert '+ id:whd "Wage and Hour Division"  (added)' in text
    assert run("diff", mini_dist, mini, "--exit-code").exit_code == 1
    document = json.loads(run("diff", mini_dist, mini, "--format", "json").stdout)
    gtip = next(e for e in document["entities"] if e["subject"] == "<https://w3id.org/tipkg/id/gtip>")
    assert gtip["changed"] == [
        {
            "predicate": "http://www.w3.org/2004/02/skos/core#altLabel",
            "old": ['"G/TIP"@en'],
            "new": ['"GTIP"@en'],
        }
    ]
    reverse = json.loads(run("diff", mini, mini_dist, "--format", "json").stdout)
    status = {e["subject"]: e["status"] for e in reverse["entities"]}
    assert status["<https://w3id.org/tipkg/id/whd>"] == "removed"
    changes = Graph().parse(data=run("diff", mini_dist, mini, "--format", "turtle").stdout, format="turtle")
    added = {
        changes.value(s, RDF.object)
        for s in changes.subjects(RDF.predicate, URIRef("http://www.w3.org/2004/02/skos/core#altLabel"))
        if str(s).startswith("urn:tipkg:diff:added:")
    }
    assert Literal("GTIP", lang="en") in added


def test_diff_single_files(tmp_path: Path, mini_dist: Path) -> None:
    result = run("diff", mini_dist / "tipkg.ttl", mini_dist / "tipkg.nt")
    assert result.exit_code == 0 and result.stdout.startswith("no differences")


def test_project_without_shapes_or_queries(mini: Path, tmp_path: Path) -> None:
    shutil.rmtree(mini / "shapes")
    shutil.rmtree(mini / "queries")
    result = run("validate", "--project", mini, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert [c["check"] for c in json.loads(result.stdout)["checks"]] == ["shacl", "consistency"]
    build = run("build", "--project", mini, "--out", tmp_path / "dist")
    assert build.exit_code == 0, build.stderr
    assert (tmp_path / "dist" / "shapes.ttl").read_text(encoding="utf-8").strip() == ""


def test_validate_from_the_project_folder(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --project, the current folder is the project when it holds ontology/."""
    monkeypatch.chdir(mini)
    shutil.copy(CASES / "bad-phone" / "data.trig", mini / "data" / "phone.trig")
    result = run("validate")
    assert result.exit_code == 1
    assert "(data/phone.trig:10)" in result.stdout


def test_junit_query_and_consistency_failures(mini: Path) -> None:
    shutil.copy(CASES / "unit-without-parent" / "data.trig", mini / "data" / "unit.trig")
    shutil.copy(CASES / "disjoint-types" / "data.trig", mini / "data" / "disjoint.trig")
    result = run("validate", "--project", mini, "--format", "junit")
    assert result.exit_code == 1
    suites = ElementTree.fromstring(result.stdout)
    rule = suites.find("testsuite[@name='violation-query']/testcase[@name='unit-without-parent-violation']")
    assert rule is not None and "id:ovc" in rule.find("failure").text
    consistency = suites.find("testsuite[@name='consistency']")
    failing = [c.get("name") for c in consistency.iter("testcase") if c.find("failure") is not None]
    assert failing == ["https://w3id.org/tipkg/id/x"]
    assert int(suites.get("failures")) == sum(int(s.get("failures")) for s in suites)


def test_ctrl_c_is_exit_130_with_a_line_not_a_traceback(mini: Path, tmp_path: Path) -> None:
    """SIGINT during a build's query checks (a cartesian rule keeps them busy): 130 (the shell's 128 + 2), a
    line on stderr, no traceback, the earlier dist/ untouched."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "dist"
    assert run("build", "--project", mini, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (mini / "queries" / "slow-violation.rq").write_text(
        "# title: slow\n# description: a cartesian product of four patterns\n"
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } LIMIT 1 OFFSET 999999999999\n")
    command = [sys.executable, "-m", "tipkg", "build", "--project", str(mini), "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    time.sleep(5)  # past loading, SHACL and reasoning, into the slow rule (60 s before its budget ends)
    assert process.poll() is None, "the build ended before the signal"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr and "Aborted" not in stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
