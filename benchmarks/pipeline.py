"""Measure the pipeline (measured, never asserted): wall time and peak memory of `tipkg validate` and
`tipkg build` on the bundled graph, next to the same work done with the plain `pyshacl` CLI and a plain owlrl
closure on the same files, as ratios; and owlrl against `reasonable` on the entailments the project uses.

    python benchmarks/pipeline.py [--project DIR] [--repeat 3]

Each measured command runs in a fresh process (imports included, as a user runs it); its peak resident
memory is read with getrusage in a small wrapper process of its own, so one measurement cannot inflate the
next. The best of --repeat runs is reported.
"""

from __future__ import annotations

import argparse
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

PLAIN_OWLRL = """
import sys
from rdflib import Dataset, Graph
import owlrl
graph = Graph()
for path in sys.argv[1:]:
    scratch = Dataset()
    scratch.parse(path, format="trig" if path.endswith(".trig") else "turtle")
    for s, p, o, _ in scratch.quads((None, None, None, None)):
        graph.add((s, p, o))
owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
print(len(graph))
"""


def child(argv: list[str]) -> None:
    """Run one command and print its wall time and the peak memory of the command (not of this wrapper)."""
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {"wall": wall, "peak_mib": peak_kib / 1024, "rc": done.returncode, "err": done.stderr[-500:]}
        )
    )


def measure(argv: list[str], repeat: int, ok_codes: tuple[int, ...] = (0,)) -> dict:
    runs = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--", *argv], capture_output=True, text=True, check=True
        ).stdout
        result = json.loads(out)
        if result["rc"] not in ok_codes:
            raise SystemExit(f"{' '.join(argv)} failed ({result['rc']}): {result['err']}")
        runs.append(result)
    return min(runs, key=lambda r: r["wall"])


def data_files(project: Path) -> list[Path]:
    return sorted(p for p in (project / "data").iterdir() if p.suffix in (".ttl", ".trig"))


def prepare(project: Path, scratch: Path) -> dict[str, Path]:
    """The same content as single files, for the plain tools: data union (N-Triples), ontology, shapes."""
    from tipkg.load import load_project
    from tipkg.project import Project

    loaded = load_project(Project(project))
    files = {
        "data": scratch / "data.nt",
        "ontology": scratch / "ontology.ttl",
        "shapes": scratch / "shapes.ttl",
    }
    loaded.data_graph().serialize(files["data"], format="nt", encoding="utf-8")
    loaded.ontology.serialize(files["ontology"], format="turtle")
    loaded.shapes.serialize(files["shapes"], format="turtle")
    return files


def entailments(project: Path) -> dict:
    """owlrl against reasonable: time of each closure on tipkg's reasoning input, and whether they agree."""
    from tipkg.load import load_project
    from tipkg.project import Project
    from tipkg.reason import Reasoner, reason, reasoning_input

    loaded = load_project(Project(project))
    result: dict = {"input_triples": len(reasoning_input(loaded)), "full_triples": len(loaded.full_graph())}
    inferred = {}
    for engine in Reasoner:
        start = time.perf_counter()
        reasoning = reason(loaded, engine)
        result[f"{engine.value}_seconds"] = time.perf_counter() - start
        result[f"{engine.value}_closure"] = len(reasoning.closure)
        result[f"{engine.value}_consistent"] = reasoning.consistent
        inferred[engine] = set(reasoning.inferred())
    both = inferred[Reasoner.OWLRL] & inferred[Reasoner.REASONABLE]
    result["inferred_both"] = len(both)
    result["only_owlrl"] = len(inferred[Reasoner.OWLRL] - both)
    result["only_reasonable"] = len(inferred[Reasoner.REASONABLE] - both)
    by_predicate: dict[str, int] = {}
    for _, p, _ in both:
        by_predicate[str(p)] = by_predicate.get(str(p), 0) + 1
    result["top_entailed_predicates"] = sorted(by_predicate.items(), key=lambda kv: -kv[1])[:8]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = args.project.resolve()
    tipkg = [sys.executable, "-m", "tipkg"]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        files = prepare(project, scratch)
        rows = {
            "tipkg validate": measure([*tipkg, "validate", "--project", str(project)], args.repeat),
            "tipkg validate --reasoner owlrl": measure(
                [*tipkg, "validate", "--project", str(project), "--reasoner", "owlrl"], args.repeat
            ),
            "tipkg build": measure(
                [*tipkg, "build", "--project", str(project), "--out", str(scratch / "dist")], args.repeat
            ),
            "pyshacl CLI (same shapes, -a)": measure(
                [
                    "pyshacl",
                    "-s",
                    str(files["shapes"]),
                    "-e",
                    str(files["ontology"]),
                    "-a",
                    "-df",
                    "nt",
                    str(files["data"]),
                ],
                args.repeat,
                ok_codes=(0, 1),
            ),
            "plain owlrl closure (all files)": measure(
                [
                    sys.executable,
                    "-c",
                    PLAIN_OWLRL,
                    *map(str, project.joinpath("ontology").glob("*.ttl")),
                    *map(str, data_files(project)),
                ],
                max(1, args.repeat - 2),
            ),
        }
    base = rows["tipkg validate"]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"{'command':40} {'wall s':>8} {'peak MiB':>9} {'time / validate':>16}")
    for name, row in rows.items():
        print(f"{name:40} {row['wall']:8.2f} {row['peak_mib']:9.0f} {row['wall'] / base['wall']:16.2f}")
    print()
    print("owlrl vs reasonable on tipkg's reasoning input (ontology + data without provenance annotations):")
    print(json.dumps(entailments(project), indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[3:])
    else:
        main()
