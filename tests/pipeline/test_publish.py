"""`tipkg build`: every published file parses back (rdflib, rapper, serdi, pyld) to the graph that was built,
the output is byte-identical from run to run, and a failed build leaves the previous dist/ as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_support import MINI, REPO, require_tool, run, tree_bytes
from pyld import jsonld
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from tipkg.jsonld import organisations
from tipkg.load import LoadedProject, load_project
from tipkg.project import Project
from tipkg.publish import WRITERS, publish
from tipkg.reason import reason
from tipkg.vocab import ORG, PREFIXES

FILES = sorted([*WRITERS, "void.ttl"])
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "trig": "trig", "nquads": "nquads", "rdfxml": "xml"}


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    pytest.fail(
        f"graphs differ\nonly expected:\n{only_expected.serialize(format='nt')[:3000]}"
        f"\nonly actual:\n{only_actual.serialize(format='nt')[:3000]}"
    )


def parse(path: Path, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(path, format=fmt)
    return graph


def test_files_written(bundled_dist: Path) -> None:
    assert sorted(p.name for p in bundled_dist.iterdir()) == FILES


@pytest.mark.parametrize(
    ("name", "fmt"), [("tipkg.ttl", "turtle"), ("tipkg.nt", "nt"), ("tipkg.jsonld", "json-ld")]
)
def test_dump_is_the_asserted_graph(
    name: str, fmt: str, bundled_dist: Path, built_from: LoadedProject
) -> None:
    assert_isomorphic(built_from.full_graph(), parse(bundled_dist / name, fmt))


@pytest.mark.parametrize(("name", "fmt"), [("tipkg.trig", "trig"), ("tipkg.nq", "nquads")])
def test_named_graphs_are_kept(name: str, fmt: str, bundled_dist: Path, built_from: LoadedProject) -> None:
    dataset = Dataset()
    dataset.parse(bundled_dist / name, format=fmt)
    default = dataset.default_graph.identifier
    published = {(s, p, o, g) for s, p, o, g in dataset.quads((None, None, None, None)) if g != default}
    source_default = built_from.data.default_graph.identifier
    source = {
        (s, p, o, g) for s, p, o, g in built_from.data.quads((None, None, None, None)) if g != source_default
    }
    assert published == source
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    assert_isomorphic(built_from.full_graph(), union)


def test_ontology_and_shapes(bundled_dist: Path, built_from: LoadedProject) -> None:
    assert_isomorphic(built_from.ontology, parse(bundled_dist / "ontology.ttl", "turtle"))
    assert_isomorphic(built_from.ontology, parse(bundled_dist / "ontology.owl", "xml"))
    assert_isomorphic(built_from.shapes, parse(bundled_dist / "shapes.ttl", "turtle"))


def test_inferred_is_what_reasoning_adds(bundled_dist: Path, built_from: LoadedProject) -> None:
    inferred = parse(bundled_dist / "inferred.ttl", "turtle")
    assert len(inferred) > 0
    assert set(inferred) == set(reason(built_from).inferred())
    asserted = built_from.full_graph()
    assert not [t for t in inferred if t in asserted]
    assert not [t for t in inferred for term in t if isinstance(term, BNode)]


def loader_for(folder: Path):
    """A pyld document loader that serves files of one folder and refuses everything else (no network)."""

    def load(url: str, options: dict | None = None) -> dict:
        name = url.rsplit("/", 1)[-1]
        path = folder / name
        if not (url.startswith(folder.as_uri()) or url == name) or not path.is_file():
            raise RuntimeError(f"refusing to load {url}: tests never use the network")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": json.loads(path.read_text(encoding="utf-8")),
        }

    return load


def test_jsonld_read_by_pyld(bundled_dist: Path, built_from: LoadedProject) -> None:
    path = bundled_dist / "tipkg.jsonld"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["@context"] == "context.jsonld"
    nquads = jsonld.to_rdf(
        document,
        {"format": "application/n-quads", "base": path.as_uri(), "documentLoader": loader_for(bundled_dist)},
    )
    graph = Graph()
    graph.parse(data=nquads, format="nt")
    assert_isomorphic(built_from.full_graph(), graph)


def test_jsonld_one_object_per_organisation(bundled_dist: Path, built_from: LoadedProject) -> None:
    document = json.loads((bundled_dist / "tipkg.jsonld").read_text(encoding="utf-8"))
    context = json.loads((bundled_dist / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    ids = [node.get("@id") for node in document["@graph"]]
    assert len(ids) == len(set(ids))
    full = built_from.full_graph()
    organisation_classes = set(
        full.transitive_subjects(URIRef(str(PREFIXES["rdfs"]) + "subClassOf"), ORG.Organization)
    )
    organisations = {
        s for c in organisation_classes for s in full.subjects(RDF.type, c) if isinstance(s, URIRef)
    }
    assert len(organisations) > 20

    def compact(iri: str) -> str:
        best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len)
        prefix = next(p for p, ns in PREFIXES.items() if ns == best)
        return f"{prefix}:{iri[len(best) :]}"

    for organisation in organisations:
        assert compact(str(organisation)) in ids, f"{organisation} is not a top-level object"
    for prefix, namespace in PREFIXES.items():
        assert context[prefix] == namespace
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@language": "en"}
    assert context["subOrganizationOf"] == {"@id": "org:subOrganizationOf", "@type": "@id"}


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("tipkg.ttl", "turtle"),
        ("tipkg.nt", "ntriples"),
        ("ontology.ttl", "turtle"),
        ("void.ttl", "turtle"),
        ("inferred.ttl", "turtle"),
        ("ontology.owl", "rdfxml"),
        ("tipkg.trig", "trig"),
        ("tipkg.nq", "nquads"),
    ],
)
def test_rapper_agrees(name: str, syntax: str, bundled_dist: Path) -> None:
    rapper = require_tool("rapper")
    path = bundled_dist / name
    out = subprocess.run(
        [rapper, "-q", "-i", syntax, "-o", "nquads", str(path)], capture_output=True, text=True, check=True
    ).stdout
    count = len({line for line in out.splitlines() if line.strip()})
    if syntax in ("trig", "nquads"):
        dataset = Dataset()
        dataset.parse(path, format="trig" if syntax == "trig" else "nquads")
        assert count == len(set(dataset.quads((None, None, None, None))))
    else:
        assert count == len(parse(path, RDFLIB_FORMAT[syntax]))


@pytest.mark.parametrize(
    ("name", "syntax"),
    [("tipkg.ttl", "turtle"), ("tipkg.nt", "ntriples"), ("tipkg.trig", "trig"), ("tipkg.nq", "nquads")],
)
def test_serdi_agrees(name: str, syntax: str, bundled_dist: Path) -> None:
    serdi = require_tool("serdi")
    path = bundled_dist / name
    out = subprocess.run([serdi, "-i", syntax, "-o", "nquads", str(path)], capture_output=True, check=True)
    by_serdi = Dataset()
    by_serdi.parse(data=out.stdout.decode("utf-8"), format="nquads")
    by_rdflib = Dataset()
    by_rdflib.parse(path, format=RDFLIB_FORMAT[syntax])
    assert_same_dataset(by_rdflib, by_serdi)


def graphs_of(dataset: Dataset) -> dict:
    graphs: dict = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graphs.setdefault(g, Graph()).add((s, p, o))
    return graphs


def assert_same_dataset(expected: Dataset, actual: Dataset) -> None:
    """Same graph names, and each graph isomorphic (blank node labels differ between parsers)."""
    left, right = graphs_of(expected), graphs_of(actual)
    assert sorted(left) == sorted(right)
    for name, graph in left.items():
        assert_isomorphic(graph, right[name])


def test_void_describes_the_files(bundled_dist: Path, built_from: LoadedProject) -> None:
    void = parse(bundled_dist / "void.ttl", "turtle")
    assert not [t for t in void for term in t if isinstance(term, BNode)]
    dataset = next(void.subjects(RDF.type, VOID.Dataset))
    assert (dataset, RDF.type, DCAT.Dataset) in void
    assert void.value(dataset, VOID.triples).toPython() == len(built_from.full_graph())
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/"
    )
    assert "public domain" in str(void.value(dataset, DCTERMS.rights))
    assert void.value(dataset, DCTERMS.title) is not None
    temporal = void.value(dataset, DCTERMS.temporal)
    assert str(void.value(temporal, DCAT.endDate)) == "2009-04-01"
    assert "as of 2009-04-01" in str(void.value(temporal, URIRef(PREFIXES["rdfs"] + "label")))
    sources = set(void.objects(dataset, DCTERMS.source))
    assert sources and sources <= set(built_from.data_graph().objects(None, DCTERMS.source))
    sizes = {}
    for distribution in void.objects(dataset, DCAT.distribution):
        name = str(void.value(distribution, DCAT.downloadURL)).rsplit("/", 1)[-1]
        sizes[name] = void.value(distribution, DCAT.byteSize).toPython()
        assert void.value(distribution, DCAT.mediaType) is not None or name == "context.jsonld"
    assert sizes == {name: (bundled_dist / name).stat().st_size for name in FILES if name != "void.ttl"}
    partitions = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(dataset, VOID.classPartition)
    }
    full = built_from.full_graph()  # VoID counts the dataset the dumps hold: ontology and data
    classes = set(full.objects(None, RDF.type))
    assert partitions == {cls: len(set(full.subjects(RDF.type, cls))) for cls in classes}
    assert set(void.objects(dataset, VOID.exampleResource))
    assert Literal("2009-04-01", datatype=URIRef(PREFIXES["xsd"] + "date")) in set(
        void.objects(temporal, None)
    )


def test_build_is_byte_identical_in_another_process(bundled_dist: Path, tmp_path: Path) -> None:
    """Same bytes from a second process with another hash seed (set and dict order must not leak out)."""
    out = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run(
        [sys.executable, "-m", "tipkg", "build", "--project", str(REPO), "--out", str(out)],
        check=True,
        capture_output=True,
        env=env,
    )
    assert tree_bytes(out) == tree_bytes(bundled_dist)


def test_build_twice_same_bytes(tmp_path: Path) -> None:
    for name in ("one", "two"):
        assert run("build", "--project", MINI, "--out", tmp_path / name).exit_code == 0
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_failing_writer_leaves_old_dist(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run("build", "--project", mini, "--out", out).exit_code == 0
    before = tree_bytes(out)
    loaded = load_project(Project(mini))

    def broken(build):
        raise OSError("disk full (simulated)")

    writers = {**WRITERS, "zz-broken.ttl": broken}
    with pytest.raises(OSError, match="disk full"):
        publish(loaded, reason(loaded), out, writers=writers)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "mini"]


def test_failed_check_writes_nothing(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run("build", "--project", mini, "--out", out).exit_code == 0
    before = tree_bytes(out)
    (mini / "data" / "state.trig").write_text(
        (mini / "data" / "state.trig").read_text().replace('"1-888-373-7888"', '"call us"')
    )
    result = run("build", "--project", mini, "--out", out)
    assert result.exit_code == 1
    assert "A hotline needs a telephone number" in result.stderr
    assert f"nothing was written to {out}" in result.stderr
    assert tree_bytes(out) == before


def test_build_into_new_nested_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "dist"
    result = run("build", "--project", MINI, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert "wrote" in result.stderr and "tipkg.ttl" in result.stderr
    assert result.stdout == ""


def test_jsonld_responsibilities_in_their_organisation(bundled_dist: Path, built_from: LoadedProject) -> None:
    """A responsibility that names one organisation (and no other) reads inside that organisation's object."""
    document = json.loads((bundled_dist / "tipkg.jsonld").read_text(encoding="utf-8"))
    top = {node["@id"]: node for node in document["@graph"]}
    data = built_from.data_graph()
    responsibility_of = URIRef(PREFIXES["tip"] + "responsibilityOf")
    checked = 0
    orgs = {URIRef(iri) for iri in organisations(built_from)}
    for role in set(data.subjects(responsibility_of, None)):
        holders = list(data.objects(role, responsibility_of))
        other_orgs = [o for p, o in data.predicate_objects(role) if o in orgs and p != responsibility_of]
        if len(holders) != 1 or other_orgs or any(True for _ in data.subjects(None, role)):
            continue  # the rule: nothing points to it, and it points to exactly one organisation
        holder = top[compact_id(str(holders[0]))]
        nested = holder["@reverse"]["responsibilityOf"]
        assert compact_id(str(role)) in [node["@id"] for node in nested]
        assert compact_id(str(role)) not in top
        checked += 1
    assert checked > 10


def compact_id(iri: str) -> str:
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len)
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"
