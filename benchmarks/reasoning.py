"""Measure OWL 2 RL reasoning (measured, never asserted): each engine of `tipkg.reason` on the bundled graph
and on generated projects of about N triples (`benchmarks/scale_project.py`), and whether the engines publish
the same entailments and find the same clashes.

    python benchmarks/reasoning.py [--sizes bundled,100k,1M] [--engines store,reasonable,owlrl]
                                   [--timeout 900] [--workdir DIR] [--markdown FILE]

Each (size, engine) runs in a fresh process: it loads the project, then times `reason(loaded, engine)` (wall
and CPU seconds: CPU is what a loaded machine does not inflate), and reports the peak resident memory of the
process, the closure size, the entailments published (and a digest of them, to compare engines without
moving them between processes) and the clashes. A run past --timeout is reported as such (owlrl does not
finish 100k triples).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def child(project: Path, engine: str) -> dict:
    """One measured run, in this (fresh) process."""
    from tipkg.load import load_project
    from tipkg.project import Project
    from tipkg.reason import Reasoner, reason

    started = time.perf_counter()
    loaded = load_project(Project(project))
    load_seconds = time.perf_counter() - started
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    reasoning = reason(loaded, Reasoner(engine))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    lines = sorted(f"{t.subject} {t.predicate} {t.object} ." for t in reasoning.entailments)
    return {
        "data_quads": len(loaded.store),
        "load_s": round(load_seconds, 2),
        "reason_wall_s": round(wall, 2),
        "reason_cpu_s": round(cpu, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_after_load_mib": round(rss_loaded),
        "closure": len(reasoning.closure),
        "entailments": len(lines),
        "digest": hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16],
        "clashes": [f"{c.rule}: {c.message}" for c in reasoning.clashes],
    }


def measure(project: Path, engine: str, timeout: float) -> dict:
    try:
        done = subprocess.run([sys.executable, __file__, "--child", str(project), engine],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout_s": timeout}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def project_for(size: str, workdir: Path) -> Path:
    """The bundled project, or one of about `size` triples made by scale_project.py (kept in workdir)."""
    if size == "bundled":
        return REPO
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from scale_project import generate, iter_sizes  # the generator of issue 10, next to this script

    (triples,) = iter_sizes(size)
    out = workdir / f"project-{triples}"
    if not (out / "scale.json").exists():
        generate(out, triples)
    return out


def table(results: list[dict]) -> str:
    head = ("| project | data quads | engine | reason wall s | reason CPU s | peak RSS MiB | closure "
            "| entailments | clashes | same entailments as store |")
    rows = [head, "|" + "---|" * 10]
    for r in results:
        m = r["metrics"]
        if "timeout_s" in m or "error" in m:
            note = f"did not finish in {m['timeout_s']:.0f} s" if "timeout_s" in m else f"error: {m['error']}"
            rows.append(f"| {r['size']} | | {r['engine']} | {note} | | | | | | |")
            continue
        store: dict = next(
            (x["metrics"] for x in results if x["size"] == r["size"] and x["engine"] == "store"), {})
        same = "-" if r["engine"] == "store" or "digest" not in store else (
            "yes" if store["digest"] == m["digest"] and store["clashes"] == m["clashes"] else "NO")
        rows.append(f"| {r['size']} | {m['data_quads']:,} | {r['engine']} | {m['reason_wall_s']} "
                    f"| {m['reason_cpu_s']} | {m['peak_rss_mib']} | {m['closure']:,} | {m['entailments']:,} "
                    f"| {len(m['clashes'])} | {same} |")
    return "\n".join(rows)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled,100k,1M")
    parser.add_argument("--engines", default="store,reasonable,owlrl")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--workdir", type=Path, default=None, help="where generated projects are kept")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tipkg-reasoning-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        project = project_for(size.strip(), workdir)
        for engine in args.engines.split(","):
            metrics = measure(project, engine.strip(), args.timeout)
            results.append({"size": size.strip(), "engine": engine.strip(), "metrics": metrics})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    load = os.getloadavg()
    text = (f"{table(results)}\n\n{platform.python_version()} on {os.cpu_count()} cores, "
            f"load average {load[0]:.1f} at the end (wall times grow with it; CPU times much less).")
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
