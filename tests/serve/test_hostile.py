"""A public endpoint meets hostile input: runaway queries, huge bodies, updates, federation, disk writes.

Each test attacks the real fixture server (tests/serve/conftest.py: a 3 s timeout, two query workers) and
then checks that it still answers.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
from tests.serve.conftest import FIXTURE_PROJECT, RunningServer

CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
)
SIMPLE = ("SELECT ?label WHERE { <https://w3id.org/tipkg/id/hhs> "
          "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }")
TEN_MB = 10 * 1024 * 1024


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under the folders with its size and modification time."""
    found = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.fixture(scope="module")
def disk_before(fixture_server: RunningServer):
    """Taken before the attacks below; test_server_wrote_nothing compares after them."""
    return snapshot(
        fixture_server.home / "cwd",
        fixture_server.home / "tmp",
        fixture_server.home / "home",
        FIXTURE_PROJECT,
    )


def wait_for_workers(server: RunningServer, count: int, replacing: set[int] = frozenset()) -> set[int]:
    """The server's workers once there are `count` of them and at least one of `replacing` is gone."""
    for _ in range(300):  # a bounded wait (30 s) for a replacement worker to start
        children = server.children()
        if len(children) == count and (not replacing or replacing - children):
            return children
        time.sleep(0.1)
    return server.children()


# ------------------------------------------------------------------------------------------- runaway queries


def test_cartesian_product_is_stopped_and_the_server_keeps_answering(fixture_server, disk_before, client):
    workers_before = wait_for_workers(fixture_server, 2)
    assert len(workers_before) == 2
    outcome: dict = {}
    finished = threading.Event()

    def hostile():
        with fixture_server.client() as own:
            outcome["response"] = own.get("/sparql", params={"query": CARTESIAN})
        finished.set()

    thread = threading.Thread(target=hostile)
    thread.start()
    # While the hostile query holds one worker, the server answers queries and pages.
    answers = [client.get("/sparql", params={"query": SIMPLE, "n": str(i)}) for i in range(5)]
    pages = [client.get("/id/hhs"), client.get("/"), client.get("/id/nhtrc.ttl")]
    answered_while_running = not finished.is_set()
    thread.join(timeout=60)

    assert all(r.status_code == 200 for r in answers + pages)
    assert all(r.json()["results"]["bindings"] for r in answers)
    assert answered_while_running, "the hostile query ended before the others were answered"
    response = outcome["response"]
    assert response.status_code == 503
    assert "stopped" in response.text
    # The worker that ran it was killed (not left computing) and a fresh one took its place.
    workers_after = wait_for_workers(fixture_server, 2, replacing=workers_before)
    killed = workers_before - workers_after
    assert len(killed) == 1
    for pid in killed:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200


def test_two_runaway_queries_at_once_do_not_stop_the_pages(fixture_server, client):
    responses = []

    def hostile(i: int):
        with fixture_server.client() as own:
            responses.append(own.get("/sparql", params={"query": CARTESIAN + f" # {i}"}))

    threads = [threading.Thread(target=hostile, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    page = client.get("/id/hhs", headers={"Accept": "text/turtle"}, follow_redirects=True)
    for thread in threads:
        thread.join(timeout=60)
    assert page.status_code == 200
    assert sorted(r.status_code for r in responses) == [503, 503]
    wait_for_workers(fixture_server, 2)
    assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200


# ------------------------------------------------------------------------------------------- huge bodies


def test_ten_megabyte_post_is_refused(client):
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * TEN_MB
    direct = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    form = client.post(
        "/sparql", content=b"query=" + body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert direct.status_code == 413 and form.status_code == 413
    assert client.get("/sparql", params={"query": SIMPLE}).status_code == 200


def test_chunked_post_without_length_is_cut_off(client):
    def chunks():
        for _ in range(TEN_MB // 65536):
            yield b"#" * 65536

    response = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


# ------------------------------------------------------------------------------------------- read-only


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        "PREFIX x: <urn:x:> DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "CLEAR ALL",
        "DROP DEFAULT",
    ],
)
def test_updates_are_refused(client, query):
    for response in (
        client.get("/sparql", params={"query": query}),
        client.post("/sparql", data={"update": query}),
        client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-update"}),
    ):
        assert response.status_code == 403
        assert "read-only" in response.text
    assert client.get("/sparql", params={"query": "ASK { <urn:x:a> ?p ?o }"}).json()["boolean"] is False
    assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


@pytest.fixture()
def listener():
    """A loopback port that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.5)
    yield sock
    sock.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?x ?y ?z .SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX e: <{url}#> SELECT * WHERE {{ # a comment\n SERVICE e:x {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_and_nothing_is_contacted(client, listener, template):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    response = client.post("/sparql", data={"query": template.format(url=url)})
    assert response.status_code == 403
    assert "SERVICE" in response.text
    with pytest.raises(TimeoutError):
        listener.accept()


def test_the_word_service_in_data_is_not_refused(client):
    query = 'SELECT ?service WHERE { BIND("SERVICE <x>" AS ?service) ?s <http://example.org/SERVICE> ?o }'
    assert client.get("/sparql", params={"query": query}).status_code == 200


# ------------------------------------------------------------------------------------------- disk


def _open_for_writing(pid: int) -> list[str]:
    """Regular files a process holds open for writing (beyond the stdin/stdout/stderr it was given)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        if int(fd.name) <= 2:
            continue
        try:
            target = os.readlink(fd)
            flags = int((Path(f"/proc/{pid}/fdinfo") / fd.name).read_text().split("flags:")[1].split()[0], 8)
        except (FileNotFoundError, IndexError):
            continue
        if target.startswith("/") and not target.startswith("/dev/") and flags & 0o3:
            found.append(target)
    return found


def test_server_wrote_nothing(fixture_server, disk_before):
    # Runs after the attacks above (pytest keeps file order); exercise the pages once more, too.
    with fixture_server.client() as http:
        for path in ("/", "/id/", "/id/hhs", "/id/hhs.jsonld", "/ontology", "/download/data.nq", "/sparql"):
            assert http.get(path).status_code == 200
    after = snapshot(
        fixture_server.home / "cwd",
        fixture_server.home / "tmp",
        fixture_server.home / "home",
        FIXTURE_PROJECT,
    )
    assert after == disk_before
    for pid in {fixture_server.pid, *fixture_server.children()}:
        assert _open_for_writing(pid) == [], f"process {pid} holds files open for writing"


def test_listens_on_loopback_only_by_default(fixture_server):
    port = int(fixture_server.url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else
