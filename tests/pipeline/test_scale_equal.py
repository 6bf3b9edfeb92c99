"""Issue 10's "nothing is lost on the way": a generated project of about 10,000 triples
(`benchmarks/scale_project.py`, the instrument `benchmarks/scale.py` measures with) is built by tipkg and
read by the naive chain (rdflib parse, owlrl, pySHACL); the outputs must be the same graphs, and a seeded
broken copy must give the same violations.

No time is asserted here; the figures come from `benchmarks/scale.py`. CI runs the 10k project; the same
checks at another size: `TIPKG_SCALE_EQUAL_TRIPLES=100000 pytest tests/pipeline/test_scale_equal.py` (about
ten minutes at 100k, most of it owlrl and pySHACL).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from pipeline_support import REPO, run
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

sys.path.insert(0, str(REPO / "benchmarks"))
import scale_project  # noqa: E402 - the generator the benchmark uses

from tipkg.load import load_project  # noqa: E402
from tipkg.project import Project  # noqa: E402
from tipkg.reason import Reasoner, reason  # noqa: E402
from tipkg.terms import from_ox  # noqa: E402

TRIPLES = int(os.environ.get("TIPKG_SCALE_EQUAL_TRIPLES", "10000"))
SEED = 7
FORMATS = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}


def parsed(folder: Path) -> Dataset:
    """Every RDF file of a folder, as rdflib reads it (the naive chain's parse)."""
    dataset = Dataset()
    for path in scale_project.rdf_files(folder):
        dataset.parse(path, format=FORMATS[path.suffix])
    return dataset


def union(*graphs: Graph | Dataset) -> Graph:
    merged = Graph()
    for graph in graphs:
        triples = graph.quads((None, None, None, None)) if isinstance(graph, Dataset) else graph
        for s, p, o, *_ in triples:
            merged.add((s, p, o))
    return merged


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale") / "project"
    scale_project.generate(out, TRIPLES)
    return out


@pytest.fixture(scope="module")
def dist(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scale-dist") / "dist"
    result = run("build", "--project", project, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def naive(project: Path) -> tuple[Dataset, Graph]:
    data = parsed(project / "data")
    return data, union(data, parsed(project / "ontology"))


def test_the_generated_project_has_the_size_asked_for(naive: tuple[Dataset, Graph]) -> None:
    _, full = naive
    assert 0.8 * TRIPLES <= len(full) <= 1.2 * TRIPLES


@pytest.mark.parametrize("name", ["tipkg.nt", "tipkg.ttl", "tipkg.jsonld"])
def test_the_merged_outputs_are_the_naive_union(dist: Path, naive: tuple[Dataset, Graph], name: str) -> None:
    _, full = naive
    written = Graph().parse(dist / name, format="json-ld" if name.endswith(".jsonld") else None)
    assert len(written) == len(full)
    assert isomorphic(written, full)


@pytest.mark.parametrize("name", ["tipkg.nq", "tipkg.trig"])
def test_every_named_graph_is_the_naive_one(dist: Path, naive: tuple[Dataset, Graph], name: str) -> None:
    data, _ = naive
    written = Dataset().parse(dist / name)

    def named(dataset: Dataset) -> dict[str, set]:
        return {str(g.identifier): set(g) for g in dataset.graphs()
                if isinstance(g.identifier, URIRef) and len(g) and "urn:x-rdflib:default" not in g.identifier}

    expected = named(data)
    assert len(expected) > 100  # one graph per sentence per copy
    assert named(written) == expected


def test_inferred_is_what_owlrl_entails(project: Path, dist: Path) -> None:
    """inferred.ttl (the store engine, the default) holds exactly what owlrl (the reference) entails and
    tipkg publishes, through the same one definition of what is published."""
    by_owlrl = reason(load_project(Project(project)), Reasoner.OWLRL)
    expected = {(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in by_owlrl.entailments}
    written = Graph().parse(dist / "inferred.ttl")
    assert len(written) > 1000 and set(written) == expected


def shacl_results(report: Graph) -> set[tuple[str, str, str]]:
    """pySHACL's results as (focus node, result path, value), the way both sides can name them."""
    return {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath) or ""),
             str(report.value(r, SH.value) or ""))
            for r in report.subjects(RDF.type, SH.ValidationResult)}


def test_a_seeded_broken_copy_gives_the_naive_violations(project: Path, tmp_path: Path) -> None:
    import pyshacl

    broken = scale_project.make_broken(project, SEED, tmp_path / "broken")
    manifest = json.loads((broken / "broken.json").read_text())["breaks"]
    result = run("validate", "--project", broken, "--format", "json")
    assert result.exit_code == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]

    data = parsed(broken / "data")
    conforms, report, _ = pyshacl.validate(union(data), shacl_graph=union(parsed(broken / "shapes")),
                                           ont_graph=union(parsed(broken / "ontology")), inference="none",
                                           advanced=True, abort_on_first=False)
    assert not conforms
    ours = {(f["focus"], f["path_iri"] or "") for f in findings if f["check"] == "shacl"}
    assert ours == {(focus, path) for focus, path, _ in shacl_results(report)}
    for fault in manifest:  # every seeded fault is reported, by a shape or by the consistency check
        assert any(f["focus"] == fault["node"] for f in findings), fault
