"""`tipkg validate`: SHACL on the asserted data, OWL 2 RL consistency and the query checks, one typed report.

- SHACL (pyshacl) runs on the union of the data graphs (named graphs merged), with the ontology as the
  ontology graph so that `sh:targetClass` reaches instances of subclasses, and *without* inference: shapes are
  written for asserted data, and inferred triples would change which shapes fail.
- Consistency is checked separately on the OWL 2 RL closure (`tipkg.reason`).
- The query checks are the catalogue's (`tipkg.queries`), run on the project's store (`tipkg.engine`).

Every problem becomes a `Finding` with a `Severity`; `Report.failed(fail_on)` says whether the run fails.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, cached_property, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from tipkg.budget import DEFAULT_BUDGETS, Budgets, Step, Timed, usable_cores
from tipkg.engine import ProjectStore
from tipkg.errors import InputError
from tipkg.load import LoadedProject, union_of
from tipkg.locate import Location, declared_prefixes, definition_index
from tipkg.progress import QUIET, Progress
from tipkg.queries import CheckOutcome, check_catalogue, load_catalogue
from tipkg.reason import DEFAULT_REASONER, Clash, Reasoner, Reasoning, reason
from tipkg.shaclcore import CorePlan, Result, compile_shapes, has_work, recursive_shape, run_plan
from tipkg.sparql import Sparql, screen
from tipkg.sparqlshapes import SparqlConstraint, evaluate, expand_sparql_targets, split_shapes
from tipkg.terms import from_ox, label_of, term_text, to_ox
from tipkg.vocab import SH, bind_prefixes


class Severity(Enum):
    """SHACL's three severities, ordered; consistency and query failures are violations."""

    INFO = 0
    WARNING = 1
    VIOLATION = 2

    @classmethod
    def from_iri(cls, iri) -> Severity:
        return {SH.Info: cls.INFO, SH.Warning: cls.WARNING}.get(iri, cls.VIOLATION)

    @property
    def iri(self) -> URIRef:
        return {Severity.INFO: SH.Info, Severity.WARNING: SH.Warning, Severity.VIOLATION: SH.Violation}[self]

    @property
    def word(self) -> str:
        return self.name.lower()


class FailOn(Enum):
    """The least severity that makes `tipkg validate` exit 1."""

    VIOLATION = "violation"
    WARNING = "warning"

    @property
    def threshold(self) -> Severity:
        return Severity.WARNING if self is FailOn.WARNING else Severity.VIOLATION


class Check(Enum):
    """The families of checks, each reported with its own name."""

    SHACL = "shacl"
    CONSISTENCY = "consistency"
    VIOLATION_QUERY = "violation-query"
    EXPECTED_RESULTS = "expected-results"


@dataclass(frozen=True)
class Finding:
    """One problem: where (focus node, its label, file:line), what (path, value, message) and how bad."""

    check: Check
    severity: Severity
    message: str
    focus: str | None = None
    label: str | None = None
    path: str | None = None
    value: str | None = None
    source: str | None = None  # the shape, rule or query that found it
    location: str | None = None  # file:line where the focus node is defined
    path_iri: str | None = None  # the terms themselves, for the Turtle report
    value_n3: str | None = None
    shape_iri: str | None = None


@dataclass(frozen=True)
class CheckRun:
    """A check that ran, and how many findings it gave (for summaries and JUnit test cases)."""

    check: Check
    name: str
    findings: int


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    runs: list[CheckRun] = field(default_factory=list)
    reasoning: Reasoning | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def failed(self, fail_on: FailOn = FailOn.VIOLATION) -> bool:
        return any(f.severity.value >= fail_on.threshold.value for f in self.findings)

    def by_focus(self) -> list[tuple[str | None, list[Finding]]]:
        """Findings grouped by focus node (nodeless findings last), in a stable order."""
        groups: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.focus, []).append(finding)
        return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))


# --- SHACL ------------------------------------------------------------------------------------------------


SHAPE_QUERIES = (SH.select, SH.ask)


def screen_shape_queries(shapes: Graph) -> None:
    """Refuse a shape whose SPARQL would reach out (SERVICE), update, or overflow a parser (exit 2).

    pyshacl evaluates what tipkg does not take over with rdflib's engine; rdflib's loading of `FROM` graphs
    is switched off for that run (`SPARQL_LOAD_GRAPHS`), and this screen covers the rest."""
    for predicate in SHAPE_QUERIES:
        for node, text in shapes.subject_objects(predicate):
            screen(str(text), f"shape {term_text(node)}")


def copy_of(graph: Graph) -> Graph:
    copy = Graph()
    for prefix, namespace in graph.namespaces():
        copy.bind(prefix, namespace)
    for triple in graph:
        copy.add(triple)
    return copy


def run_pyshacl(loaded: LoadedProject, shapes: Graph) -> Graph:
    """pyshacl's results graph for the union of the data against the shapes (no inference)."""
    import pyshacl  # imported late: it is the slowest import of the tool
    import rdflib.plugins.sparql
    from pyshacl.errors import ShapeRecursionWarning

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # FROM <file:...> in a shape never reads the file
    shapes = copy_of(shapes)  # pyshacl adds triples to the shapes graph it is given

    try:
        with warnings.catch_warnings():  # pyshacl only warns of recursive shapes, then backs out of them
            warnings.simplefilter("error", ShapeRecursionWarning)
            _conforms, results, _text = pyshacl.validate(
                loaded.data_graph(),
                shacl_graph=shapes,
                ont_graph=loaded.ontology,
                inference="none",
                advanced=True,
                allow_warnings=False,
                abort_on_first=False,
            )
    except ShapeRecursionWarning:
        raise recursive_shapes(loaded) from None
    except (pyshacl.errors.ReportableRuntimeError, re.error) as exc:  # sh:path "notapath", sh:pattern "["
        text = exc.message if isinstance(exc, pyshacl.errors.ReportableRuntimeError) else f"sh:pattern: {exc}"
        reason = str(text).strip().splitlines()[0]
        raise InputError(f"a shape cannot be used: {reason}", loaded.project.shapes_dir,
                         hint="pySHACL could not load the shapes; fix the shape this describes") from None
    return results


def recursive_shapes(loaded: LoadedProject, shape: object = None) -> InputError:
    named = f" ({term_text(shape, loaded.shapes)})" if shape is not None else ""
    return InputError(f"recursive shapes (a shape reaches itself through sh:node, sh:property, ...){named}: "
                      "SHACL leaves their results undefined", loaded.project.shapes_dir,
                      hint="break the cycle")


def shacl_check(
    loaded: LoadedProject, where: Sources, whole_queries: bool = True, store: ProjectStore | None = None
) -> list[Finding]:
    """SHACL findings. With `whole_queries`, everything runs on the project's store: SPARQL targets and
    constraints once per shape (`tipkg.sparqlshapes`), the core constraints compiled to one query each
    (`tipkg.shaclcore`); pySHACL checks only what neither takes over, and is not run at all when nothing is
    left. Without, everything is left to pySHACL (the reference the tests compare with)."""
    if not len(loaded.shapes):
        return []
    screen_shape_queries(loaded.shapes)
    if not whole_queries:
        return sorted(shacl_findings(loaded, run_pyshacl(loaded, loaded.shapes), where), key=finding_key)
    if (shape := recursive_shape(loaded.shapes)) is not None:
        raise recursive_shapes(loaded, shape)
    store = store if store is not None else ProjectStore(loaded)
    work = take_over(loaded, store)
    findings = []
    if has_work(work.rest):  # pySHACL gets core targets, never a SPARQL target to evaluate with rdflib
        findings = shacl_findings(loaded, run_pyshacl(loaded, work.expanded_rest()), where)
    findings += core_findings(loaded, where, work.plan.results)
    for constraint in work.taken:
        for row in evaluate(constraint, store):
            findings.append(
                make_finding(
                    loaded, where, row.focus, row.path, row.value, reported_shape(row.shape, row.constraint),
                    row.severity, row.message,
                )
            )
    return sorted(findings, key=finding_key)


@dataclass
class TakenOver:
    """The SHACL work done on the store: SHACL-SPARQL constraints (`tipkg.sparqlshapes`, evaluated by
    `shacl_check`) and the core constraints, run (`tipkg.shaclcore`); `rest` is what is left to pySHACL."""

    taken: list[SparqlConstraint]
    plan: CorePlan
    rest: Graph
    store: ProjectStore

    def expanded_rest(self) -> Graph:
        """`rest` with its SPARQL targets selected on the store (pySHACL would run them with rdflib)."""
        select = self.store.select_column
        return expand_sparql_targets(self.rest, lambda text: [from_ox(t) for t in select(text)])


def take_over(loaded: LoadedProject, store: ProjectStore) -> TakenOver:
    """Take over from pySHACL what runs on the store: the SHACL-SPARQL constraints `split_shapes` takes,
    and the core constraints `tipkg.shaclcore` compiles (run here)."""
    def nodes(text: str) -> list:
        return [from_ox(t) for t in store.select_column(text)]
    shapes = expand_for_sparql(loaded.shapes, nodes)
    shapes, taken = split_shapes(shapes, sparql_focus_graph(shapes, store))
    plan = run_plan(compile_shapes(shapes, loaded), loaded, store)
    return TakenOver(taken, plan, plan.rest(), store)


def expand_for_sparql(shapes: Graph, nodes) -> Graph:
    """The SPARQL targets of the shapes with SHACL-SPARQL constraints expanded to sh:targetNode
    (`expand_sparql_targets`: `split_shapes` takes only constraints of shapes with core targets). Other
    shapes keep their sh:target: `tipkg.shaclcore` selects its nodes on the store, and they never become
    rdflib terms (a hundred thousand of them, at scale)."""
    kept = {(s, t) for s, t in shapes.subject_objects(SH.target) if (s, SH.sparql, None) not in shapes}
    if not kept:
        return expand_sparql_targets(shapes, nodes)
    view = Graph()
    for prefix, namespace in shapes.namespaces():
        view.bind(prefix, namespace)
    for s, p, o in shapes:
        if not (p == SH.target and (s, o) in kept):
            view.add((s, p, o))
    expanded = expand_sparql_targets(view, nodes)
    for s, o in kept:
        expanded.add((s, SH.target, o))
    return expanded


def sparql_focus_graph(shapes: Graph, store: ProjectStore) -> Graph:
    """What `split_shapes` reads to find the focus nodes of the SHACL-SPARQL constraints it takes, from the
    store's asserted graphs (the data with the ontology): the instances of their target classes with the
    rdfs:subClassOf links between those classes, and the triples of their sh:targetSubjectsOf and
    sh:targetObjectsOf predicates. It finds the same nodes as in the whole merged graph, without converting
    the whole graph to rdflib."""
    classes: set = set()
    predicates: set = set()
    for shape in set(shapes.subjects(SH.sparql, None)):
        classes.update(c for c in shapes.objects(shape, SH.targetClass) if isinstance(c, URIRef))
        if isinstance(shape, URIRef) and ((shape, RDF.type, RDFS.Class) in shapes
                                          or (shape, RDF.type, OWL.Class) in shapes):
            classes.add(shape)
        for target in (SH.targetSubjectsOf, SH.targetObjectsOf):
            predicates.update(p for p in shapes.objects(shape, target) if isinstance(p, URIRef))
    queries = []
    if classes:
        listed = " ".join(str(to_ox(c)) for c in sorted(classes))
        subclass, kind = str(to_ox(RDFS.subClassOf)), str(to_ox(RDF.type))
        queries.append(f"SELECT ?s ?p ?o WHERE {{ VALUES ?c {{ {listed} }} ?o {subclass}* ?c . "
                       f"{{ ?s {subclass} ?o . ?s {subclass}* ?c . BIND({subclass} AS ?p) }} UNION "
                       f"{{ ?s {kind} ?o . BIND({kind} AS ?p) }} }}")
    for predicate in sorted(predicates):
        name = str(to_ox(predicate))
        queries.append(f"SELECT ?s ?p ?o WHERE {{ ?s {name} ?o . BIND({name} AS ?p) }}")
    graph = Graph()
    for query in queries:
        for row in store.query(Sparql.parse(query, "focus nodes of SHACL-SPARQL constraints")).rows:
            graph.add(tuple(from_ox(term) for term in row))  # type: ignore[arg-type]
    return graph


def core_findings(loaded: LoadedProject, where: Sources, results: list[Result]) -> list[Finding]:
    """The compiled constraints' results as findings, named as `shacl_findings` names pySHACL's: the result
    path with the prefixes of pySHACL's report graph, values with those of the data graph, labels from the
    data. Nothing here converts the data to rdflib (at scale that costs more than the checks)."""
    if not results:
        return []
    report = Graph(bind_namespaces="core")  # pySHACL's report graph: core prefixes, then the shapes graph's
    for prefix, namespace in loaded.shapes.namespaces():
        report.bind(prefix, namespace)
    for path in {r.path for r in results if isinstance(r.path, BNode)}:
        for triple in path_triples(loaded.shapes, path):
            report.add(triple)
    labels = label_graph(loaded, {r.focus for r in results})
    return [
        Finding(
            check=Check.SHACL,
            severity=Severity.from_iri(r.severity),
            message=r.message,
            focus=node_id(r.focus),
            label=label_of(r.focus, labels),
            path=path_text(report, r.path) if r.path is not None else None,
            value=term_text(r.value, data_names()) if r.value is not None else None,
            source=term_text(r.shape, where.names) if isinstance(r.shape, URIRef) else None,
            location=where.locate(r.focus),
            path_iri=str(r.path) if isinstance(r.path, URIRef) else None,
            value_n3=r.value.n3() if isinstance(r.value, URIRef | Literal) else None,
            shape_iri=str(r.shape) if isinstance(r.shape, URIRef) else None,
        )
        for r in results
    ]


def path_triples(graph: Graph, node) -> list[tuple]:
    """The triples that describe a blank-node path (its lists and nested paths)."""
    triples, frontier, seen = [], [node], set()
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in graph.predicate_objects(current):
            triples.append((current, p, o))
            if isinstance(o, BNode):
                frontier.append(o)
    return triples


def label_from_store(loaded: LoadedProject, node) -> str | None:
    """A finding's label, read from the data's store (converting the data to rdflib costs more at scale than
    every check)."""
    return label_of(node, label_graph(loaded, [node])) if node is not None else None


@cache
def data_names() -> Graph:
    """The namespaces of `loaded.data_graph()` (values are written with its prefixes), without its triples."""
    return union_of(())


def label_graph(loaded: LoadedProject, nodes) -> Graph:
    """The data's skos:prefLabel and rdfs:label of some nodes, read from the data's store."""
    graph = Graph()
    for node in nodes:
        if not isinstance(node, URIRef):
            continue
        for predicate in (SKOS.prefLabel, RDFS.label):
            quads = loaded.store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(predicate), None, None)
            for quad in quads:
                label = from_ox(quad.object)
                if label is not None:
                    graph.add((node, predicate, label))
    return graph


def make_finding(
    loaded: LoadedProject,
    where: Sources,
    focus,
    path,
    value,
    shape,
    severity,
    message: str,
    path_graph: Graph | None = None,
) -> Finding:
    return Finding(
        check=Check.SHACL,
        severity=Severity.from_iri(severity),
        message=message,
        focus=node_id(focus),
        label=label_from_store(loaded, focus),
        path=path_text(path_graph if path_graph is not None else where.names, path)
        if path is not None
        else None,
        value=term_text(value, data_names()) if value is not None else None,
        source=term_text(shape, where.names) if isinstance(shape, URIRef) else None,
        location=where.locate(focus),
        path_iri=str(path) if isinstance(path, URIRef) else None,
        value_n3=value.n3() if isinstance(value, URIRef | Literal) else None,
        shape_iri=str(shape) if isinstance(shape, URIRef) else None,
    )


def path_text(graph: Graph, path) -> str:
    """A SHACL property path as SPARQL path syntax, with prefixed names."""
    if isinstance(path, URIRef):
        return term_text(path, graph)
    if isinstance(path, BNode):
        if graph.value(path, RDF.first) is not None:
            return "/".join(path_text(graph, step) for step in Collection(graph, path))
        for predicate, wrap in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = graph.value(path, predicate)
            if inner is not None:
                return wrap.format(path_text(graph, inner))
        alternatives = graph.value(path, SH.alternativePath)
        if alternatives is not None:
            return "|".join(path_text(graph, step) for step in Collection(graph, alternatives))
    return str(path)


def shape_message(shapes: Graph, results: Graph, result) -> str:
    messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
    if messages:
        return "; ".join(messages)
    shape = results.value(result, SH.sourceShape)
    declared = sorted(str(m) for m in shapes.objects(shape, SH.message)) if shape is not None else []
    if declared:
        return "; ".join(declared)
    component = results.value(result, SH.sourceConstraintComponent)
    return f"fails {term_text(component, results)}" if component is not None else "fails a shape"


def node_id(node) -> str | None:
    """A focus node as text: the IRI, `_:label` for a blank node, the lexical form for a literal."""
    if node is None:
        return None
    return node.n3() if isinstance(node, BNode) else str(node)


def reported_shape(shape, constraint):
    """The shape a finding names: a SHACL-SPARQL constraint with an IRI of its own (tipsh:PhoneLengthRule)
    says more than the node shape it hangs on (tipsh:HotlineShape)."""
    return constraint if isinstance(constraint, URIRef) else shape


def shacl_findings(loaded: LoadedProject, results: Graph, where: Sources) -> list[Finding]:
    """pyshacl's validation results as findings."""
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        findings.append(
            make_finding(
                loaded,
                where,
                focus=results.value(result, SH.focusNode),
                path=results.value(result, SH.resultPath),
                value=results.value(result, SH.value),
                shape=reported_shape(results.value(result, SH.sourceShape),
                                     results.value(result, SH.sourceConstraint)),
                severity=results.value(result, SH.resultSeverity),
                message=shape_message(loaded.shapes, results, result),
                path_graph=results,
            )
        )
    return findings


def finding_key(finding: Finding) -> tuple:
    return (
        finding.focus or "",
        -finding.severity.value,
        finding.path or "",
        finding.message,
        finding.value or "",
        finding.source or "",
    )


@dataclass
class Sources:
    """Where things are written: each subject's defining line, and the prefixes the files declare."""

    files: list[Path]
    root: Path
    names: Graph

    @cached_property
    def index(self) -> dict[URIRef, Location]:
        """Made when a finding first asks (reading every file's text again: seconds at a million triples)."""
        return definition_index(self.files)

    @classmethod
    def of(cls, loaded: LoadedProject) -> Sources:
        names = Graph()
        bind_prefixes(names)
        for prefix, namespace in declared_prefixes(loaded.files).items():
            if prefix not in dict(names.namespaces()):
                names.bind(prefix, namespace)
        return cls(list(loaded.files), loaded.project.root, names)

    def locate(self, node) -> str | None:
        location = self.index.get(node) if isinstance(node, URIRef) else None
        return location.display(self.root) if location else None


# --- consistency and queries ------------------------------------------------------------------------------


def clash_findings(loaded: LoadedProject, clashes: Iterable[Clash], where: Sources) -> list[Finding]:
    findings = []
    for clash in clashes:
        focus = next((n for n in clash.nodes if isinstance(n, URIRef)), None)
        findings.append(
            Finding(
                check=Check.CONSISTENCY,
                severity=Severity.VIOLATION,
                message=clash.message,
                focus=node_id(focus),
                label=label_from_store(loaded, focus),
                source=f"OWL 2 RL {clash.rule}",
                location=where.locate(focus),
            )
        )
    return findings


def query_findings(loaded: LoadedProject, outcome: CheckOutcome, where: Sources) -> list[Finding]:
    if not outcome.problem:
        return []
    check = Check.VIOLATION_QUERY if outcome.kind == "violation" else Check.EXPECTED_RESULTS
    source = display(loaded, outcome.query.path)
    if not outcome.rows:
        return [Finding(check, Severity.VIOLATION, outcome.problem, source=source)]
    findings = []
    for row in outcome.rows:  # one finding per offending row, on the row's first IRI when it has one
        focus = next((URIRef(cell) for cell in row if cell.startswith(("http://", "https://", "urn:"))), None)
        findings.append(
            Finding(
                check,
                Severity.VIOLATION,
                f"{outcome.query.title} ({', '.join(row)})",
                focus=node_id(focus),
                label=label_from_store(loaded, focus),
                source=source,
                location=where.locate(focus),
            )
        )
    return findings


def query_checks(
    loaded: LoadedProject, reasoning: Reasoning, with_expected: bool, store: ProjectStore,
    budgets: Budgets = DEFAULT_BUDGETS,
) -> list[CheckOutcome]:
    """The catalogue's checks (`tipkg.queries`) on the project's store, within the query budget;
    `# inferred: yes` questions see the entailments, added to the store when the first of them runs."""
    folder = loaded.project.queries_dir
    if not folder.is_dir():
        return []
    store.offer_entailments(reasoning.entailments)
    return check_catalogue(load_catalogue(folder), store, with_expected, budgets.query_seconds)


def display(loaded: LoadedProject, path: Path) -> str:
    """A project file's path relative to the project, for messages."""
    return str(path.relative_to(loaded.project.root) if path.is_relative_to(loaded.project.root) else path)


# --- the whole run ----------------------------------------------------------------------------------------


def validate(
    loaded: LoadedProject, reasoner: Reasoner = DEFAULT_REASONER, with_expected: bool = True,
    budgets: Budgets = DEFAULT_BUDGETS, progress: Progress = QUIET,
) -> Report:
    """Run every check on a loaded project; the report says what failed, nothing is raised for a failure.
    SHACL and the query checks each run within their budget (`tipkg.budget`), or raise BudgetExceeded."""
    where = Sources.of(loaded)
    report = Report()

    with progress.stage("the store"):
        store = ProjectStore(loaded)  # for SPARQL targets and the query checks
    # SHACL and reasoning are independent: each runs in its budget's child process, side by side when the
    # machine has a second core (a million triples: 12 s and 12-19 s one after the other, together 18 s).
    shapes = Step("the shapes in shapes/", partial(shacl_check, loaded, where, store=store))
    shacl_stage = Timed("SHACL", [shapes], budgets.shacl_seconds, "--shacl-timeout")
    closing = Step(f"the OWL 2 RL closure ({reasoner.value})", partial(reason, loaded, reasoner))
    reason_stage = Timed("reasoning", [closing], budgets.reason_seconds, "--reason-timeout")
    with shacl_stage, reason_stage, progress.stage("SHACL and OWL 2 RL"):
        if usable_cores() > 1:
            reason_stage.start()
        [shacl] = shacl_stage.results()
        [reasoning] = reason_stage.results()
    progress.line("  SHACL", len(shacl), "findings", sum(shacl_stage.seconds_taken))
    progress.line(f"  OWL 2 RL ({reasoner.value})", len(reasoning.entailments), "entailments",
                  sum(reason_stage.seconds_taken))
    report.findings += shacl
    report.runs.append(CheckRun(Check.SHACL, f"SHACL ({len(loaded.shapes)} shape triples)", len(shacl)))
    report.reasoning = reasoning
    clashes = clash_findings(loaded, reasoning.clashes, where)
    report.findings += clashes
    report.runs.append(CheckRun(Check.CONSISTENCY, f"OWL 2 RL consistency ({reasoner.value})", len(clashes)))

    with progress.stage("query checks", unit="queries") as advance:
        outcomes = query_checks(loaded, reasoning, with_expected, store, budgets)
        advance(len(outcomes))
    for outcome in outcomes:
        found = query_findings(loaded, outcome, where)
        report.findings += found
        check = Check.VIOLATION_QUERY if outcome.kind == "violation" else Check.EXPECTED_RESULTS
        report.runs.append(CheckRun(check, outcome.query.name, len(found)))
    return report
