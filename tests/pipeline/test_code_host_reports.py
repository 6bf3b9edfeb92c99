"""`tipkg validate --format sarif|github`: reports that code hosts show on the files of a change.

SARIF is checked against the parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that tipkg
writes, restated here as a JSON Schema with the same names, types, enums and minimums, and closed objects
(`additionalProperties: false`) so that a misspelt property fails; no schema is fetched.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from pipeline_support import CASES, MINI, run

MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}},
           "additionalProperties": False}
PROPERTY_BAG = {"type": "object"}
PHYSICAL = {
    "type": "object",
    "required": ["artifactLocation"],
    "properties": {
        "artifactLocation": {
            "type": "object", "required": ["uri"], "additionalProperties": False,
            "properties": {"uri": {"type": "string", "format": "uri-reference"},
                           "uriBaseId": {"type": "string"}},
        },
        "region": {"type": "object", "required": ["startLine"], "additionalProperties": False,
                   "properties": {"startLine": {"type": "integer", "minimum": 1}}},
    },
    "additionalProperties": False,
}
LOGICAL = {"type": "object", "additionalProperties": False,
           "properties": {"fullyQualifiedName": {"type": "string"}, "kind": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "additionalProperties": False,
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "additionalProperties": False,
                         "properties": {
                    "driver": {"type": "object", "required": ["name"], "additionalProperties": False,
                               "properties": {
                                   "name": {"type": "string"},
                                   "version": {"type": "string"},
                                   "rules": {"type": "array", "uniqueItems": True, "items": {
                                       "type": "object", "required": ["id"], "additionalProperties": False,
                                       "properties": {"id": {"type": "string"}, "shortDescription": MESSAGE,
                                                      "properties": PROPERTY_BAG}}},
                               }}}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"}}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "additionalProperties": False,
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": MESSAGE,
                        "locations": {"type": "array", "items": {
                            "type": "object", "additionalProperties": False,
                            "properties": {"physicalLocation": PHYSICAL,
                                           "logicalLocations": {"type": "array", "items": LOGICAL}}}},
                        "partialFingerprints": {"type": "object",
                                                "additionalProperties": {"type": "string"}},
                    },
                }},
                "properties": PROPERTY_BAG,
            },
        }},
    },
}


@pytest.fixture
def broken(mini: Path) -> Path:
    """The small project with a violation (a phone number), warnings (acronyms) and a canned query whose
    answer differs from its expected one."""
    shutil.copy(CASES / "bad-phone" / "data.trig", mini / "data" / "phone.trig")
    shutil.copy(CASES / "acronym-warning" / "data.trig", mini / "data" / "acronym.trig")
    shutil.copy(CASES / "expected-results-differ" / "data.trig", mini / "data" / "differ.trig")
    return mini


def sarif(project: Path, *extra: str) -> dict:
    result = run("validate", "--project", project, "--format", "sarif", *extra)
    assert result.exit_code == 1, result.output
    log = json.loads(result.stdout)
    jsonschema.validate(log, SARIF_SUBSET, format_checker=jsonschema.FormatChecker())
    return log


def test_sarif_report(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken)
    log = sarif(broken)
    findings = json.loads(run("validate", "--project", broken, "--format", "json").stdout)["findings"]
    run_ = log["runs"][0]
    assert run_["tool"]["driver"]["name"] == "tipkg"
    results, rules = run_["results"], run_["tool"]["driver"]["rules"]
    assert len(results) == len(findings) == 4
    for result in results:  # every result names its rule, at its index
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    phone = next(r for r in results if r["level"] == "error" and "555-1234" in r["message"]["text"])
    assert phone["message"]["text"] == ('id:tip-line "Tip line": schema:telephone = "555-1234" - '
                                        "A hotline needs a telephone number like 1-888-373-7888.")
    physical = phone["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "data/phone.trig", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 10}}
    assert phone["locations"][0]["logicalLocations"] == [
        {"fullyQualifiedName": "https://w3id.org/tipkg/id/tip-line", "kind": "resource"}]
    assert [r["level"] for r in results].count("warning") == 2
    query = next(r for r in results if r["ruleId"] == "queries/organisations.rq")
    assert query["level"] == "error"
    assert query["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "queries/organisations.rq", "uriBaseId": "%SRCROOT%"}}
    assert rules[query["ruleIndex"]]["shortDescription"]["text"] == (
        "canned query queries/organisations.rq gives its expected answer")
    assert run_["properties"]["conforms"] is False


def test_sarif_paths_are_from_the_current_folder(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In CI the current folder is the repository root; a project in a subfolder keeps that folder in paths,
    and the same findings keep their fingerprints."""
    monkeypatch.chdir(broken)
    here = sarif(broken)["runs"][0]["results"]
    monkeypatch.chdir(broken.parent)
    above = sarif(broken)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in above
            if "physicalLocation" in r["locations"][0]}
    assert "mini/data/phone.trig" in uris and "mini/queries/organisations.rq" in uris
    assert [r["partialFingerprints"] for r in here] == [r["partialFingerprints"] for r in above]
    elsewhere = broken.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a file outside the current folder is named by its file: URI
    outside = sarif(broken)["runs"][0]["results"]
    phone = next(r for r in outside if "555-1234" in r["message"]["text"])
    assert phone["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": (broken / "data" / "phone.trig").resolve().as_uri()}


def test_sarif_is_deterministic_and_clean_when_the_graph_holds(broken: Path) -> None:
    first = run("validate", "--project", broken, "--format", "sarif").stdout
    assert run("validate", "--project", broken, "--format", "sarif").stdout == first
    clean = run("validate", "--project", MINI, "--format", "sarif")
    assert clean.exit_code == 0
    log = json.loads(clean.stdout)
    jsonschema.validate(log, SARIF_SUBSET)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["properties"]["conforms"] is True


def test_github_annotations(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(broken.parent)
    result = run("validate", "--project", broken, "--format", "github", "--fail-on", "warning")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "FAILED: 2 violation(s), 2 warning(s), 0 info (fails on warning)"
    command = re.compile(r"^::(error|warning|notice) "
                         r"((?:file|line|title)=[^,:]*(?:,(?:file|line|title)=[^,:]*)*)::(.+)$")
    parsed = [command.match(line) for line in lines[:-1]]
    assert all(parsed) and len(parsed) == 4, lines
    assert ('::error file=mini/data/phone.trig,line=10,title=tipkg.shacl::id:tip-line "Tip line": '
            'schema:telephone = "555-1234" - A hotline needs a telephone number like 1-888-373-7888.'
            ) in lines
    acronym = "::warning file=mini/data/acronym.trig,line=10,title=shape%3AOrganizationAcronym::"
    assert any(line.startswith(acronym) for line in lines)  # ':' in a property is escaped
    assert any(line.startswith("::error file=mini/queries/organisations.rq,title=queries/organisations.rq::")
               for line in lines)


def test_github_escapes_what_would_end_a_command() -> None:
    from tipkg.report import escape_data, escape_property

    assert escape_data("50% done\nnext\r") == "50%25 done%0Anext%0D"
    assert escape_property("tipsh:Shape,x") == "tipsh%3AShape%2Cx"
