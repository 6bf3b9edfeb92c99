"""Fixtures of the pipeline tests: a small project to break, the CLI in-process, and one build of the bundled
graph shared by the round-trip tests (building is the slow part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_support import MINI, REPO, run

from tipkg.load import LoadedProject, load_project
from tipkg.project import Project


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A fresh copy of the small fixture project, safe to change."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


def built(tmp_path_factory: pytest.TempPathFactory, project: Path, name: str) -> Path:
    out = tmp_path_factory.mktemp(name) / "dist"
    result = run("build", "--project", project, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def built_from() -> LoadedProject:
    """The bundled graph as loaded just before `bundled_dist` is built (what the build must reproduce; the
    content folders may be edited while a session runs)."""
    return load_project(Project(REPO))


@pytest.fixture(scope="session")
def bundled_dist(tmp_path_factory: pytest.TempPathFactory, built_from: LoadedProject) -> Path:
    """dist/ built once from the bundled fact-sheet graph."""
    return built(tmp_path_factory, REPO, "bundled")


@pytest.fixture(scope="session")
def mini_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ built once from the small fixture project."""
    return built(tmp_path_factory, MINI, "mini")
