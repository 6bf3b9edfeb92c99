"""The wheel, installed into a fresh virtual environment without extras, validates and builds the bundled
graph from its own `tipkg/_content` (run from a folder outside the repository), and `tipkg init` + validate +
build work there.

Offline: the wheel is built by pip with the installed hatchling (no index, no isolated build environment), and
the new environment finds tipkg's dependencies in the test interpreter's site-packages through a path file
(`deps.pth`), as `--system-site-packages` would from a plain interpreter (from a virtual environment such as
.ci/run's, that option would give the *base* interpreter's site-packages). A path file's directories are
added to sys.path after the environment's own site-packages and their own path files are not read, so the
editable tipkg of the tests is invisible there and the wheel's tipkg is the one that runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from pipeline_support import REPO

OFFLINE = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def call(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600,
                            env={**os.environ, **OFFLINE, **(env or {})})
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    call([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, REPO], cwd=out)
    (built,) = out.glob("tipkg-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A fresh virtual environment with the wheel installed (no extras) and the dependencies reachable."""
    root = tmp_path_factory.mktemp("venv") / "env"
    call([sys.executable, "-m", "venv", root], cwd=root.parent)
    python = root / "bin" / "python"
    site = call([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root).stdout
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(site.strip()) / "deps.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    # --force-reinstall: the tests' own tipkg (same version, an editable install) is visible through deps.pth
    call([python, "-m", "pip", "install", "--no-deps", "--force-reinstall", wheel], cwd=root)
    call([python, "-m", "pip", "check"], cwd=root)  # every requirement (and its bounds) is met
    return root


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("tipkg/cli/__init__.py", "tipkg/_content/ontology/tipkg.ttl", "tipkg/_content/queries/",
                   "tipkg/_content/shapes/", "tipkg/_content/data/provenance.ttl",
                   "tipkg/_content/data/sources/", "tipkg/starter/ontology/ontology.ttl"):
        assert any(name.startswith(needed) for name in names), needed
    assert not [name for name in names if name.startswith(("tests/", "tipkg/_content/tests"))]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert requires and all("<" in line for line in requires), requires  # every dependency bounded


def test_installed_wheel_validates_and_builds_the_bundled_graph(venv: Path, tmp_path: Path) -> None:
    tipkg = venv / "bin" / "tipkg"
    code = "from tipkg.project import bundled_root; print(bundled_root())"
    where = call([venv / "bin" / "python", "-c", code], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv) and where.endswith("tipkg/_content"), where
    validated = call([tipkg, "validate"], cwd=tmp_path)
    assert validated.stdout.rstrip().endswith("OK: 0 violation(s), 0 warning(s), 0 info (fails on violation)")
    assert f"loading {where}" in validated.stderr
    call([tipkg, "build", "--out", "dist"], cwd=tmp_path)
    assert {p.name for p in (tmp_path / "dist").iterdir()} >= {"tipkg.ttl", "tipkg.nq", "void.ttl"}


def test_installed_wheel_init_validate_build(venv: Path, tmp_path: Path) -> None:
    tipkg = venv / "bin" / "tipkg"
    call([tipkg, "init", "my-graph", "--base", "https://example.org/g/"], cwd=tmp_path)
    project = tmp_path / "my-graph"
    validated = call([tipkg, "validate"], cwd=project)
    assert "expected-results  hotlines: ok" in validated.stdout
    call([tipkg, "build"], cwd=project)
    assert "https://example.org/g/id/example-hotline" in (project / "dist" / "tipkg.nt").read_text()
    call([tipkg, "release", "1.0.0", "--date", "2025-01-01"], cwd=project)
    assert (project / "releases" / "1.0.0" / "void.ttl").is_file()
    assert (project / "CHANGELOG.md").read_text().startswith("# Changelog\n\n## 1.0.0 - 2025-01-01\n")
