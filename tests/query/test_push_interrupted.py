"""An interrupted `tipkg push` leaves the store with exactly the old quads or exactly the new ones, and
nothing else (issue 11): `tipkg push` killed with SIGKILL, SIGINT (Ctrl-C) or SIGTERM while its update
request is on the wire, the Oxigraph server killed with SIGKILL while receiving it or right after it
arrived, and `tipkg push` killed at a few moments of a plain run. The temporary graphs that pushes of
earlier versions left (`urn:tipkg:push:*`) are dropped by the next push.

Real processes, a real `oxigraph serve` (restarted on the same folder after it was killed) and real
signals. To catch a push mid-upload, the update request goes through `Relay`, a loopback TCP relay that
forwards the first bytes of the request and holds the rest back while the test sends its signal; then it
cuts the connection, as the kernel does when a process dies with bytes unsent.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from query_support import Oxigraph, start_oxigraph, stop

from tipkg.push import project_quads
from tipkg.remote import PUSH_TEMPORARY

Quads = frozenset[ox.Quad]


class Relay:
    """Forwards one connection to `upstream`: the first `hold_after` bytes the client sends, then nothing
    until `release()`; also notes when the whole request (headers and Content-Length body) has passed."""

    def __init__(self, upstream: int, hold_after: int | None) -> None:
        self.upstream = upstream
        self.hold_after = hold_after
        self.held = threading.Event()
        self.delivered = threading.Event()
        self._go = threading.Event()
        self._cut = False
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def update(self) -> str:
        return f"http://127.0.0.1:{self.port}/update"

    def release(self, cut: bool) -> None:
        """Go on forwarding, or (`cut`) close both connections with the rest of the request unsent."""
        self._cut = cut
        self._go.set()

    def close(self) -> None:
        self.release(cut=True)
        self.server.close()

    def _serve(self) -> None:
        try:
            client, _ = self.server.accept()
        except OSError:
            return
        with client, socket.create_connection(("127.0.0.1", self.upstream)) as upstream:
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            self._forward(client, upstream)

    def _forward(self, client: socket.socket, upstream: socket.socket) -> None:
        seen = b""
        try:
            while chunk := client.recv(65536):
                if self.hold_after is not None and not self.held.is_set() \
                        and len(seen) + len(chunk) > self.hold_after:
                    head = self.hold_after - len(seen)
                    upstream.sendall(chunk[:head])
                    seen, chunk = seen + chunk[:head], chunk[head:]
                    self.held.set()
                    self._go.wait(timeout=120)
                    if self._cut:
                        return
                upstream.sendall(chunk)
                seen += chunk
                if request_complete(seen):
                    self.delivered.set()
        except OSError:
            return

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        """The server's answer to the client; when the server is gone, the client is told so."""
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def request_complete(data: bytes) -> bool:
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


# --- the two versions of the project, and the store's quads ---------------------------------------------


@pytest.fixture(scope="module")
def versions(mini_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small project, and a new version: a label changed, the second sentence's graph gone."""
    new = tmp_path_factory.mktemp("versions") / "new"
    shutil.copytree(mini_dir, new)
    trig = new / "data" / "mini.trig"
    text = trig.read_text(encoding="utf-8")
    text = text[:text.index("<https://w3id.org/tipkg/id/graph/s-2> {")]
    assert '"Bureau of Samples"@en' in text
    trig.write_text(text.replace('"Bureau of Samples"@en', '"Bureau of Specimens"@en'), encoding="utf-8")
    return {"old": mini_dir, "new": new}


@pytest.fixture(scope="module")
def expected(versions: dict[str, Path]) -> dict[str, Quads]:
    """Each version's quads as the store should hold them after a push --replace into an empty store."""
    quads = {name: frozenset(project_quads(path, True, lambda _: None)) for name, path in versions.items()}
    assert quads["old"] != quads["new"]
    return quads


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Oxigraph]:
    """A stock Oxigraph server of this test's own (it may be killed and started again on its folder)."""
    running = start_oxigraph(tmp_path / "store")
    yield running
    stop(running.process)


def dump(server: Oxigraph) -> Quads:
    request = urllib.request.Request(server.store, headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return frozenset(ox.parse(response.read(), format=ox.RdfFormat.N_QUADS))


def state(server: Oxigraph, expected: dict[str, Quads]) -> str:
    quads = dump(server)
    leftovers = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)
                        and q.graph_name.value.startswith(PUSH_TEMPORARY)})
    name = next((name for name, known in expected.items() if known == quads), "neither")
    return name if not leftovers else f"{name} with temporary graphs {leftovers}"


def push_command(server: Oxigraph, project: Path, update: str | None = None) -> list[str]:
    return [sys.executable, "-m", "tipkg", "push", "--store", server.store, "--replace",
            "--project", str(project), "--update", update or server.update, "--endpoint", server.query]


def push(server: Oxigraph, project: Path) -> subprocess.CompletedProcess:
    completed = subprocess.run(push_command(server, project), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed


@pytest.fixture
def old_store(server: Oxigraph, versions: dict[str, Path], expected: dict[str, Quads]) -> Oxigraph:
    push(server, versions["old"])
    assert state(server, expected) == "old"
    return server


def held_push(server: Oxigraph, project: Path) -> tuple[subprocess.Popen, Relay]:
    """`tipkg push` of `project` whose update request is held after its first 2 KiB."""
    relay = Relay(int(server.url.rsplit(":", 1)[1]), hold_after=2048)
    process = subprocess.Popen(push_command(server, project, relay.update), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if not relay.held.wait(timeout=180):
        process.kill()
        pytest.fail(f"the update request never reached the relay: {process.communicate()[1]}")
    return process, relay


# --- the push process interrupted ------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_push_interrupted_mid_upload(old_store: Oxigraph, versions: dict[str, Path],
                                     expected: dict[str, Quads], signum: int) -> None:
    process, relay = held_push(old_store, versions["new"])
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    relay.close()
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert state(old_store, expected) == "old"
    push(old_store, versions["new"])
    assert state(old_store, expected) == "new"


def test_push_killed_after_its_request_left(old_store: Oxigraph, versions: dict[str, Path],
                                            expected: dict[str, Quads]) -> None:
    """Killed once the whole request is on its way: the store takes it whole, or not at all."""
    process, relay = held_push(old_store, versions["new"])
    relay.release(cut=False)
    assert relay.delivered.wait(timeout=60)
    process.kill()
    process.communicate()
    relay.close()
    time.sleep(0.5)  # the server may still be committing the request it received
    assert state(old_store, expected) in ("old", "new")


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.3, 1.8])
def test_push_killed_at_any_moment(old_store: Oxigraph, versions: dict[str, Path],
                                   expected: dict[str, Quads], delay: float) -> None:
    process = subprocess.Popen(push_command(old_store, versions["new"]), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    process.kill()
    process.wait()
    time.sleep(0.2)
    assert state(old_store, expected) in ("old", "new")


# --- the server killed --------------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["receiving", "received"])
def test_server_killed_mid_push(old_store: Oxigraph, versions: dict[str, Path], expected: dict[str, Quads],
                                tmp_path: Path, when: str) -> None:
    process, relay = held_push(old_store, versions["new"])
    if when == "received":
        relay.release(cut=False)
        assert relay.delivered.wait(timeout=60)
    old_store.process.kill()
    old_store.process.wait()
    _, stderr = process.communicate(timeout=120)
    relay.close()
    assert process.returncode == 3 and "Traceback" not in stderr, stderr
    if when == "receiving":  # else the update may have been answered, and a later read failed
        assert "holds its old graphs or all of the new ones" in stderr
    restarted = start_oxigraph(tmp_path / "store")
    try:
        after = state(restarted, expected)
        assert after == "old" if when == "receiving" else after in ("old", "new")
        push(restarted, versions["new"])
        assert state(restarted, expected) == "new"
    finally:
        stop(restarted.process)


# --- what pushes of earlier versions left -------------------------------------------------------------------


@pytest.mark.parametrize("replace", [True, False])
def test_temporary_graphs_of_earlier_pushes_are_dropped(old_store: Oxigraph, versions: dict[str, Path],
                                                        expected: dict[str, Quads], replace: bool) -> None:
    """An interrupted push of tipkg before this change left copies of the data in urn:tipkg:push:* graphs,
    which every query over the union saw twice; the next push, with or without --replace, drops them."""
    left = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(f"{PUSH_TEMPORARY}0123abcd:{n}"))
            for n, q in enumerate(sorted(expected["old"], key=str)[:5])]
    old_store.upload(ox.serialize(left, format=ox.RdfFormat.N_QUADS), "application/n-quads")
    assert state(old_store, expected).startswith("neither with temporary graphs")
    command = push_command(old_store, versions["old"])
    if not replace:
        command.remove("--replace")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "dropped 5 temporary graphs of an interrupted push" in completed.stdout
    assert state(old_store, expected) == "old"
