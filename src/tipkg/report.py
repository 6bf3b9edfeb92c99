"""Write a validation `Report` as text (for people), JSON (for scripts), Turtle (a SHACL validation report,
for RDF tools), JUnit XML (for CI dashboards), SARIF 2.1.0 (for code hosts' code-scanning views) or GitHub
Actions workflow commands (annotations on the files of a pull request). Every writer is deterministic: same
report, same bytes.

File paths in a finding are relative to the project folder (`root`); SARIF and GitHub output give them
relative to the current folder instead (in CI, the repository root, which is what code hosts resolve paths
from), or as an absolute file URI when the file is outside it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Identifier
from rdflib.util import from_n3

from tipkg import __version__
from tipkg.terms import short
from tipkg.validate import Check, FailOn, Finding, Report, Severity
from tipkg.vocab import SH, bind_prefixes

RESULT_BASE = "urn:tipkg:validation:"


class ReportFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    TURTLE = "turtle"
    JUNIT = "junit"
    SARIF = "sarif"
    GITHUB = "github"


def render(report: Report, fmt: ReportFormat, fail_on: FailOn = FailOn.VIOLATION,
           root: Path | None = None) -> str:
    if fmt is ReportFormat.SARIF:
        return render_sarif(report, fail_on, root)
    if fmt is ReportFormat.GITHUB:
        return render_github(report, fail_on, root)
    writer = {
        ReportFormat.TEXT: render_text,
        ReportFormat.JSON: render_json,
        ReportFormat.TURTLE: render_turtle,
        ReportFormat.JUNIT: render_junit,
    }[fmt]
    return writer(report, fail_on)


def summary_line(report: Report, fail_on: FailOn) -> str:
    counts = (
        f"{report.count(Severity.VIOLATION)} violation(s), {report.count(Severity.WARNING)} warning(s), "
        f"{report.count(Severity.INFO)} info"
    )
    verdict = "FAILED" if report.failed(fail_on) else "OK"
    return f"{verdict}: {counts} (fails on {fail_on.value})"


# --- text -------------------------------------------------------------------------------------------------


def render_text(report: Report, fail_on: FailOn = FailOn.VIOLATION) -> str:
    lines: list[str] = []
    for focus, findings in report.by_focus():
        if focus is None:
            lines.append("(no single resource)")
        else:
            head = short(focus)
            first = findings[0]
            if first.label:
                head += f' "{first.label}"'
            if first.location:
                head += f"  ({first.location})"
            lines.append(head)
        for finding in findings:
            lines.append("  " + finding_line(finding))
    if lines:
        lines.append("")
    lines += run_lines(report)
    lines.append(summary_line(report, fail_on))
    return "\n".join(lines) + "\n"


def run_lines(report: Report) -> list[str]:
    """One line per check that ran alone; for the query checks, the failing ones and a count of the rest."""
    lines = []
    for check in Check:
        runs = [run for run in report.runs if run.check is check]
        failing = [run for run in runs if run.findings]
        if len(runs) == 1 or failing:
            for run in failing if len(runs) > 1 else runs:
                state = "ok" if run.findings == 0 else f"{run.findings} finding(s)"
                lines.append(f"{check.value:>16}  {run.name}: {state}")
        passing = len(runs) - len(failing)
        if len(runs) > 1 and passing:
            lines.append(f"{check.value:>16}  {passing} {'more ' if failing else ''}queries: ok")
    return lines


def finding_line(finding: Finding) -> str:
    parts = [f"{finding.severity.word}:"]
    if finding.path:
        parts.append(finding.path)
    if finding.value and finding.value_n3 != f"<{finding.focus}>":  # a node shape's value is its focus node
        parts.append(f"= {finding.value}")
    parts.append(f"- {finding.message}")
    if finding.source:
        parts.append(f"[{finding.source}]")
    return " ".join(parts)


def located_line(finding: Finding) -> str:
    """A finding on one line with its resource, label and file:line first (for JUnit, which has no groups)."""
    if finding.focus is None:
        return finding_line(finding)
    head = short(finding.focus) + (f' "{finding.label}"' if finding.label else "")
    if finding.location:
        head += f" ({finding.location})"
    return f"{head}: {finding_line(finding)}"


# --- JSON -------------------------------------------------------------------------------------------------


def finding_dict(finding: Finding) -> dict:
    data = asdict(finding)
    data["check"] = finding.check.value
    data["severity"] = finding.severity.word
    return data


def render_json(report: Report, fail_on: FailOn = FailOn.VIOLATION) -> str:
    document = {
        "conforms": not report.failed(fail_on),
        "fail_on": fail_on.value,
        "counts": {severity.word: report.count(severity) for severity in Severity},
        "checks": [
            {"check": run.check.value, "name": run.name, "findings": run.findings} for run in report.runs
        ],
        "findings": [finding_dict(finding) for finding in report.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- Turtle: a SHACL validation report --------------------------------------------------------------------


def render_turtle(report: Report, fail_on: FailOn = FailOn.VIOLATION) -> str:
    graph = Graph()
    bind_prefixes(graph)
    root = URIRef(RESULT_BASE + "report")
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(not report.failed(fail_on))))
    width = len(str(len(report.findings)))
    for index, finding in enumerate(report.findings, start=1):
        node = URIRef(f"{RESULT_BASE}result-{index:0{width}d}")  # IRIs, not blank nodes: stable output
        graph.add((root, SH.result, node))
        add_result(graph, node, finding)
    return graph.serialize(format="turtle")


def add_result(graph: Graph, node: URIRef, finding: Finding) -> None:
    graph.add((node, RDF.type, SH.ValidationResult))
    graph.add((node, SH.resultSeverity, finding.severity.iri))
    graph.add((node, SH.resultMessage, Literal(finding.message)))
    graph.add((node, RDFS.comment, Literal(f"check: {finding.check.value}")))
    if finding.focus and not finding.focus.startswith("_:"):  # the report itself has no blank nodes
        graph.add((node, SH.focusNode, URIRef(finding.focus)))
    elif finding.focus:
        graph.add((node, RDFS.comment, Literal(f"focus node: blank node {finding.focus}")))
    if finding.path_iri:
        graph.add((node, SH.resultPath, URIRef(finding.path_iri)))
    value = from_n3(finding.value_n3) if finding.value_n3 else None
    if isinstance(value, Identifier):
        graph.add((node, SH.value, value))
    if finding.shape_iri:
        graph.add((node, SH.sourceShape, URIRef(finding.shape_iri)))
    elif finding.source:
        graph.add((node, RDFS.seeAlso, Literal(finding.source)))
    if finding.location:
        graph.add((node, RDFS.comment, Literal(f"defined at {finding.location}")))


# --- JUnit XML --------------------------------------------------------------------------------------------


def render_junit(report: Report, fail_on: FailOn = FailOn.VIOLATION) -> str:
    suites = ElementTree.Element("testsuites", name="tipkg validate")
    for check in Check:
        runs = [run for run in report.runs if run.check is check]
        if not runs:
            continue
        findings = [f for f in report.findings if f.check is check]
        cases = junit_cases(check, runs, findings)
        failing = sum(
            1
            for _, failures, _ in cases
            if any(f.severity.value >= fail_on.threshold.value for f in failures)
        )
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=check.value,
            tests=str(len(cases)),
            failures=str(failing),
            errors="0",
            skipped="0",
        )
        for name, case_findings, location in cases:
            add_case(suite, check, name, case_findings, location, fail_on)
    suites.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    suites.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    ElementTree.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
    )


def junit_cases(
    check: Check, runs: list, findings: list[Finding]
) -> list[tuple[str, list[Finding], str | None]]:
    """SHACL, consistency: a case per focus node with findings (or one passing case); queries: per query."""
    if check in (Check.SHACL, Check.CONSISTENCY):
        groups: dict[str, list[Finding]] = {}
        for finding in findings:
            groups.setdefault(finding.focus or "(graph)", []).append(finding)
        if not groups:
            return [(runs[0].name, [], None)]
        return [(focus, group, group[0].location) for focus, group in sorted(groups.items())]
    cases: list[tuple[str, list[Finding], str | None]] = []
    for run in runs:
        mine = [f for f in findings if f.source and f.source.endswith(f"{run.name}.rq")]
        cases.append((run.name, mine, None))
    return cases


def add_case(
    suite: ElementTree.Element,
    check: Check,
    name: str,
    findings: list[Finding],
    location: str | None,
    fail_on: FailOn,
) -> None:
    case = ElementTree.SubElement(suite, "testcase", classname=f"tipkg.{check.value}", name=name)
    if location:
        path, _, line = location.rpartition(":")
        case.set("file", path)
        case.set("line", line)
    failing = [f for f in findings if f.severity.value >= fail_on.threshold.value]
    if failing:
        failure = ElementTree.SubElement(
            case, "failure", type=failing[0].severity.word, message=failing[0].message
        )
        failure.text = "\n".join(located_line(f) for f in failing)
    others = [f for f in findings if f not in failing]
    if others:
        ElementTree.SubElement(case, "system-out").text = "\n".join(located_line(f) for f in others)


# --- SARIF 2.1.0 and GitHub annotations: findings on files, for code hosts ---------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVELS = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_LEVELS = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
QUERY_CHECKS = (Check.VIOLATION_QUERY, Check.EXPECTED_RESULTS)


def rule_id(finding: Finding) -> str:
    """The shape, rule or query that found it (tipsh:HotlineShape, OWL 2 RL cax-dw, queries/x.rq)."""
    return finding.source or f"tipkg.{finding.check.value}"


def place(finding: Finding, root: Path | None = None) -> tuple[str, int | None] | None:
    """(file, line) of a finding: where its focus node is defined, else the query that found it."""
    if finding.location:
        path, _, line = finding.location.rpartition(":")
        if path and line.isdigit():
            return file_ref(path, root), int(line)
    if finding.check in QUERY_CHECKS and finding.source and finding.source.endswith(".rq"):
        return file_ref(finding.source, root), None
    return None


def file_ref(path: str, root: Path | None) -> str:
    """A finding's file relative to the current folder, else absolute. A relative path is the project's
    (`root`) when the file is there, else it was given relative to the current folder."""
    file = Path(path)
    if not file.is_absolute() and root is not None and (root / file).exists():
        file = root / file
    file = file.resolve()
    try:
        return file.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(file)


def message_text(finding: Finding) -> str:
    """The finding in one sentence: the resource and its label, the path and value, the message."""
    parts = []
    if finding.focus is not None:
        parts.append(short(finding.focus) + (f' "{finding.label}"' if finding.label else "") + ":")
    if finding.path:
        parts.append(finding.path)
    if finding.value and finding.value_n3 != f"<{finding.focus}>":
        parts.append(f"= {finding.value}")
    if len(parts) > (1 if finding.focus is not None else 0):
        parts.append("-")
    parts.append(finding.message)
    return " ".join(parts)


def sarif_location(where: tuple[str, int | None]) -> dict:
    path, line = where
    file = Path(path)
    relative = {"uri": quote(path), "uriBaseId": "%SRCROOT%"}
    artifact = {"uri": file.as_uri()} if file.is_absolute() else relative
    physical: dict = {"artifactLocation": artifact}
    if line is not None:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def fingerprint(finding: Finding) -> str:
    """The same finding keeps its identity when lines move: rule, focus node, path and value."""
    key = "\n".join([rule_id(finding), finding.focus or "", finding.path_iri or finding.path or "",
                     finding.value_n3 or finding.value or "", finding.message])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def rule_description(finding: Finding) -> str:
    name = rule_id(finding)
    if finding.check is Check.SHACL:
        return f"SHACL shape {name}" if finding.source else "a SHACL shape without an IRI"
    if finding.check is Check.CONSISTENCY:
        return f"OWL 2 RL consistency: {name.removeprefix('OWL 2 RL ')}"
    if finding.check is Check.VIOLATION_QUERY:
        return f"quality query {name} returns no rows"
    return f"canned query {name} gives its expected answer"


def render_sarif(report: Report, fail_on: FailOn = FailOn.VIOLATION, root: Path | None = None) -> str:
    """A SARIF 2.1.0 log with one run: a rule per shape, OWL rule or query; a result per finding."""
    rules: dict[str, dict] = {}
    for finding in report.findings:
        rule = rules.setdefault(rule_id(finding), {
            "id": rule_id(finding),
            "shortDescription": {"text": rule_description(finding)},
            "properties": {"check": finding.check.value},
        })
        if finding.shape_iri:
            rule["properties"]["shape"] = finding.shape_iri
    ordered = sorted(rules)
    results = []
    for finding in report.findings:
        result: dict = {
            "ruleId": rule_id(finding),
            "ruleIndex": ordered.index(rule_id(finding)),
            "level": SARIF_LEVELS[finding.severity],
            "message": {"text": message_text(finding)},
        }
        where = place(finding, root)
        locations = [sarif_location(where)] if where else []
        if finding.focus is not None:
            logical = {"fullyQualifiedName": finding.focus, "kind": "resource"}
            if locations:
                locations[0]["logicalLocations"] = [logical]
            else:
                locations.append({"logicalLocations": [logical]})
        if locations:
            result["locations"] = locations
        result["partialFingerprints"] = {"tipkgFinding/v1": fingerprint(finding)}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "tipkg", "version": __version__,
                                    "rules": [rules[name] for name in ordered]}},
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": {
                    "conforms": not report.failed(fail_on),
                    "failOn": fail_on.value,
                    "checks": [{"check": run.check.value, "name": run.name, "findings": run.findings}
                               for run in report.runs],
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, fail_on: FailOn = FailOn.VIOLATION, root: Path | None = None) -> str:
    """GitHub Actions workflow commands: `::error file=F,line=L,title=RULE::message`, one per finding, then
    the summary line. GitHub shows them on the files of the pull request and in the run's summary."""
    lines = []
    for finding in report.findings:
        properties = []
        where = place(finding, root)
        if where is not None:
            properties.append(f"file={escape_property(where[0])}")
            if where[1] is not None:
                properties.append(f"line={where[1]}")
        properties.append(f"title={escape_property(rule_id(finding))}")
        command = GITHUB_LEVELS[finding.severity]
        lines.append(f"::{command} {','.join(properties)}::{escape_data(message_text(finding))}")
    lines.append(summary_line(report, fail_on))
    return "\n".join(lines) + "\n"
