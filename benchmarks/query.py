"""Measure the query engine change (issue 9), measured, never asserted: `tipkg query run`, `tipkg sparql` and
`tipkg query check` on the bundled graph, BEFORE (commit 1210b6f: rdflib's SPARQL engine over an rdflib
Dataset) and AFTER (the working tree: one pyoxigraph store, `tipkg.engine.ProjectStore`), side by side.

    python benchmarks/query.py [--runs 5] [--project DIR]
    python benchmarks/query.py --before-python /tmp/venv-before/bin/python --after-python python3

Without --before-python, the BEFORE side is made when missing (and reused afterwards):
    git worktree add --detach /tmp/tipkg-before 1210b6f     (outside the repo tree)
    python3 -m venv --system-site-packages /tmp/venv-before
    /tmp/venv-before/bin/pip install --no-deps -e /tmp/tipkg-before
so that its `tipkg` runs the old code with the same libraries, while --after-python (default: this Python,
which must import tipkg from this checkout's src/) runs the new. Both read the same project: --project, or
by default the bundled graph as committed at HEAD (ontology/ data/ shapes/ queries/, `git archive`d into a
scratch folder), so that both answer over the same files and an edit in progress cannot skew a run.
Remove the BEFORE side with `git worktree remove /tmp/tipkg-before && rm -rf /tmp/venv-before`.

Two tables, Markdown, ready for the README:

1. Whole commands, as a user waits for them: each a fresh process (`PYTHON -m tipkg ...`, imports included),
   one unmeasured warm-up run per side, then --runs runs alternating BEFORE and AFTER; the median wall time
   and the median peak resident memory. Peak memory comes from `/usr/bin/time -v` when it is installed,
   else from getrusage(RUSAGE_CHILDREN) in a small wrapper process per run; the header says which. The
   answer column is the row count each side reported (they must agree). Byte-code is cached in a scratch
   folder (PYTHONPYCACHEPREFIX, filled by the warm-up runs) so that neither side recompiles its sources on
   every run, as an installed tipkg does not; nothing is written into either checkout.
2. In process, where the time goes: starting Python (`python -c pass`, apart), then --runs fresh processes
   per side, each timing once: `import tipkg.cli`, loading the project files, building the query store
   (asserted; then with the OWL 2 RL entailments, as an inferred question needs), a first throwaway query
   (the engine's own start-up), and for each query the parse (reading, parsing, binding the parameters) and
   then the evaluation alone, parse excluded: the median of --runs evaluations after one unmeasured one,
   rows materialised. BEFORE evaluates with the old
   `LocalStore.query` (rdflib `Dataset.query` on the prepared algebra + the rows), AFTER with
   `ProjectStore.query`. For `query check` the evaluation is every checked query of the catalogue, once
   each, with its example parameters, on the store it needs (as `tipkg query check` runs them).
   Figures are medians over the processes.

Nothing here runs inside the tests; nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEFORE_REF = "1210b6f"
BEFORE_TREE = Path("/tmp/tipkg-before")
BEFORE_VENV = Path("/tmp/venv-before")
TIME_V = Path("/usr/bin/time")
CONTENT = ("ontology", "data", "shapes", "queries")  # a project's folders (tipkg.project.Project)


@dataclass(frozen=True)
class Case:
    """One measured command: its CLI arguments and how to run the same query in process."""

    label: str
    argv: tuple[str, ...]
    kind: str  # "canned", "sparql" or "check"
    name: str = ""  # canned query name, or the ad-hoc text
    params: tuple[str, ...] = ()


CASES = (
    Case("query run immigration-relief", ("query", "run", "immigration-relief"),
         "canned", "immigration-relief"),
    Case("query run statement-sentence (3 params)",
         ("query", "run", "statement-sentence", "--param", "subject=id:uscis", "--param",
          "predicate=tip:awards", "--param", "object=id:t-visa"),
         "canned", "statement-sentence", ("subject=id:uscis", "predicate=tip:awards", "object=id:t-visa")),
    Case("query run inferred-transitive-sub-organisations (entailments)",
         ("query", "run", "inferred-transitive-sub-organisations", "--param", "org=id:doj"),
         "canned", "inferred-transitive-sub-organisations", ("org=id:doj",)),
    Case("sparql organisations and names",
         ("sparql", "SELECT ?o ?name WHERE { ?o a org:Organization ; skos:prefLabel ?name }"),
         "sparql", "SELECT ?o ?name WHERE { ?o a org:Organization ; skos:prefLabel ?name }"),
    Case("sparql COUNT(*)", ("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
         "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
    Case("query check (46 checks)", ("query", "check"), "check"),
)


def note(message: str) -> None:
    print(f"query.py: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------- the two sides


def tipkg_location(python: str) -> Path:
    done = subprocess.run([python, "-c", "import tipkg; print(tipkg.__file__)"], capture_output=True,
                          text=True, cwd=tempfile.gettempdir(), env=child_env())
    if done.returncode:
        raise SystemExit(f"{python} cannot import tipkg: {done.stderr.strip()[-300:]}")
    return Path(done.stdout.strip()).resolve().parent


PYCACHE: list[str] = []  # set by main(): where the measured processes keep their byte-code


def child_env() -> dict[str, str]:
    """The environment of every measured process: no PYTHONPATH, so each Python imports its own tipkg; and
    byte-code cached in a scratch folder (PYTHONPYCACHEPREFIX), written by the warm-up runs, so that both
    sides import compiled modules as an installed tipkg does (PYTHONDONTWRITEBYTECODE would make every run
    compile tipkg's sources again) without writing __pycache__ folders into either checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if PYCACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE[0]
    return env


def make_before(tree: Path, venv: Path, ref: str) -> str:
    """The BEFORE interpreter: a worktree of `ref` installed (editable, no deps) in a venv of its own."""
    python = venv / "bin" / "python"
    if not tree.is_dir():
        note(f"creating the BEFORE checkout: git worktree add --detach {tree} {ref}")
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), ref], check=True)
    if not python.exists():
        note(f"creating the BEFORE environment: python3 -m venv --system-site-packages {venv}")
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    if tipkg_location(str(python)) != (tree / "src" / "tipkg").resolve():
        note(f"installing the BEFORE code: {venv}/bin/pip install --no-deps -e {tree}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(tree)],
                       check=True)
    return str(python)


def describe_side(python: str) -> str:
    location = tipkg_location(python)
    root = location.parent.parent
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--",
                            "src"], capture_output=True, text=True).stdout.strip()
    state = f"{head}{' + uncommitted changes in src/' if dirty else ''}"
    return f"`{python}`, tipkg from `{location}` ({state})"


def committed_project(folder: Path) -> tuple[Path, str]:
    """The bundled graph as committed at HEAD (its content folders, `git archive`d into `folder`): both sides
    read the same files, and an edit in progress in the working tree cannot skew or break a measurement."""
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD", "--", *CONTENT],
                             capture_output=True, check=True).stdout
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(folder, filter="data")
        else:
            tar.extractall(folder)  # our own repository's HEAD
    return folder, f"the bundled graph as committed at {head} ({', '.join(f'{c}/' for c in CONTENT)})"


# --------------------------------------------------------------------------------------------- whole commands


@dataclass
class Run:
    wall: float
    peak_mib: float
    answer: str


@dataclass
class Runs:
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return statistics.median(r.peak_mib for r in self.runs)

    @property
    def answer(self) -> str:
        return "; ".join(sorted({r.answer for r in self.runs}))


def answer_of(stdout: str, stderr: str) -> str:
    checks = re.search(r"\d+ of \d+ query checks passed", stdout)
    if checks:
        return checks.group(0).replace(" query checks", "")
    rows = re.findall(r"tipkg: (\d+ rows?) from", stderr)
    return rows[-1] if rows else "?"


def rusage_child(argv: list[str]) -> None:
    """Wrapper mode (no /usr/bin/time): run one command, print its wall time and its own peak memory."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=child_env())
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(json.dumps({"wall": wall, "peak_kib": peak_kib, "rc": done.returncode, "stdout": done.stdout,
                      "stderr": done.stderr}))


def run_command(python: str, case: Case, project: Path) -> Run:
    argv = [python, "-m", "tipkg", *case.argv, "--project", str(project)]
    if TIME_V.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
            started = time.perf_counter()
            done = subprocess.run([str(TIME_V), "-v", "-o", report.name, *argv], capture_output=True,
                                  text=True, env=child_env(), cwd=REPO)
            wall = time.perf_counter() - started
            found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report.read())
        rc, stdout, stderr = done.returncode, done.stdout, done.stderr
        peak_kib = int(found.group(1)) if found else float("nan")
    else:
        out = subprocess.run([sys.executable, __file__, "--rusage-child", "--", *argv], capture_output=True,
                             text=True, check=True, cwd=REPO).stdout
        result = json.loads(out)
        rc, stdout, stderr = result["rc"], result["stdout"], result["stderr"]
        wall, peak_kib = result["wall"], result["peak_kib"]
    if rc != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({rc}):\n{stderr[-1500:]}")
    return Run(wall, peak_kib / 1024, answer_of(stdout, stderr))


def measure_commands(before: str, after: str, project: Path, runs: int) -> list[tuple[Case, Runs, Runs]]:
    table = []
    for case in CASES:
        note(f"timing `tipkg {' '.join(case.argv)}`")
        run_command(before, case, project)  # warm-up: page cache, byte-code of a fresh checkout
        run_command(after, case, project)
        sides = Runs(), Runs()
        for _ in range(runs):
            sides[0].runs.append(run_command(before, case, project))
            sides[1].runs.append(run_command(after, case, project))
        table.append((case, *sides))
    return table


# --------------------------------------------------------------------------------------------- in process


def in_process_child(side: str, project_dir: str, repeat: int) -> None:
    """Child mode, run by the BEFORE or AFTER Python: time the steps of a query in this fresh process and
    print them as JSON (seconds)."""
    steps: dict[str, float] = {}
    clock = time.perf_counter
    started = clock()
    import tipkg.cli  # noqa: F401  (what the command imports before anything runs)
    from tipkg.load import load_project
    from tipkg.project import find_project
    from tipkg.queries import adhoc_query, find_query, load_catalogue
    from tipkg.reason import reason
    steps["import tipkg.cli"] = clock() - started

    started = clock()
    loaded = load_project(find_project(project_dir))
    steps["load the project files"] = clock() - started

    if side == "before":
        from tipkg.stores import local_store

        started = clock()
        asserted = local_store(loaded, False)
        steps["build the query store"] = clock() - started
        started = clock()
        entailed = local_store(loaded, True)  # the old CLI built a second dataset for an inferred question
        steps["entailments: reason, then store them"] = clock() - started

        def evaluate(query, bindings):  # type: ignore[no-untyped-def]
            return (entailed if query.inferred else asserted).query(query.sparql, bindings)
    else:
        from tipkg.engine import ProjectStore

        started = clock()
        store = ProjectStore(loaded)
        steps["build the query store"] = clock() - started
        started = clock()
        store.add_entailments(reason(loaded).entailments)
        steps["entailments: reason, then store them"] = clock() - started

        def evaluate(query, bindings):  # type: ignore[no-untyped-def]
            return store.query(query.sparql, bindings, inferred=query.inferred)

    started = clock()
    evaluate(adhoc_query("ASK { ?s ?p ?o }", "<warm-up>"), {})
    steps["first query of the process (engine start-up)"] = clock() - started

    folder = find_project(project_dir).queries_dir
    parse: dict[str, float] = {}
    evaluation: dict[str, float] = {}
    for case in CASES:
        started = clock()
        if case.kind == "check":
            catalogue = load_catalogue(folder)
            checked = [(q, q.example_bindings() if not q.is_violation else {}) for q in catalogue.queries
                       if q.is_violation or q.expected_path.is_file()]
            parse[case.label] = clock() - started

            def work(checked=checked):  # type: ignore[no-untyped-def]
                for query, bindings in checked:
                    evaluate(query, bindings)
        else:
            query = find_query(folder, case.name) if case.kind == "canned" else adhoc_query(case.name,
                                                                                           "<command line>")
            bindings = query.bindings(case.params)
            parse[case.label] = clock() - started

            def work(query=query, bindings=bindings):  # type: ignore[no-untyped-def]
                evaluate(query, bindings)
        work()  # unmeasured: the first evaluation of this query
        times = []
        for _ in range(repeat):
            started = clock()
            work()
            times.append(clock() - started)
        evaluation[case.label] = statistics.median(times)
    print(json.dumps({"steps": steps, "parse": parse, "evaluation": evaluation}))


def measure_in_process(before: str, after: str, project: Path, runs: int) -> dict[str, dict[str, list]]:
    """Per side, each figure's values over `runs` fresh processes (alternating sides)."""
    note(f"timing the steps in process ({runs} processes per side)")
    figures: dict[str, dict[str, list]] = {"before": {}, "after": {}}
    for _ in range(runs):
        for side, python in (("before", before), ("after", after)):
            started = time.perf_counter()
            subprocess.run([python, "-c", "pass"], check=True, env=child_env(), cwd=tempfile.gettempdir())
            figures[side].setdefault("steps:start Python (`python -c pass`)", []).append(
                time.perf_counter() - started)
            out = subprocess.run([python, __file__, "--in-process-child", side, str(project), str(runs)],
                                 capture_output=True, text=True, env=child_env(), cwd=tempfile.gettempdir())
            if out.returncode:
                raise SystemExit(f"the {side} in-process run failed:\n{out.stderr[-1500:]}")
            result = json.loads(out.stdout)
            for group in ("steps", "parse", "evaluation"):
                for name, seconds in result[group].items():
                    figures[side].setdefault(f"{group}:{name}", []).append(seconds)
    return figures


# --------------------------------------------------------------------------------------------- the tables


def ratio(after: float, before: float) -> str:
    return f"{after / before:.2f}" if before else "n/a"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}" if seconds >= 0.001 else f"{seconds * 1000:.3f}"


def print_tables(commands: list[tuple[Case, Runs, Runs]], figures: dict[str, dict[str, list]] | None,
                 runs: int, memory_method: str) -> None:
    print(f"### Whole commands: `tipkg ...` on the bundled graph, median of {runs} runs\n")
    print(f"Peak memory: {memory_method}.\n")
    print("| command | before s | after s | after/before | before peak MiB | after peak MiB | "
          "after/before | answer |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for case, before, after in commands:
        answer = before.answer if before.answer == after.answer else (
            f"**differs**: before {before.answer}, after {after.answer}")
        print(f"| `{case.label}` | {before.wall:.2f} | {after.wall:.2f} | {ratio(after.wall, before.wall)} | "
              f"{before.peak_mib:.0f} | {after.peak_mib:.0f} | {ratio(after.peak_mib, before.peak_mib)} | "
              f"{answer} |")
    if figures is None:
        return
    print(f"\n### In process: where the time goes, ms, median of {runs} fresh processes\n")
    print("| step | before ms | after ms | after/before |")
    print("|---|---:|---:|---:|")
    names = list(figures["after"])
    for name in names:
        group, _, label = name.partition(":")
        shown = {"steps": label, "parse": f"parse + bind: `{label}`",
                 "evaluation": f"evaluate (parse excluded): `{label}`"}[group]
        before = statistics.median(figures["before"][name])
        after = statistics.median(figures["after"][name])
        print(f"| {shown} | {milliseconds(before)} | {milliseconds(after)} | {ratio(after, before)} |")
    print("\nThe entailment step: before, a second rdflib Dataset with the entailments, built as the old CLI "
          "built it for an inferred question; after, the entailments added to the one store. Evaluation "
          "materialises the rows; parse + bind is reading the query, parsing it and binding the parameters "
          "(for the check: the whole catalogue).")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--rusage-child":
        rusage_child(sys.argv[3:] if sys.argv[2:3] == ["--"] else sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--in-process-child":
        in_process_child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command and side (median)")
    parser.add_argument("--project", type=Path, default=None,
                        help="the project both sides query [default: the bundled graph as committed at HEAD]")
    parser.add_argument("--before-python", default=None,
                        help=f"Python whose tipkg is the old code [default: made at {BEFORE_VENV}]")
    parser.add_argument("--after-python", default=sys.executable,
                        help="Python whose tipkg is the new code [default: this one]")
    parser.add_argument("--before-ref", default=BEFORE_REF, help="commit of the BEFORE side, when made")
    parser.add_argument("--no-in-process", action="store_true", help="only the whole commands")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    before = args.before_python or make_before(BEFORE_TREE, BEFORE_VENV, args.before_ref)
    after = args.after_python
    if tipkg_location(before) == tipkg_location(after):
        raise SystemExit(f"both Pythons import tipkg from {tipkg_location(after)}: nothing to compare")
    if args.before_python is None and tipkg_location(after) != (REPO / "src" / "tipkg").resolve():
        note(f"warning: the AFTER Python imports tipkg from {tipkg_location(after)}, not this checkout")

    memory_method = ("`/usr/bin/time -v` (maximum resident set size)" if TIME_V.exists()
                     else "getrusage(RUSAGE_CHILDREN).ru_maxrss in a wrapper process per run")
    versions = subprocess.run(
        [after, "-c", "import importlib.metadata as m; "
                      "print(*(f'{p} {m.version(p)}' for p in ('rdflib', 'pyoxigraph', 'reasonable')), "
                      "sep=', ')"],
        capture_output=True, text=True, env=child_env()).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="tipkg-query-bench-") as scratch:
        if args.project is None:
            project, described = committed_project(Path(scratch) / "project")
        else:
            project, described = args.project.resolve(), f"`{args.project.resolve()}`"
        PYCACHE.append(str(Path(scratch) / "pycache"))
        commands = measure_commands(before, after, project, args.runs)
        figures = None if args.no_in_process else measure_in_process(before, after, project, args.runs)
        PYCACHE.clear()

    print("## Query engine: before (rdflib) and after (pyoxigraph)\n")
    print(f"- project: {described}")
    print(f"- before: {describe_side(before)}")
    print(f"- after: {describe_side(after)}")
    print(f"- {platform.python_implementation()} {platform.python_version()}, {versions}; "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs\n")
    print_tables(commands, figures, args.runs, memory_method)


if __name__ == "__main__":
    main()
