"""`tipkg build` killed with SIGKILL leaves --out as the old build or the new one, never anything else, and
the next build removes what the killed one left beside it (issue 11; `tipkg.atomic`).

Real processes and real signals, no hook in the product: the build is frozen (SIGSTOP) once its staging
folder holds some files, inspected, then killed; or `strace` kills it at a chosen system call (its
`inject=SYSCALL:signal=KILL` delivers SIGKILL on entry, before the call runs): at the `renameat2` that
swaps the folders (so before the swap) and at the first `unlinkat`, which removes the previous build after
the swap. A last test kills it at a few moments of a plain run.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pipeline_support import MINI, require_tool, run, tree_bytes

from tipkg.atomic import MARKER_SUFFIX, remove_stale

FIXED = "1-888-373-7888"


def build_command(project: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "tipkg", "build", "--project", str(project), "--out", str(out)]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two projects whose builds differ: the small fixture and a copy with another hotline number."""
    root = tmp_path_factory.mktemp("projects")
    old, new = root / "old", root / "new"
    shutil.copytree(MINI, old)
    shutil.copytree(MINI, new)
    data = new / "data" / "state.trig"
    text = data.read_text(encoding="utf-8")
    assert FIXED in text
    data.write_text(text.replace(FIXED, "1-888-373-7999"), encoding="utf-8")
    return old, new


@pytest.fixture(scope="module")
def expected(projects: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The bytes of each project's build, built apart."""
    trees = {}
    for name, project in zip(("old", "new"), projects, strict=True):
        out = tmp_path_factory.mktemp(f"expected-{name}") / "dist"
        assert run("build", "--project", project, "--out", out).exit_code == 0
        trees[name] = tree_bytes(out)
    assert trees["old"] != trees["new"]
    return trees


@pytest.fixture
def site(tmp_path: Path, projects: tuple[Path, Path], expected: dict[str, dict]) -> Path:
    """A folder holding only `dist`, the old project's build."""
    out = tmp_path / "site" / "dist"
    assert run("build", "--project", projects[0], "--out", out).exit_code == 0
    assert tree_bytes(out) == expected["old"]
    return out


def state(out: Path, expected: dict[str, dict]) -> str:
    tree = tree_bytes(out) if out.is_dir() else None
    return next((name for name, files in expected.items() if files == tree), f"neither: {sorted(tree or ())}")


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def rebuild_cleans_up(out: Path, new: Path, expected: dict[str, dict]) -> None:
    """The next build replaces the target and removes the killed build's marker and folder."""
    result = run("build", "--project", new, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert state(out, expected) == "new"
    assert leftovers(out) == []


def staging_files(parent: Path) -> int:
    folders = [p for p in parent.iterdir() if ".tmp-" in p.name and p.is_dir()]
    return max((len(list(f.iterdir())) for f in folders), default=-1)


@pytest.mark.parametrize("files", [1, 6])
def test_killed_while_writing(site: Path, projects: tuple[Path, Path], expected: dict[str, dict],
                              files: int) -> None:
    process = subprocess.Popen(build_command(projects[1], site), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while staging_files(site.parent) < files and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        process.send_signal(signal.SIGSTOP)
        assert process.poll() is None, "the build ended before it could be stopped"
        written = staging_files(site.parent)
        assert written >= files
    finally:
        process.kill()
        process.wait()
    assert state(site, expected) == "old"
    names = leftovers(site)
    assert len(names) == 2 and names[1] == names[0] + MARKER_SUFFIX, names  # the folder and its marker
    rebuild_cleans_up(site, projects[1], expected)


@pytest.mark.parametrize("syscall, after", [("renameat2", "old"), ("unlinkat", "new")])
def test_killed_at_the_swap(site: Path, projects: tuple[Path, Path], expected: dict[str, dict],
                            syscall: str, after: str) -> None:
    strace = require_tool("strace")
    command = [strace, "-f", "-qq", "-o", os.devnull, "-e", f"trace={syscall}",
               "-e", f"inject={syscall}:signal=KILL:when=1", *build_command(projects[1], site)]
    completed = subprocess.run(command, capture_output=True, timeout=300)
    # strace ends as its tracee did: killed by the same signal
    assert completed.returncode in (-signal.SIGKILL, 128 + signal.SIGKILL), completed.stderr.decode()
    assert state(site, expected) == after
    assert any(name.endswith(MARKER_SUFFIX) for name in leftovers(site))
    rebuild_cleans_up(site, projects[1], expected)


@pytest.mark.parametrize("delay", [0.5, 1.5, 2.5])
def test_killed_at_any_moment(site: Path, projects: tuple[Path, Path], expected: dict[str, dict],
                              delay: float) -> None:
    process = subprocess.Popen(build_command(projects[1], site), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.kill()
    process.wait()
    assert state(site, expected) in ("old", "new")
    rebuild_cleans_up(site, projects[1], expected)


def test_only_our_unlocked_folders_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    users = tmp_path / ".dist.tmp-abcdefgh"  # named like ours, but no marker beside it
    users.mkdir()
    (users / "notes.txt").write_text("mine")
    killed = tmp_path / ".dist.tmp-killed01"
    killed.mkdir()
    (killed / "tipkg.ttl").write_text("half")
    (tmp_path / (killed.name + MARKER_SUFFIX)).write_text("")
    live = tmp_path / ".dist.tmp-livebld1"
    live.mkdir()
    other = tmp_path / ".other.tmp-killed01"  # another target's
    other.mkdir()
    (tmp_path / (other.name + MARKER_SUFFIX)).write_text("")
    link = tmp_path / ".dist.tmp-linked01"
    link.symlink_to(users)
    (tmp_path / (link.name + MARKER_SUFFIX)).write_text("")
    with open(tmp_path / (live.name + MARKER_SUFFIX), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a build at work holds its marker's lock
        assert remove_stale(out) == [killed, link]
    assert not killed.exists() and not (tmp_path / (killed.name + MARKER_SUFFIX)).exists()
    assert link.is_symlink() and (users / "notes.txt").read_text() == "mine"  # the link not followed
    assert live.is_dir() and other.is_dir() and users.is_dir()
