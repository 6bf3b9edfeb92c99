"""Every case of the bad-input corpus through `tipkg validate` and `tipkg build` (in-process, click's runner):
the documented exit code, a message that names the file (and line) where there is one, never a traceback,
and a failed build leaves the previous dist/ as it was, with no staging folder beside it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from corpus_cases import CASES, Case

from tipkg.cli import main

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "pipeline" / "fixtures" / "mini"


def run(*args: str | Path) -> Result:
    """`tipkg ARGS` in-process; an exception that escapes the CLI fails the test (no traceback allowed)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def previous_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good build of the small project: what a failed build must leave alone."""
    out = tmp_path_factory.mktemp("previous") / "dist"
    result = run("build", "--project", MINI, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


def expected_exit(case: Case, project: Path) -> int:
    """The case's exit code; a file made unreadable is read anyway by root, and then the project holds."""
    if case.unless_readable and os.access(project / case.unless_readable, os.R_OK):
        return 0
    return case.exit


def check_message(case: Case, project: Path, result: Result) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert case.says in output, output
    if case.where is None:
        return
    if case.exit == 2:  # `error: /full/path/file:line:col: ...`
        assert f"error: {project / case.where}" in result.stderr, result.stderr
    else:  # a report names the file relative to the project
        assert case.where in output, output


def test_corpus_is_large_and_named_once() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case(case: Case, tmp_path: Path, previous_dist: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(MINI, project)
    case.make(project)
    expected = expected_exit(case, project)

    validate_args = [a for a in case.args if not case.build_only]  # --publish-timeout is build's
    validated = run("validate", "--project", project, *validate_args)
    assert validated.exit_code == (0 if case.build_only else expected), validated.output
    out = tmp_path / "dist"
    shutil.copytree(previous_dist, out)
    before = tree_bytes(out)
    built = run("build", "--project", project, "--out", out, *case.args)
    assert built.exit_code == expected, built.output

    if expected == 0:
        assert "error:" not in validated.stderr + built.stderr
        assert f"wrote {out}/" in built.stderr and (out / "tipkg.ttl").is_file()
        return
    if not case.build_only:
        check_message(case, project, validated)
    check_message(case, project, built)
    assert tree_bytes(out) == before  # the previous build, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "project"]  # nothing staged left behind


def test_pipe_given_as_a_data_file_is_refused_not_read(tmp_path: Path) -> None:
    """A FILE argument skips the folder checks; reading a pipe would wait for a writer forever."""
    pipe = tmp_path / "pipe.ttl"
    os.mkfifo(pipe)
    result = run("validate", "--project", MINI, pipe)
    assert result.exit_code == 2
    assert f"error: {pipe}: not a regular file" in result.stderr


def test_query_check_has_the_query_budget_too(tmp_path: Path) -> None:
    """`tipkg query check` runs the same checks as validate, within the same --query-timeout."""
    project = tmp_path / "project"
    shutil.copytree(MINI, project)
    [case] = [case for case in CASES if case.name == "violation-query-cartesian"]
    case.make(project)
    result = run("query", "check", "--project", project, *case.args)
    assert result.exit_code == 2, result.output
    assert case.says in result.stderr
