"""The build of the small project, file by file, against the snapshot in snapshots/mini/: a change to any
writer shows here as a graph diff (RDF) or a text diff (JSON). After an intended change, regenerate with

    TIPKG_REGENERATE_SNAPSHOTS=1 pytest tests/pipeline/test_snapshots.py

and review the diff in git like any other change."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest
from pipeline_support import HERE
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, to_isomorphic

SNAPSHOTS = HERE / "snapshots" / "mini"
REGENERATE = os.environ.get("TIPKG_REGENERATE_SNAPSHOTS") == "1"
FORMATS = {".ttl": "turtle", ".nt": "nt", ".owl": "xml", ".trig": "trig", ".nq": "nquads"}


def rdf_diff(expected: Path, actual: Path) -> str:
    """Triples only in one of the two files (named graphs merged), as N-Triples."""
    graphs = []
    for path in (expected, actual):
        dataset = Dataset()
        dataset.parse(path, format=FORMATS[path.suffix])
        graph = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        graphs.append(to_isomorphic(graph))
    _, only_expected, only_actual = graph_diff(*graphs)
    return (
        f"only in the snapshot:\n{only_expected.serialize(format='nt')}"
        f"only in the build:\n{only_actual.serialize(format='nt')}"
    )


def test_snapshot_exists() -> None:
    assert REGENERATE or SNAPSHOTS.is_dir(), "no snapshot: run with TIPKG_REGENERATE_SNAPSHOTS=1"


@pytest.mark.parametrize("name", sorted(p.name for p in SNAPSHOTS.iterdir()) if SNAPSHOTS.is_dir() else [])
def test_file_matches_snapshot(name: str, mini_dist: Path) -> None:
    built, expected = mini_dist / name, SNAPSHOTS / name
    if REGENERATE:
        shutil.copy(built, expected)
    if built.read_bytes() == expected.read_bytes():
        return
    if built.suffix in FORMATS:
        pytest.fail(f"{name} differs from its snapshot\n{rdf_diff(expected, built)}")
    lines = difflib.unified_diff(
        expected.read_text().splitlines(), built.read_text().splitlines(), "snapshot", "build", lineterm=""
    )
    pytest.fail(f"{name} differs from its snapshot\n" + "\n".join(lines))


def test_snapshot_lists_every_file(mini_dist: Path) -> None:
    if REGENERATE:
        SNAPSHOTS.mkdir(parents=True, exist_ok=True)
        for path in mini_dist.iterdir():
            shutil.copy(path, SNAPSHOTS / path.name)
    assert sorted(p.name for p in SNAPSHOTS.iterdir()) == sorted(p.name for p in mini_dist.iterdir())
