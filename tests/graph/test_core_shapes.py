"""shapes/tipkg-core.ttl is SHACL Core only, so that a core-only SHACL engine (rdf-validate-shacl, SHACL
playgrounds) runs it; shapes/tipkg-sparql.ttl adds the SHACL-SPARQL constraints and the SPARQL target, and
`tipkg validate` loads both.

The core shapes alone accept the fact-sheet data and find every expected failure of tests/cases/ that is not
a SPARQL one, with a plain SHACL run (pyshacl with no SHACL-SPARQL or advanced feature in its shapes graph).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from tests.graph.test_shapes import CASE_DIRS, case_project, expected_results, short

from tipkg.load import LoadedProject
from tipkg.vocab import SH

REPO = Path(__file__).resolve().parent.parent.parent
CORE = REPO / "shapes" / "tipkg-core.ttl"
SPARQL = REPO / "shapes" / "tipkg-sparql.ttl"

# SHACL Core's vocabulary (https://www.w3.org/TR/shacl/, sections 2 to 4): shapes, targets, paths, severities,
# non-validating properties and the core constraint components' parameters.
SHACL_CORE = {
    "Shape", "NodeShape", "PropertyShape", "targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf",
    "path", "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath",
    "severity", "Violation", "Warning", "Info", "message", "deactivated", "name", "description", "order",
    "group", "PropertyGroup", "defaultValue", "class", "datatype", "nodeKind", "IRI", "BlankNode", "Literal",
    "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral", "minCount", "maxCount", "minExclusive",
    "minInclusive", "maxExclusive", "maxInclusive", "minLength", "maxLength", "pattern", "flags",
    "languageIn", "uniqueLang", "equals", "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or",
    "xone", "node", "property", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint", "closed", "ignoredProperties", "hasValue", "in",
}


def shacl_terms(graph: Graph) -> set[str]:
    return {str(term)[len(str(SH)):] for triple in graph for term in triple
            if isinstance(term, URIRef) and str(term).startswith(str(SH))}


def parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def test_core_file_uses_only_shacl_core() -> None:
    used = shacl_terms(parsed(CORE))
    assert used <= SHACL_CORE, f"not SHACL Core: {sorted(used - SHACL_CORE)}"
    assert {"sparql", "select", "SPARQLTarget"} <= shacl_terms(parsed(SPARQL))


def test_core_file_refers_only_to_shapes_it_defines() -> None:
    core = parsed(CORE)
    defined = {s for s in core.subjects(RDF.type, None)} | set(core.subjects(SH.path, None))
    for predicate in (SH.property, SH.node):
        for shape in core.objects(None, predicate):
            assert shape in defined, f"{short(shape)} is used in tipkg-core.ttl but defined elsewhere"


def test_sparql_file_holds_only_what_needs_sparql() -> None:
    """Each shape defined there has a SHACL-SPARQL constraint or a SPARQL target, or is a property of one."""
    sparql = parsed(SPARQL)
    needs = {s for s in sparql.subjects(SH.sparql, None)} | {s for s in sparql.subjects(SH.target, None)}
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in sparql.subjects(RDF.type, kind):
            assert shape in needs or any(sparql.subjects(SH.property, shape)), short(shape)


def test_validate_loads_both(loaded: LoadedProject) -> None:
    assert [p.name for p in loaded.project.shapes_files()] == ["tipkg-core.ttl", "tipkg-sparql.ttl"]
    assert len(loaded.shapes) == len(parsed(CORE)) + len(parsed(SPARQL))


def core_only_results(loaded: LoadedProject) -> set[tuple[str, str]]:
    import pyshacl

    _conforms, results, _text = pyshacl.validate(
        loaded.data_graph(), shacl_graph=parsed(CORE), ont_graph=loaded.ontology, inference="none",
        advanced=False,
    )
    return {(short(results.value(r, SH.sourceShape)), short(results.value(r, SH.focusNode)))
            for r in results.subjects(RDF.type, SH.ValidationResult)}


def test_core_shapes_alone_accept_the_fact_sheet(loaded: LoadedProject) -> None:
    assert core_only_results(loaded) == set()


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_core_shapes_alone_find_the_core_failures(loaded: LoadedProject, case: Path) -> None:
    sparql_only = {short(s) for s in parsed(SPARQL).subjects(RDF.type, None)}
    expected = {(shape, focus) for shape, focus, _ in expected_results(case) if shape not in sparql_only}
    assert core_only_results(case_project(loaded, case)) == expected
