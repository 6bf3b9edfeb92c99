"""The canned-query catalogue: `queries/*.rq`, one question each, with a comment header.

Header (leading `#` lines; a line that starts with `#` and spaces continues the previous field):

    # title: Who chairs the Senior Policy Operating Group
    # description: The post that chairs the group, who holds it and which office that post belongs to.
    # param: org — the organisation to ask about (an IRI such as id:dhs); all of them when not given
    # example: org=id:dhs
    # inferred: yes

- `param` names a variable of the query that `--param name=value` binds to an RDF term (never pasted into
  the text: the engine's substitution locally, a `VALUES` block written by pyoxigraph remotely). A SELECT
  query must
  project its parameters, so that both ways of binding give the same rows.
- `example` gives the parameter values that the expected results (`<name>.expected.csv`) were written for.
- `inferred: yes` means the question is about what the ontology entails (transitive, inverse properties):
  it runs over the graph plus its OWL 2 RL entailments.
- A query named `*-violation.rq` is a quality rule (ODK convention): it passes when it returns no rows.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from rdflib import Graph
from rdflib.compare import isomorphic

from tipkg.budget import Step, run_steps
from tipkg.engine import Bindings, QueryResult
from tipkg.errors import InputError, UsageError
from tipkg.formats import Format
from tipkg.load import read_text
from tipkg.results import csv_cells, serialize, write_table
from tipkg.sparql import Sparql, with_prefixes
from tipkg.terms import OxTerm, from_ox, parse_term
from tipkg.vocab import PREFIXES

HEADER_KEYS = {"title", "description", "param", "example", "inferred"}
VIOLATION_SUFFIX = "-violation"
EXPECTED_SUFFIX = ".expected.csv"  # SELECT/ASK: SPARQL CSV rows, in order
EXPECTED_GRAPH_SUFFIX = ".expected.nt"  # CONSTRUCT/DESCRIBE: N-Triples, compared as graphs
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    path: Path
    title: str
    description: str
    sparql: Sparql
    parameters: tuple[Parameter, ...] = ()
    example: Mapping[str, str] = field(default_factory=dict)
    inferred: bool = False

    @property
    def text(self) -> str:
        return self.sparql.text

    @property
    def is_violation(self) -> bool:
        return self.name.endswith(VIOLATION_SUFFIX)

    @property
    def expected_path(self) -> Path:
        suffix = EXPECTED_GRAPH_SUFFIX if self.sparql.form.returns_graph else EXPECTED_SUFFIX
        return self.path.with_name(self.name + suffix)

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise UsageError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")

    def bindings(self, assignments: Iterable[str] = ()) -> dict[str, OxTerm]:
        """`name=value` strings into RDF terms, checked against the declared parameters."""
        bound: dict[str, OxTerm] = {}
        for assignment in assignments:
            name, term = parse_assignment(assignment)
            self.parameter(name)
            if name in bound:
                raise UsageError(f"parameter {name!r} given twice")
            bound[name] = term
        return bound

    def example_bindings(self) -> dict[str, OxTerm]:
        return self.bindings(f"{k}={v}" for k, v in self.example.items())


# --- header -------------------------------------------------------------------------------------------------


def parse_header(text: str) -> dict[str, list[str]]:
    """The `# key: value` lines at the top of a query, continuation lines folded in; other comments pass."""
    fields: dict[str, list[str]] = {}
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        match = re.match(r"^\s?([a-z]+):\s*(.*)$", body)
        if match and match.group(1) in HEADER_KEYS:
            last = match.group(1)
            fields.setdefault(last, []).append(match.group(2).strip())
        elif last is not None and body.startswith(("  ", "\t")) and body.strip():
            fields[last][-1] = f"{fields[last][-1]} {body.strip()}"
        else:
            last = None  # a free comment ends the previous field
    return fields


def parse_parameter(text: str, path: Path) -> Parameter:
    match = re.match(r"^([A-Za-z_]\w*)\s*(?:—|–|--|-|:)\s*(.+)$", text)
    if not match:
        raise InputError(f"malformed '# param:' line {text!r}", path,
                         hint="write '# param: name — what it means'")
    return Parameter(match.group(1), match.group(2).strip())


def load_query(path: Path) -> CannedQuery:
    name = path.stem
    if not NAME_PATTERN.match(name):
        raise InputError(f"query name {name!r} must be lowercase letters, digits and hyphens", path)
    text = read_text(path)
    fields = parse_header(text)
    for required in ("title", "description"):
        if not fields.get(required) or not fields[required][0]:
            raise InputError(f"missing '# {required}:' header line", path)
    sparql = Sparql.parse(text, path)
    if name.endswith(VIOLATION_SUFFIX) and sparql.form.returns_graph:  # its rows are what fails the check
        raise InputError(f"a *{VIOLATION_SUFFIX}.rq rule must be a SELECT or ASK query, not "
                         f"{sparql.form.value}", path,
                         hint="select the offending nodes: SELECT ?x WHERE { ... }")
    parameters = tuple(parse_parameter(p, path) for p in fields.get("param", []))
    for parameter in parameters:
        if parameter.name not in sparql.variables:
            raise InputError(f"parameter {parameter.name!r} is not a variable of the query", path)
        if sparql.projected and parameter.name not in sparql.projected:
            raise InputError(f"parameter {parameter.name!r} must be selected (SELECT ?{parameter.name} ...)",
                             path, hint="a remote run binds it with a trailing VALUES block, which needs it")
    if parameters and sparql.has_trailing_values:
        raise InputError("a query with parameters cannot have its own trailing VALUES block", path)
    example: dict[str, str] = {}
    for line in fields.get("example", []):
        for assignment in line.split():
            key, _, value = assignment.partition("=")
            example[key] = value
    inferred_text = (fields.get("inferred") or ["no"])[0].lower()
    if inferred_text not in ("yes", "no", "true", "false"):
        raise InputError(f"'# inferred:' must be yes or no, not {inferred_text!r}", path)
    query = CannedQuery(name=name, path=path, title=fields["title"][0], description=fields["description"][0],
                        sparql=sparql, parameters=parameters, example=example,
                        inferred=inferred_text in ("yes", "true"))
    try:
        query.example_bindings()
    except UsageError as exc:
        raise InputError(f"bad '# example:' line: {exc}", path) from None
    return query


# --- the catalogue ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    folder: Path
    queries: tuple[CannedQuery, ...]

    def names(self) -> list[str]:
        return [q.name for q in self.queries]

    def get(self, name: str) -> CannedQuery:
        for query in self.queries:
            if query.name == name:
                return query
        raise unknown_query(name, self.names(), self.folder)

    def questions(self) -> list[CannedQuery]:
        return [q for q in self.queries if not q.is_violation]

    def violations(self) -> list[CannedQuery]:
        return [q for q in self.queries if q.is_violation]


def unknown_query(name: str, names: list[str], folder: Path) -> UsageError:
    close = difflib.get_close_matches(name, names, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "see `tipkg query list`"
    return UsageError(f"no canned query named {name!r} in {folder}; {hint}")


def query_paths(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"queries folder not found: {folder}")
    return sorted(folder.glob("*.rq"))


def load_catalogue(folder: Path) -> Catalogue:
    """Every `.rq` file of a folder, sorted by name; the first bad file stops with its path and line."""
    return Catalogue(folder, tuple(load_query(p) for p in query_paths(folder)))


def find_query(folder: Path, name: str) -> CannedQuery:
    """One canned query, parsing only its own file (SPARQL parsing costs ~40 ms a query)."""
    paths = query_paths(folder)
    for path in paths:
        if path.stem == name:
            return load_query(path)
    raise unknown_query(name, [p.stem for p in paths], folder)


@dataclass(frozen=True)
class QuerySummary:
    """What `tipkg query list` shows, read from the header alone."""

    name: str
    title: str
    parameters: tuple[str, ...]
    inferred: bool

    @property
    def is_violation(self) -> bool:
        return self.name.endswith(VIOLATION_SUFFIX)


def summary_record(summary: QuerySummary) -> dict:
    """What `tipkg query list --format json` writes for one query."""
    return {"name": summary.name, "title": summary.title, "parameters": list(summary.parameters),
            "inferred": summary.inferred, "rule": summary.is_violation}


def query_record(query: CannedQuery) -> dict:
    """What `tipkg query show --format json` writes: the header, the form and the SPARQL."""
    return {"name": query.name, "title": query.title, "description": query.description,
            "form": query.sparql.form.value, "rule": query.is_violation, "inferred": query.inferred,
            "parameters": [{"name": p.name, "description": p.description,
                            "example": query.example.get(p.name)} for p in query.parameters],
            "path": str(query.path), "sparql": query.text}


def query_summaries(folder: Path) -> list[QuerySummary]:
    summaries = []
    for path in query_paths(folder):
        fields = parse_header(read_text(path))
        parameters = tuple(parse_parameter(p, path).name for p in fields.get("param", []))
        inferred = (fields.get("inferred") or ["no"])[0].lower() in ("yes", "true")
        summaries.append(QuerySummary(path.stem, (fields.get("title") or [""])[0], parameters, inferred))
    return summaries


# --- parameter values ---------------------------------------------------------------------------------------


def parse_assignment(text: str) -> tuple[str, OxTerm]:
    """`NAME=VALUE` (a --param) into the name and the RDF term (`tipkg.terms.parse_term`)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not re.match(r"^[A-Za-z_]\w*$", name):
        raise UsageError(f"malformed parameter {text!r}: write NAME=VALUE, e.g. org=id:dhs")
    return name, parse_term(value)


# --- expected results ---------------------------------------------------------------------------------------


def read_csv_rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text))]


def expected_text(query: CannedQuery, result: QueryResult) -> str:
    """A result as its expected file holds it: SPARQL CSV, or sorted N-Triples for a graph."""
    return serialize(result, Format.NTRIPLES if result.form.returns_graph else Format.CSV).decode("utf-8")


def expected_mismatch(query: CannedQuery, result: QueryResult) -> list[str]:
    """Lines of a diff between a result and the query's expected file (empty when they agree)."""
    path = query.expected_path
    if result.form.returns_graph:
        return graph_mismatch(path, result)
    expected = read_csv_rows(read_text(path))
    actual = csv_cells(result)
    if expected == actual:
        return []
    return list(difflib.unified_diff(_lines(expected), _lines(actual), fromfile=str(path),
                                     tofile=f"{query.name} (actual)", lineterm=""))


def graph_mismatch(path: Path, result: QueryResult) -> list[str]:
    """Compare a graph result with expected N-Triples as graphs (rdflib's isomorphism: blank nodes are
    matched, not named), with a line diff when they differ."""
    expected = Graph()
    try:
        expected.parse(data=read_text(path), format="nt")
    except Exception as exc:
        raise InputError(f"not N-Triples: {exc}", path) from None
    actual = Graph()
    for triple in result.triples:
        actual.add((from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)))  # type: ignore[arg-type]
    if isomorphic(expected, actual):
        return []
    return list(difflib.unified_diff(sorted(expected.serialize(format="nt").splitlines()),
                                     sorted(actual.serialize(format="nt").splitlines()),
                                     fromfile=str(path), tofile="actual", lineterm=""))


def _lines(rows: Sequence[Sequence[str]]) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def adhoc_query(text: str, source: Path | str) -> CannedQuery:
    """A query not in the catalogue (`--file`, `tipkg sparql`): any selected variable is a parameter."""
    path = Path(source)
    fields = parse_header(text)
    Sparql.parse(text, source, PREFIXES)  # errors point at the user's own lines, before prefixes are added
    sparql = Sparql.parse(with_prefixes(text, PREFIXES), source)
    names = sparql.projected or tuple(sorted(sparql.variables))
    return CannedQuery(name=path.stem, path=path, title=(fields.get("title") or [path.name])[0],
                       description=(fields.get("description") or [""])[0], sparql=sparql,
                       parameters=tuple(Parameter(n, "a variable of the query") for n in names),
                       inferred=(fields.get("inferred") or ["no"])[0].lower() in ("yes", "true"))


# --- checks (used by the tests, `tipkg query check` and `tipkg validate`) -----------------------------------


@dataclass(frozen=True)
class CheckOutcome:
    """One query check: a violation rule (passes with no rows) or a question against its expected CSV.

    `kind`, `problem` and `rows` are what `tipkg validate` reports: the kind of check, a one-line account
    of the failure ('' when it passed), and a violation's offending rows as SPARQL CSV cells.
    """

    query: CannedQuery
    passed: bool
    detail: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def kind(self) -> str:
        return "violation" if self.query.is_violation else "expected"

    def record(self) -> dict:
        """What `tipkg query check --format json` writes for one check."""
        return {"query": self.query.name, "kind": self.kind, "passed": self.passed, "problem": self.problem,
                "detail": list(self.detail), "rows": [list(row) for row in self.rows]}

    @property
    def problem(self) -> str:
        if self.passed:
            return ""
        if self.query.is_violation:
            return f"{len(self.rows)} row(s) break the rule: {self.query.title}"
        changed = [line for line in self.detail if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        return (f"results differ from {self.query.expected_path.name}"
                + (f": {'; '.join(changed[:4])}" if changed else ""))


class Store(Protocol):
    """What answers queries: the local `tipkg.engine.ProjectStore` or a `tipkg.remote.RemoteStore`."""

    @property
    def description(self) -> str: ...

    def query(self, query: Sparql, bindings: Bindings | None = None,
              inferred: bool = False) -> QueryResult: ...


def check_query(query: CannedQuery, store: Store) -> CheckOutcome | None:
    """Run one check; None for a question that has no expected results to compare with."""
    if query.is_violation:
        result = store.query(query.sparql, inferred=query.inferred)
        if not len(result):
            return CheckOutcome(query, True)
        rows = tuple(tuple(row) for row in csv_cells(result)[1:])
        return CheckOutcome(query, False, tuple(write_table(result).splitlines()), rows)
    if not query.expected_path.is_file():
        return None
    result = store.query(query.sparql, query.example_bindings(), inferred=query.inferred)
    diff = expected_mismatch(query, result)
    return CheckOutcome(query, not diff, tuple(diff))


def check_catalogue(catalogue: Catalogue, store: Store, with_expected: bool = True,
                    seconds: float = 0) -> list[CheckOutcome]:
    """Every violation rule and (with_expected) every question with expected results; with `seconds`,
    all of them within that budget (`tipkg.budget`: a forked child, killed at the deadline) or
    BudgetExceeded naming the query that was running."""
    chosen = [query for query in catalogue.queries if with_expected or query.is_violation]
    # Questions about entailments last: a store given its entailments must list the named graphs of every
    # later GRAPH query (`tipkg.engine`), which costs Oxigraph seconds a query with thousands of graphs.
    order = sorted(range(len(chosen)), key=lambda i: chosen[i].inferred)
    steps = [Step(f"{query.path.parent.name}/{query.path.name}", partial(check_query, query, store))
             for query in (chosen[i] for i in order)]
    outcomes = dict(zip(order, run_steps("the query checks", steps, seconds, "--query-timeout"), strict=True))
    return [outcome for i in range(len(chosen)) if (outcome := outcomes[i]) is not None]
