"""Unusable input: every file of inputs/ (syntax errors, unknown prefixes, Latin-1 bytes, empty files, ...)
and missing files or folders give exit 2 and a message naming the file (file:line:col where there is one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_support import HERE, run, tree_bytes

INPUTS = HERE / "inputs"


def corpus() -> list[tuple[str, str]]:
    rows = []
    for line in (INPUTS / "expected.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, needle = line.partition(" | ")
            rows.append((name.strip(), needle.strip()))
    return rows


CORPUS = corpus()


def test_corpus_covers_every_file() -> None:
    files = {p.name for p in INPUTS.iterdir()} - {"expected.txt"}
    assert files == {name for name, _ in CORPUS}


@pytest.mark.parametrize(("name", "needle"), CORPUS, ids=[n for n, _ in CORPUS])
def test_given_file(name: str, needle: str, mini: Path) -> None:
    path = INPUTS / name
    result = run("validate", "--project", mini, path)
    assert result.exit_code == 2, result.output
    assert f"error: {path}" in result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.mark.parametrize(("name", "needle"), CORPUS, ids=[n for n, _ in CORPUS])
def test_file_in_project(name: str, needle: str, mini: Path) -> None:
    folder = "data" if name.endswith((".ttl", ".trig", ".nt")) else "ontology"
    shutil.copy(INPUTS / name, mini / folder / name)
    result = run("validate", "--project", mini)
    if name == "notes.txt":  # a folder's non-RDF files are not read
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2, result.output
    assert f"error: {mini / folder / name}" in result.stderr
    assert needle in result.stderr


@pytest.mark.parametrize("folder", ["ontology", "shapes"])
def test_broken_ontology_or_shapes(folder: str, mini: Path) -> None:
    shutil.copy(INPUTS / "syntax-error.ttl", mini / folder / "broken.ttl")
    result = run("validate", "--project", mini)
    assert result.exit_code == 2
    assert f"{mini / folder / 'broken.ttl'}:6:1: syntax error" in result.stderr


def test_build_with_broken_input_leaves_dist_alone(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    assert run("build", "--project", mini, "--out", out).exit_code == 0
    before = tree_bytes(out)
    shutil.copy(INPUTS / "latin1.ttl", mini / "data" / "latin1.ttl")
    result = run("build", "--project", mini, "--out", out)
    assert result.exit_code == 2
    assert "latin1.ttl:4:25: not UTF-8" in result.stderr
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "mini"]  # no staging folder left behind


def test_missing_project_folder(tmp_path: Path) -> None:
    result = run("validate", "--project", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"project folder not found: {tmp_path / 'nowhere'}" in result.stderr


def test_missing_data_folder(mini: Path) -> None:
    shutil.rmtree(mini / "data")
    result = run("validate", "--project", mini)
    assert result.exit_code == 2
    assert f"folder not found: {mini / 'data'}" in result.stderr


def test_missing_file(mini: Path) -> None:
    result = run("validate", "--project", mini, mini / "data" / "nothere.trig")
    assert result.exit_code == 2
    assert f"{mini / 'data' / 'nothere.trig'}: file not found" in result.stderr


def test_broken_query_file(mini: Path) -> None:
    query = "# title: broken\n# description: a pattern with two terms\nSELECT ?x WHERE { ?x ?y }\n"
    (mini / "queries" / "broken-violation.rq").write_text(query)
    result = run("validate", "--project", mini)
    assert result.exit_code == 2
    assert "broken-violation.rq" in result.stderr
    assert "SPARQL syntax error" in result.stderr


def test_diff_missing_side(mini: Path, tmp_path: Path) -> None:
    result = run("diff", mini, tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"{tmp_path / 'nowhere'}: not found" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--format", "xml"],
        ["validate", "--fail-on", "info"],
        ["build", "--reasoner", "hermit"],
        ["diff", "only-one"],
    ],
)
def test_usage_errors(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_out_is_a_file(mini: Path, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.write_text("not a folder")
    result = run("build", "--project", mini, "--out", out)
    assert result.exit_code == 2
    assert "exists and is not a folder" in result.stderr
    assert out.read_text() == "not a folder"


def test_out_with_other_files_is_not_replaced(mini: Path) -> None:
    """`--out .` or any folder holding more than a build is refused, never wiped."""
    before = tree_bytes(mini)
    result = run("build", "--project", mini, "--out", mini)
    assert result.exit_code == 2
    assert "holds files that are not part of a build (data, ontology, queries, shapes)" in result.stderr
    assert tree_bytes(mini) == before
