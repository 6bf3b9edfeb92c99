"""Benchmark `tipkg serve` against the Oxigraph server on the same data, in the same run, over loopback.

    python benchmarks/serve.py [--seconds 3] [--clients 1 8 32] [--project DIR]

Starts both servers on free 127.0.0.1 ports:
- `tipkg serve` on the project (defaults: the bundled fact-sheet graph);
- `oxigraph serve-read-only` (no flags) on the same store layout (`tipkg.engine.ProjectStore` with the OWL 2
  RL entailments, loaded into a temporary Oxigraph folder that is deleted afterwards), each query sent with
  the dataset tipkg uses (`QueryDataset`: `default-graph-uri`/`named-graph-uri`), so both answer the same.

Then, for each workload and each number of concurrent clients, runs keep-alive HTTP/1.1 clients (a small
asyncio client, so the client costs the same for both servers) for a bounded time and number of requests,
and prints requests per second, p50 and p99 latency, and tipkg's throughput as a ratio of Oxigraph's.

Workloads: a canned query (tipkg /queries/<name> vs Oxigraph /query with the same text, SPARQL JSON), and
an entity (tipkg /id/hhs as HTML and as Turtle vs Oxigraph `DESCRIBE` of the same IRI as Turtle).
Measured, not asserted: nothing here fails on a slow machine. Loopback only; both servers are stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_REQUESTS_PER_RUN = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early ({process.returncode}): {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not come up: {url}")


# --------------------------------------------------------------------------------------------- client


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _client(
    port: int, request: bytes, stop_at: float, budget: list[int], latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


@dataclass
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _measure(port: int, path: str, accept: str, clients: int, seconds: float) -> Measurement:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n"
        "User-Agent: tipkg-benchmark\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    errors: list[int] = []
    budget = [MAX_REQUESTS_PER_RUN]
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(
        *(_client(port, request, stop_at, budget, latencies, errors) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return Measurement(
        len(latencies),
        elapsed,
        statistics.median(latencies) * 1000 if latencies else 0.0,
        p99 * 1000,
        len(errors),
    )


def measure(port: int, path: str, accept: str, clients: int, seconds: float) -> Measurement:
    asyncio.run(_measure(port, path, accept, clients, min(1.0, seconds / 3)))  # warm up (fills caches)
    return asyncio.run(_measure(port, path, accept, clients, seconds))


# --------------------------------------------------------------------------------------------- servers


def start_tipkg(project: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [
        sys.executable,
        "-m",
        "tipkg",
        "serve",
        "--project",
        str(project),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def project_store_dump(project: Path) -> tuple[bytes, list[tuple[str, str]]]:
    """The project's dataset in the remote layout (what `tipkg push` writes) as N-Quads, and the protocol
    parameters of the dataset tipkg queries."""
    sys.path.insert(0, str(REPO / "src"))
    import pyoxigraph as ox

    from tipkg.engine import ProjectStore
    from tipkg.load import load_project
    from tipkg.project import find_project
    from tipkg.reason import reason

    store = ProjectStore(load_project(find_project(project)))
    store.add_entailments(reason(store.loaded).entailments)
    dataset = store.dataset(inferred=False)  # the canned question and entity descriptions are asserted ones
    params = [("default-graph-uri", g) for g in dataset.default_graphs]
    params += [("named-graph-uri", g) for g in dataset.named_graphs]
    return store.remote_layout().dump(format=ox.RdfFormat.N_QUADS) or b"", params


def start_oxigraph(dump: bytes, port: int, folder: Path) -> subprocess.Popen:
    (folder / "data.nq").write_bytes(dump)
    oxigraph = shutil.which("oxigraph") or sys.exit(
        "the oxigraph server is not installed (pip install oxigraph)"
    )
    subprocess.run(
        [oxigraph, "load", "--location", str(folder / "store"), "--file", str(folder / "data.nq")],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return subprocess.Popen(
        [oxigraph, "serve-read-only", "--location", str(folder / "store"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--query", default="funding", help="canned query name (queries/<name>.rq)")
    parser.add_argument("--entity", default="hhs", help="entity slug (/id/<slug>)")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement (bounded)")
    args = parser.parse_args()

    query_text = (args.project / "queries" / f"{args.query}.rq").read_text(encoding="utf-8")
    entity_iri = f"https://w3id.org/tipkg/id/{args.entity}"
    json_type = "application/sparql-results+json"
    tipkg_port, oxigraph_port = free_port(), free_port()
    dump, dataset = project_store_dump(args.project)

    def oxigraph_query(text: str) -> str:
        return "/query?" + urllib.parse.urlencode([("query", text), *dataset])

    workloads = [
        ("canned query", (f"/queries/{args.query}", json_type), (oxigraph_query(query_text), json_type)),
        # The Turtle document itself: the IRI answers RDF requests with a 303 to it (docs/serve.md).
        ("entity, Turtle", (f"/id/{args.entity}.ttl", "text/turtle"),
         (oxigraph_query(f"DESCRIBE <{entity_iri}>"), "text/turtle")),
        ("entity, HTML page", (f"/id/{args.entity}", "text/html"),
         (oxigraph_query(f"DESCRIBE <{entity_iri}>"), "text/turtle")),
    ]
    with tempfile.TemporaryDirectory(prefix="tipkg-bench-") as temporary:
        oxigraph = start_oxigraph(dump, oxigraph_port, Path(temporary))
        tipkg = start_tipkg(args.project, tipkg_port)
        try:
            wait_until_up(f"http://127.0.0.1:{tipkg_port}/sparql?query=ASK%7B%7D", tipkg)
            wait_until_up(f"http://127.0.0.1:{oxigraph_port}/query?query=ASK%7B%7D", oxigraph)
            print(
                f"# tipkg serve vs oxigraph serve-read-only, {os.cpu_count()} CPUs, "
                f"{args.seconds:g} s per cell\n"
            )
            print(
                "| workload | clients | tipkg req/s | tipkg p50 ms | tipkg p99 ms | oxigraph req/s | "
                "oxigraph p50 ms | oxigraph p99 ms | throughput tipkg/oxigraph |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for name, (tipkg_path, tipkg_accept), (ox_path, ox_accept) in workloads:
                for clients in args.clients:
                    ours = measure(tipkg_port, tipkg_path, tipkg_accept, clients, args.seconds)
                    theirs = measure(oxigraph_port, ox_path, ox_accept, clients, args.seconds)
                    ratio = ours.rps / theirs.rps if theirs.rps else float("nan")
                    failed = (
                        f" ({ours.errors}/{theirs.errors} errors)" if ours.errors or theirs.errors else ""
                    )
                    print(
                        f"| {name}{failed} | {clients} | {ours.rps:,.0f} | {ours.p50_ms:.1f} | "
                        f"{ours.p99_ms:.1f} | "
                        f"{theirs.rps:,.0f} | {theirs.p50_ms:.1f} | {theirs.p99_ms:.1f} | {ratio:.2f} |",
                        flush=True,
                    )
        finally:
            stop(tipkg)
            stop(oxigraph)


if __name__ == "__main__":
    main()
