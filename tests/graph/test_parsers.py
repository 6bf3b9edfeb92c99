"""Independent parsers agree with rdflib on every Turtle and TriG file of the project.

`rapper` (Raptor 2) and `serdi` (Serd) each read every file of ontology/, data/ and shapes/ and write
N-Triples (Turtle) or N-Quads (TriG). Their output must be the same set of triples/quads that rdflib reads.
Files without blank nodes are compared as sets of quads (each term in its canonical N-Triples form); files
with blank nodes (the ontology's owl:AllDisjointClasses list) are compared with rdflib graph isomorphism,
graph by graph, after reading the tool's N-Triples/N-Quads output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph
from rdflib.compare import isomorphic

try:  # `python -m pytest` (CI) puts the repo on sys.path; plain `pytest` puts tests/ there
    from tests.conftest import REPO, require_tool
except ModuleNotFoundError:  # pragma: no cover
    from conftest import REPO, require_tool  # type: ignore[no-redef]

FOLDERS = ("ontology", "data", "shapes")
FILES = sorted(p for folder in FOLDERS for p in (REPO / folder).glob("*") if p.suffix in (".ttl", ".trig"))
TOOLS = {
    # tool -> (input syntax, output syntax) per file suffix, and the command line
    "rapper": lambda path, syntax, out: ["rapper", "-q", "-i", syntax, "-o", out, path.as_uri()],
    "serdi": lambda path, syntax, out: ["serdi", "-i", syntax, "-o", out, str(path)],
}
SYNTAX = {".ttl": ("turtle", "ntriples", "nt"), ".trig": ("trig", "nquads", "nquads")}
DEFAULT = None  # the default graph's key in the comparison


def run_tool(tool: str, path: Path) -> str:
    syntax, out, _ = SYNTAX[path.suffix]
    result = subprocess.run(TOOLS[tool](path, syntax, out), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{tool} rejects {path.name}: {result.stderr.strip()[:2000]}"
    assert "error" not in result.stderr.lower(), f"{tool} reports errors on {path.name}: {result.stderr}"
    return result.stdout


def by_graph(dataset: Dataset) -> dict[object, Graph]:
    """The dataset's triples, one rdflib Graph per graph name (None for the default graph)."""
    graphs: dict[object, Graph] = {}
    default = dataset.default_graph.identifier
    for s, p, o, g in dataset.quads((None, None, None, None)):
        key = DEFAULT if g is None or g == default else g
        graphs.setdefault(key, Graph()).add((s, p, o))
    return graphs


def read_rdflib(path: Path) -> dict[object, Graph]:
    dataset = Dataset()
    syntax, _, _ = SYNTAX[path.suffix]
    dataset.parse(path, format=syntax, publicID=path.as_uri())
    return by_graph(dataset)


def read_tool_output(text: str, path: Path) -> dict[object, Graph]:
    _, _, fmt = SYNTAX[path.suffix]
    dataset = Dataset()
    if text.strip():
        dataset.parse(data=text, format=fmt)
    return by_graph(dataset)


def quad_lines(graphs: dict[object, Graph]) -> set[str]:
    return {f"{s.n3()} {p.n3()} {o.n3()} {'' if g is DEFAULT else g.n3()}".strip()
            for g, graph in graphs.items() for s, p, o in graph}


def has_bnodes(graphs: dict[object, Graph]) -> bool:
    return any(isinstance(t, BNode) for graph in graphs.values() for triple in graph for t in triple)


def compare(expected: dict[object, Graph], actual: dict[object, Graph], tool: str, name: str) -> None:
    if not has_bnodes(expected):
        want, got = quad_lines(expected), quad_lines(actual)
        assert got == want, (f"{tool} and rdflib disagree on {name}: only rdflib {sorted(want - got)[:5]}, "
                             f"only {tool} {sorted(got - want)[:5]}")
        return
    assert set(actual) == set(expected), f"{tool} and rdflib see different graphs in {name}"
    for key, graph in expected.items():
        assert len(actual[key]) == len(graph), f"{tool} reads {len(actual[key])} triples, rdflib {len(graph)}"
        assert isomorphic(graph, actual[key]), f"{tool} and rdflib read non-isomorphic graphs from {name}"


def test_every_folder_has_files():
    names = {p.parent.name for p in FILES}
    assert {"ontology", "data"} <= names, FILES
    assert any(p.suffix == ".trig" for p in FILES) and any(p.suffix == ".ttl" for p in FILES)


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_tool_agrees_with_rdflib(tool, path):
    require_tool(tool)
    expected = read_rdflib(path)
    assert expected, f"rdflib reads nothing from {path}"
    compare(expected, read_tool_output(run_tool(tool, path), path), tool, path.name)


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_controls_tool_rejects_broken_turtle_and_comparison_sees_a_difference(tool, tmp_path):
    """The checks can fail: a broken file is rejected, and a one-triple difference is caught."""
    require_tool(tool)
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    with pytest.raises(AssertionError):
        run_tool(tool, broken)

    good = tmp_path / "good.trig"
    good.write_text('@prefix ex: <http://example.org/> .\nex:g { ex:a ex:b "x"@en , [ ex:c 1 ] . }\n'
                    'ex:a ex:d ex:e .\n', encoding="utf-8")
    expected = read_rdflib(good)
    actual = read_tool_output(run_tool(tool, good), good)
    compare(expected, actual, tool, good.name)
    actual[DEFAULT].remove((None, None, None))
    with pytest.raises(AssertionError):
        compare(expected, actual, tool, good.name)
