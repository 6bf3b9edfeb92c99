"""`tipkg init`: a new project that validates and builds as it is, under the base IRI asked for."""

from __future__ import annotations

from pathlib import Path

from pipeline_support import run, tree_bytes

from tipkg.scaffold import STARTER_BASE, starter_files


def test_init_then_validate_and_build(tmp_path: Path) -> None:
    project = tmp_path / "my-graph"
    result = run("init", project, "--base", "https://example.net/graph/")
    assert result.exit_code == 0, result.output
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == {
        "ontology/ontology.ttl", "data/example.trig", "data/provenance.ttl", "data/sources/source.txt",
        "shapes/shapes.ttl", "queries/hotlines.rq", "queries/hotlines.expected.csv"}
    texts = "".join(p.read_text(encoding="utf-8") for p in project.rglob("*") if p.is_file())
    assert STARTER_BASE not in texts
    assert "@prefix id: <https://example.net/graph/id/> ." in texts

    validated = run("validate", "--project", project)
    assert validated.exit_code == 0, validated.output
    assert "expected-results  hotlines: ok" in validated.stdout  # the canned query's answer is checked
    built = run("build", "--project", project, "--out", tmp_path / "dist")
    assert built.exit_code == 0, built.output
    assert "https://example.net/graph/id/example-hotline" in (tmp_path / "dist" / "tipkg.nt").read_text()


def test_init_default_base_matches_the_starter(tmp_path: Path) -> None:
    assert run("init", tmp_path / "p").exit_code == 0
    copied = tree_bytes(tmp_path / "p")
    assert len(copied) == len(starter_files())
    assert all(STARTER_BASE in text.decode() for name, text in copied.items() if name.endswith(".trig"))


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("mine")
    result = run("init", tmp_path / "p")
    assert result.exit_code == 2
    assert "is not an empty folder" in result.stderr
    assert (tmp_path / "p" / "notes.txt").read_text() == "mine"  # nothing touched


def test_init_refuses_a_bad_base(tmp_path: Path) -> None:
    refused = (("http://a b/", "not an absolute IRI"), ("https://example.org/x", "must end with '/'"))
    for base, needle in refused:
        result = run("init", tmp_path / "p", "--base", base)
        assert result.exit_code == 2
        assert needle in result.stderr
        assert not (tmp_path / "p").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no staging folder left behind
