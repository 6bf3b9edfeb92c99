"""SHACL-SPARQL constraints evaluated once per shape give exactly the findings pyshacl gives node by node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_support import CASES
from rdflib import Graph, URIRef

from tipkg.load import LoadedProject, load_project
from tipkg.project import Project
from tipkg.sparqlshapes import split_shapes, with_values
from tipkg.validate import Sources, shacl_check
from tipkg.vocab import SH


def keys(loaded: LoadedProject, whole_queries: bool) -> list[tuple]:
    findings = shacl_check(loaded, Sources.of(loaded), whole_queries)
    return sorted((f.focus, f.path, f.value, f.message, f.severity, f.source) for f in findings)


def test_bundled_graph_same_findings(loaded: LoadedProject) -> None:
    _, taken = split_shapes(loaded.shapes, loaded.full_graph())
    assert taken, "the bundled shapes have SPARQL constraints to take over"
    assert keys(loaded, True) == keys(loaded, False)


@pytest.mark.parametrize("case", ["own-ancestor", "bad-phone", "wrong-class", "missing-label"])
def test_broken_data_same_findings(case: str, mini: Path) -> None:
    shutil.copy(CASES / case / "data.trig", mini / "data" / "data.trig")
    loaded = load_project(Project(mini))
    accelerated = keys(loaded, True)
    assert accelerated == keys(loaded, False)
    assert accelerated


def test_own_ancestor_found_by_the_taken_constraint(mini: Path) -> None:
    shutil.copy(CASES / "own-ancestor" / "data.trig", mini / "data" / "data.trig")
    loaded = load_project(Project(mini))
    rest, taken = split_shapes(loaded.shapes, loaded.full_graph())
    assert [str(c.shape) for c in taken] == ["https://w3id.org/tipkg/shapes#NotOwnAncestorShape"]
    assert not list(rest.objects(None, SH.sparql))
    focus = {f.focus for f in shacl_check(loaded, Sources.of(loaded)) if "own ancestor" in f.message}
    assert focus == {"https://w3id.org/tipkg/id/a", "https://w3id.org/tipkg/id/b"}


def test_values_block_goes_first_in_where() -> None:
    query = "PREFIX o: <http://www.w3.org/ns/org#>\nSELECT $this WHERE { FILTER NOT EXISTS { $this o:x ?y } }"
    text = with_values(query, [URIRef("http://example.org/a")])
    assert "WHERE {\nVALUES $this { <http://example.org/a> }\n FILTER NOT EXISTS" in text


def test_constraints_left_to_pyshacl() -> None:
    """Shapes with a path, or that another shape refers to, or using $PATH, stay with pyshacl."""
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:Taken a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql ex:q1 .
        ex:WithPath a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:sparql ex:q1 .
        ex:Referred a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql ex:q1 .
        ex:Other a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:Referred .
        ex:UsesPath a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql ex:q2 .
        ex:q1 sh:select "SELECT $this WHERE { $this ex:p ?v }" .
        ex:q2 sh:select "SELECT $this WHERE { $this $PATH ?v }" .
    """,
        format="turtle",
    )
    rest, taken = split_shapes(shapes, Graph())
    assert [str(c.shape) for c in taken] == ["http://example.org/Taken"]
    assert len(list(rest.subject_objects(SH.sparql))) == 3


def test_each_target_select_finds_exactly_the_focus_nodes(loaded: LoadedProject) -> None:
    """A constraint whose shape has only class/subjects-of/objects-of targets runs with them as a subquery
    (`target_select`) instead of a VALUES list: the subquery must select the very nodes listed otherwise."""
    from tipkg.engine import ProjectStore
    from tipkg.sparql import Sparql
    from tipkg.terms import from_ox
    from tipkg.validate import take_over

    store = ProjectStore(loaded)
    taken = [c for c in take_over(loaded, store).taken if c.target]
    assert taken, "the bundled shapes have constraints with core targets"
    for constraint in taken:
        selected = store.query(Sparql.parse(f"SELECT ?this WHERE {constraint.target}")).rows
        assert {from_ox(this) for (this,) in selected} == set(constraint.focus), constraint.shape
