"""Fixtures shared by every test folder: the bundled project and external tools.

A test that needs a Debian tool (rapper, serdi, java, chromium, oxigraph) calls `require_tool`: it skips with
a clear reason when the tool is missing, except under CI=true where a missing tool is a failure, so that
CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tipkg.load import LoadedProject, load_project
from tipkg.project import Project

REPO = Path(__file__).resolve().parent.parent


def require_tool(name: str) -> str:
    """The path of an external program, or skip (fail under CI=true) when it is not installed."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (.ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " and CI=true demands it", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(REPO)


@pytest.fixture(scope="session")
def loaded(project: Project) -> LoadedProject:
    """The bundled fact-sheet graph, parsed once per test session (tests must not mutate it)."""
    return load_project(project)
