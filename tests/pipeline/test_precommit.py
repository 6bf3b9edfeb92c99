"""`.pre-commit-hooks.yaml`: `pre-commit try-repo` runs the tipkg-validate hook on a repository made with
`tipkg init`, the way another repository's CI runs it, and the hook fails on a broken graph.

pre-commit installs a `language: python` hook by `pip install .` of this repository into a virtual environment
of its own. The test keeps that off the network: that environment sees the site-packages of the Python running
the tests on PYTHONPATH (where the [test] extra put every dependency and hatchling; virtualenv's own
"system site-packages" would be the base interpreter's, not those of a virtual environment such as .ci/run's),
pip may not use an index (`PIP_NO_INDEX`) and builds without an isolated build environment
(`PIP_NO_BUILD_ISOLATION=0`: pip reads the value as `build_isolation`'s own, so 0 turns isolation off).
What is installed and run is the hook repository's tipkg, built from a copy of this working tree (the tests'
own tipkg is an editable install, whose path file PYTHONPATH does not read).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml
from pipeline_support import REPO, require_tool, run

HOOK_REPO_FILES = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml",
                   "src", "ontology", "data", "shapes", "queries")
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "tipkg tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
                "GIT_COMMITTER_NAME": "tipkg tests", "GIT_COMMITTER_EMAIL": "tests@example.org"}


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True,
                   env={**os.environ, **GIT_IDENTITY})


def hook_repository(target: Path) -> Path:
    """A git repository with this working tree's package, content and hook definition, one commit."""
    for name in HOOK_REPO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)
    git(target, "init", "-q")
    git(target, "add", ".")
    git(target, "commit", "-q", "-m", "hook repository")
    return target


def try_repo(sample: Path, hooks: Path, cache: Path) -> subprocess.CompletedProcess:
    site = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    git_dir = str(Path(shutil.which("git") or "git").parent)  # no other tipkg on PATH: the hook runs its own
    env = {**os.environ, "PATH": git_dir, "PRE_COMMIT_HOME": str(cache), "PYTHONPATH": os.pathsep.join(site),
           "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PRE_COMMIT_COLOR": "never"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), "tipkg-validate",
                           "--all-files"], cwd=sample, env=env, capture_output=True, text=True, timeout=600)


def test_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "tipkg-validate")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"] == "tipkg validate --project ."


def test_pre_commit_try_repo_on_a_new_project(tmp_path: Path) -> None:
    require_tool("git")
    hooks = hook_repository(tmp_path / "hooks")
    sample = tmp_path / "sample"
    assert run("init", sample).exit_code == 0
    git(sample, "init", "-q")
    git(sample, "add", ".")

    passed = try_repo(sample, hooks, tmp_path / "cache")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "tipkg validate" in passed.stdout and "Passed" in passed.stdout

    data = sample / "data" / "example.trig"
    data.write_text(data.read_text(encoding="utf-8").replace("1-800-555-0100", "555-0100"), encoding="utf-8")
    git(sample, "add", ".")
    failed = try_repo(sample, hooks, tmp_path / "cache")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "A hotline needs a toll-free number such as 1-800-555-0100." in failed.stdout
    assert "data/example.trig" in failed.stdout
