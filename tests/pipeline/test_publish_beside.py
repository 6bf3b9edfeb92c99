"""`tipkg build` writes the asserted graph's files in a child process while it validates
(`publishing_beside_checks`): the folder it makes is byte for byte what `publish` makes after the checks,
and a block that fails (a failed check) leaves nothing: no output folder, no staging folder, no child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_support import tree_bytes

from tipkg import publish as publish_module
from tipkg.budget import WorkerKilled, usable_cores
from tipkg.errors import CheckFailed, InputError
from tipkg.load import LoadedProject
from tipkg.publish import publish, publishing_beside_checks
from tipkg.reason import reason


def test_the_files_are_those_publish_writes(loaded: LoadedProject, tmp_path: Path) -> None:
    reasoning = reason(loaded)
    publish(loaded, reasoning, tmp_path / "after")
    with publishing_beside_checks(loaded, tmp_path / "beside", 60) as finish:
        published = finish(reasoning)
    assert tree_bytes(tmp_path / "beside") == tree_bytes(tmp_path / "after")
    assert [w.name for w in published.files] == sorted(p.name for p in (tmp_path / "after").iterdir())
    assert published.counts.triples > len(loaded.ontology)


def children_of(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_a_failed_check_leaves_nothing(loaded: LoadedProject, tmp_path: Path) -> None:
    out = tmp_path / "releases" / "1.0.0"
    before = children_of(os.getpid())
    with pytest.raises(CheckFailed), publishing_beside_checks(loaded, out, 60):
        writing = children_of(os.getpid()) - before
        assert bool(writing) == (usable_cores() > 1)  # the writer runs while the checks do, given two cores
        raise CheckFailed("a check failed")
    assert not children_of(os.getpid()) - before  # killed, not left writing
    assert list(tmp_path.iterdir()) == []  # no dist, no staging folder, not even the releases/ made for it


def test_the_block_must_finish(loaded: LoadedProject, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    with pytest.raises(RuntimeError, match="without finish"), publishing_beside_checks(loaded, out, 60):
        pass
    assert list(tmp_path.iterdir()) == []


def test_on_one_core_everything_is_written_after_the_checks(
    loaded: LoadedProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_module, "usable_cores", lambda: 1)
    reasoning = reason(loaded)
    before = children_of(os.getpid())
    with publishing_beside_checks(loaded, tmp_path / "one", 60) as finish:
        assert not children_of(os.getpid()) - before
        finish(reasoning)
    publish(loaded, reasoning, tmp_path / "after")
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "after")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_a_writer_killed_from_outside_leaves_nothing(loaded: LoadedProject, tmp_path: Path) -> None:
    """The out-of-memory killer (here: SIGKILL) takes the writer: the block unwinds as for any failure,
    then WorkerKilled reaches the command's edge, which dies of the same signal."""
    if usable_cores() < 2:
        pytest.skip("the writer starts beside the checks only with two cores")
    out = tmp_path / "releases" / "1.0.0"
    before = children_of(os.getpid())
    with pytest.raises(WorkerKilled) as raised, publishing_beside_checks(loaded, out, 60) as finish:
        [writer] = children_of(os.getpid()) - before
        os.kill(writer, signal.SIGKILL)
        finish(reason(loaded))
    assert raised.value.signal_number == signal.SIGKILL
    assert list(tmp_path.iterdir()) == []


def test_the_command_dies_of_the_workers_signal() -> None:
    """`reports_errors` ends the process by the signal that killed a worker (after the blocks cleaned up)."""
    script = ("from tipkg.budget import WorkerKilled\nfrom tipkg.cli.common import reports_errors\n"
              "import signal\n@reports_errors\ndef command():\n"
              "    raise WorkerKilled('SHACL', signal.SIGKILL)\ncommand()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_an_error_in_the_writer_reaches_the_command(
    loaded: LoadedProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be written (here: the shapes) is the command's error when the checks are done,
    whichever process wrote it; nothing is left."""
    def refuse(build: object) -> tuple[bytes, str]:
        raise InputError("cannot be written", "shapes/x.ttl", 3, 1)

    monkeypatch.setitem(publish_module.WRITERS, "shapes.ttl", refuse)
    reasoning = reason(loaded)
    with pytest.raises(InputError, match=r"shapes/x\.ttl:3:1: cannot be written"), \
            publishing_beside_checks(loaded, tmp_path / "dist", 60) as finish:
        finish(reasoning)
    assert list(tmp_path.iterdir()) == []
