"""The shapes accept the fact-sheet data and reject each broken case in tests/cases/ with the expected shape.

A case is the bundled data changed by the case's files: `remove.ttl` (triples taken out of every graph; each
must be there, so a case can never silently stop testing anything) and `add.trig` (statements added).
`expected.txt` lists, one per line, `shape | focus node | start of the message`: the run must report exactly
those (shape, focus) pairs, each with a message that contains the expected text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH

from tipkg.load import LoadedProject, parse_into
from tipkg.vocab import PREFIXES

CASES = Path(__file__).resolve().parent.parent / "cases"
SHAPES_NS = "https://w3id.org/tipkg/shapes#"
NAMESPACES = {**PREFIXES, "tipsh": SHAPES_NS}


@dataclass(frozen=True)
class Result:
    shape: str
    focus: str
    message: str


def short(term) -> str:
    """A term as prefix:local with the project's prefixes (the form expected.txt uses)."""
    text = str(term)
    for prefix, namespace in sorted(NAMESPACES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text


def run_reference_shacl(loaded: LoadedProject) -> Graph:
    """pyshacl as its README shows it: the reference for what the shapes mean (no inference, advanced on)."""
    import pyshacl

    _conforms, results, _text = pyshacl.validate(
        loaded.data_graph(), shacl_graph=loaded.shapes, ont_graph=loaded.ontology,
        inference="none", advanced=True,
    )
    return results


def shacl_results(loaded: LoadedProject) -> list[Result]:
    """Each validation result as (the constraint or shape that failed, focus node, message)."""
    graph = run_reference_shacl(loaded)
    found = []
    for result in graph.subjects(RDF.type, SH.ValidationResult):
        constraint = graph.value(result, SH.sourceConstraint)  # a SHACL-SPARQL rule names itself here
        shape = constraint if isinstance(constraint, URIRef) else graph.value(result, SH.sourceShape)
        messages = [str(m) for m in graph.objects(result, SH.resultMessage)]
        found.append(Result(short(shape), short(graph.value(result, SH.focusNode)), " ".join(messages)))
    return found


def case_project(loaded: LoadedProject, case: Path) -> LoadedProject:
    dataset = Dataset()
    for quad in loaded.data.quads((None, None, None, None)):
        dataset.add(quad)
    removal = case / "remove.ttl"
    if removal.exists():
        for triple in Graph().parse(removal, format="turtle"):
            present = [(triple[0], triple[1], triple[2], g) for *_, g in dataset.quads(triple)]
            assert present, f"{case.name}/remove.ttl: {triple} is not in the data, so the case tests nothing"
            for quad in present:
                dataset.remove(quad)
    addition = case / "add.trig"
    if addition.exists():
        parse_into(dataset, addition)
    return LoadedProject(project=loaded.project, ontology=loaded.ontology, data=dataset, shapes=loaded.shapes)


def expected_results(case: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            shape, focus, message = (part.strip() for part in line.split("|", 2))
            rows.append((shape, focus, message))
    return rows


CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())


def test_there_are_enough_cases():
    assert len(CASE_DIRS) >= 15


def test_the_fact_sheet_data_conforms(loaded):
    assert shacl_results(loaded) == []


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_broken_case_fails_with_expected_shape(loaded, case):
    expected = expected_results(case)
    assert expected, f"{case.name}/expected.txt lists no result"
    found = shacl_results(case_project(loaded, case))
    assert {(r.shape, r.focus) for r in found} == {(shape, focus) for shape, focus, _ in expected}
    for shape, focus, message in expected:
        messages = [r.message for r in found if (r.shape, r.focus) == (shape, focus)]
        assert any(message in m for m in messages), f"{shape} on {focus}: {messages!r} lacks {message!r}"


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_tipkg_validate_reports_the_same_shapes(loaded, case):
    """tipkg's own SHACL path (SPARQL constraints once per shape, Oxigraph targets) names the same failures,
    and a SHACL-SPARQL failure by its rule (e.g. tipsh:PhoneLengthRule), as the reference run does."""
    from tipkg.validate import Sources, shacl_check

    broken = case_project(loaded, case)
    findings = shacl_check(broken, Sources.of(broken))
    found = {(short(f.shape_iri), short(f.focus)) for f in findings}
    assert found == {(shape, focus) for shape, focus, _ in expected_results(case)}
