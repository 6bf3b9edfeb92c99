"""Load benchmark of `tipkg serve`: many clients, a mix of requests, for a while; errors, latency, memory.

    python benchmarks/load.py [--clients 32] [--seconds 60] [--heavy 0] [--project DIR] [--gzip]

Starts `tipkg serve` (default options) on a free 127.0.0.1 port, then runs `--clients` keep-alive HTTP/1.1
clients (benchmarks/serve.py's small asyncio client) for `--seconds`. Each client cycles through the kinds
of request a public endpoint gets:

- `sparql`: an ad-hoc SELECT about one entity, its text unique (a numbered comment), so that no cache holds
  it and a query worker evaluates every one;
- `canned`: a canned query (`/queries/<name>`, SPARQL JSON), every one of the project's in turn;
- `page`: an entity's HTML page (`/id/<slug>`), every entity in turn;
- `turtle`: an entity's Turtle document (`/id/<slug>.ttl`).

`--heavy N` adds N clients that send cartesian products over and over (each stopped by the server: 503 at
the timeout, or at once when every long slot is taken); their answers are counted apart, not as errors,
and show what the quick lane keeps for everyone else.

Reports requests and errors (any status but 200, and broken connections: must be 0), p50/p99/max latency
per kind, and the resident memory (VmRSS) of the server and of its query workers at the start, sampled
during the run (peak) and at the end. Measured, not asserted. Loopback only; the server is stopped by PID.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import _read_response, free_port, start_tipkg, stop, wait_until_up  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
JSON = "application/sparql-results+json"
ROWS_OR_GRAPH = f"{JSON}, text/turtle;q=0.9"  # a canned query may be a SELECT or a CONSTRUCT
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        if error is not None:
            self.errors.setdefault(kind, []).append(error)


# ------------------------------------------------------------------------------------------- the mix


def entities(base_url: str) -> list[str]:
    """The slugs of the labelled resources under /id/, asked of the server itself."""
    query = (f"SELECT DISTINCT ?s WHERE {{ ?s <{SKOS_LABEL}> ?l "
             'FILTER(STRSTARTS(STR(?s), "https://w3id.org/tipkg/id/")) } ORDER BY ?s')
    url = base_url + "/sparql?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": JSON}), timeout=30) as answer:
        rows = json.load(answer)["results"]["bindings"]
    slugs = [row["s"]["value"].removeprefix("https://w3id.org/tipkg/id/") for row in rows]
    return [slug for slug in slugs if slug and "/" not in slug and "#" not in slug]


def canned_names(project: Path) -> list[str]:
    """The questions the server offers (the `*-violation` checks are not served)."""
    return sorted(path.stem for path in (project / "queries").glob("*.rq")
                  if not path.stem.endswith("-violation"))


def request_bytes(port: int, path: str, accept: str, gzip: bool) -> bytes:
    extra = "Accept-Encoding: gzip\r\n" if gzip else ""
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {accept}\r\n{extra}"
            "User-Agent: tipkg-load-benchmark\r\n\r\n").encode()


def the_mix(port: int, slugs: list[str], names: list[str], gzip: bool):
    """An endless cycle of (kind, request bytes), shared by all clients."""
    numbers = itertools.count()
    slug_cycle, name_cycle = itertools.cycle(slugs), itertools.cycle(names)
    while True:
        slug = next(slug_cycle)
        iri = f"https://w3id.org/tipkg/id/{slug}"
        text = f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} LIMIT 50 # load {next(numbers)}"
        yield "sparql", request_bytes(port, "/sparql?" + urllib.parse.urlencode({"query": text}), JSON, gzip)
        yield "canned", request_bytes(port, f"/queries/{next(name_cycle)}", ROWS_OR_GRAPH, gzip)
        yield "page", request_bytes(port, f"/id/{slug}", "text/html", gzip)
        yield "turtle", request_bytes(port, f"/id/{slug}.ttl", "text/turtle", gzip)


async def client(port: int, mix, stop_at: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            kind, request = next(mix)
            started = time.perf_counter()
            try:
                writer.write(request)
                status = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError) as exc:
                tally.add(kind, time.perf_counter() - started, f"connection: {exc!r}")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            tally.add(kind, time.perf_counter() - started, None if status == 200 else str(status))
    finally:
        writer.close()


async def heavy_client(port: int, number: int, stop_at: float, tally: Tally) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n in itertools.count():
            if time.perf_counter() >= stop_at:
                break
            text = f"{CARTESIAN} # heavy {number}.{n}"
            started = time.perf_counter()
            path = "/sparql?" + urllib.parse.urlencode({"query": text})
            writer.write(request_bytes(port, path, JSON, False))
            status = await _read_response(reader)
            tally.add(f"heavy ({status})", time.perf_counter() - started, None)
    finally:
        writer.close()


# ------------------------------------------------------------------------------------------- memory


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def memory(pid: int) -> tuple[int, int, int]:
    """(server KiB, workers KiB summed, number of workers) right now."""
    workers = children(pid)
    return rss_kib(pid), sum(rss_kib(child) for child in workers), len(workers)


async def sample_memory(pid: int, stop_at: float, samples: list[tuple[int, int, int]]) -> None:
    while time.perf_counter() < stop_at:
        samples.append(memory(pid))
        await asyncio.sleep(1.0)


# ------------------------------------------------------------------------------------------- report


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(tally: Tally, seconds: float, samples: list[tuple[int, int, int]], start, end) -> int:
    total = sum(len(v) for kind, v in tally.latencies.items() if not kind.startswith("heavy"))
    errors = sum(len(v) for v in tally.errors.values())
    print(f"requests: {total:,} in {seconds:.1f} s ({total / seconds:,.0f}/s), errors: {errors}\n")
    print("| kind | requests | errors | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in sorted(tally.latencies):
        values = tally.latencies[kind]
        print(f"| {kind} | {len(values):,} | {len(tally.errors.get(kind, []))} | "
              f"{statistics.median(values) * 1000:.1f} | {percentile(values, 0.99) * 1000:.1f} | "
              f"{max(values) * 1000:.1f} |")
    for kind, found in sorted(tally.errors.items()):
        print(f"errors of {kind}: {sorted(set(found))[:5]}")
    peak_server = max(s[0] for s in samples) if samples else end[0]
    peak_workers = max(s[1] for s in samples) if samples else end[1]
    print("\n| memory (VmRSS, MiB) | start | peak | end |")
    print("|---|---:|---:|---:|")
    print(f"| server | {start[0] / 1024:.1f} | {peak_server / 1024:.1f} | {end[0] / 1024:.1f} |")
    print(f"| query workers ({start[2]} at the start, {end[2]} at the end) | {start[1] / 1024:.1f} | "
          f"{peak_workers / 1024:.1f} | {end[1] / 1024:.1f} |")
    return errors


async def run(port: int, pid: int, args, slugs: list[str], names: list[str]) -> int:
    mix = the_mix(port, slugs, names, args.gzip)
    tally = Tally()
    # Warm-up: every page and canned answer once, so that "start" memory is the served state's.
    warm = Tally()
    await asyncio.gather(*(client(port, mix, time.perf_counter() + min(5.0, args.seconds / 6), warm)
                           for _ in range(4)))
    start = memory(pid)
    samples: list[tuple[int, int, int]] = []
    began = time.perf_counter()
    stop_at = began + args.seconds
    heavy = asyncio.gather(*(heavy_client(port, n, stop_at, tally) for n in range(args.heavy)))
    await asyncio.gather(sample_memory(pid, stop_at, samples),
                         *(client(port, mix, stop_at, tally) for _ in range(args.clients)))
    elapsed = time.perf_counter() - began  # the heavy clients' last queries may run on to the timeout
    await heavy
    await asyncio.sleep(1.0)
    return report(tally, elapsed, samples, start, memory(pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--heavy", type=int, default=0, help="extra clients sending cartesian products")
    parser.add_argument("--gzip", action="store_true", help="ask for gzip (Accept-Encoding)")
    args = parser.parse_args()

    port = free_port()
    server = start_tipkg(args.project, port)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(base_url + "/sparql?query=ASK%7B%7D", server)
        slugs, names = entities(base_url), canned_names(args.project)
        print(f"# tipkg serve under load: {args.clients} clients + {args.heavy} heavy, {args.seconds:g} s, "
              f"{len(slugs)} entities, {len(names)} canned queries, gzip {'on' if args.gzip else 'off'}\n")
        errors = asyncio.run(run(port, server.pid, args, slugs, names))
    finally:
        stop(server)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
