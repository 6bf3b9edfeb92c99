"""CLI commands: `tipkg query list|show|run|check`, `tipkg sparql`, `tipkg push`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tipkg.cli.common import progress, project_option, reports_errors
from tipkg.errors import CheckFailed, RemoteError, UsageError
from tipkg.load import load_project, read_text
from tipkg.project import find_project
from tipkg.push import GraphStore, push, read_dataset, sibling_url
from tipkg.queries import (
    CannedQuery,
    Catalogue,
    adhoc_query,
    check_catalogue,
    checked_iri,
    find_query,
    load_catalogue,
    query_summaries,
)
from tipkg.results import OutputFormat, render, summary
from tipkg.stores import DEFAULT_TIMEOUT, INFERRED_GRAPH, RemoteStore, Store, local_store

FORMATS = [f.value for f in OutputFormat]


def endpoint_options(func):
    func = click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds to wait for the endpoint before giving up (exit 3).")(func)
    func = click.option("--endpoint", metavar="URL", default=None,
                        help="Run on a remote SPARQL 1.1 endpoint instead of the local graph. It must "
                             "query the union of its graphs by default (oxigraph serve "
                             "--union-default-graph).")(func)
    return func


def run_options(func):
    func = click.option("--inferred", is_flag=True,
                        help="Query the graph plus its OWL 2 RL entailments (remotely: the endpoint must "
                             "hold them, see `tipkg push --inferred`).")(func)
    func = click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                        help="Bind a parameter to an RDF term: id:dhs, <http://...>, \"text\"@en, "
                             "\"5\"^^xsd:integer; other values are plain strings. Repeatable.")(func)
    func = click.option("--format", "output_format", type=click.Choice(FORMATS, case_sensitive=False),
                        default=None, help="Output format [default: table for SELECT/ASK, turtle for "
                        "CONSTRUCT/DESCRIBE].")(func)
    return endpoint_options(project_option(func))


class StoreChooser:
    """Opens the local graph (asserted, or with entailments) lazily, once each, or the remote endpoint.

    A remote endpoint holds either the asserted graph or the graph plus its entailments (`tipkg push
    --inferred` adds the graph id:graph/inferred, which its union default graph then includes): a question
    about entailments needs the second, and a question about asserted statements is only exact on the first.
    """

    def __init__(self, project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
        self.project_dir = project_dir
        self.remote = RemoteStore(endpoint, timeout) if endpoint else None
        self._local: dict[bool, Store] = {}
        self._entailed: bool | None = None
        self._noted = False
        self._union_checked = False

    def remote_has_entailments(self) -> bool:
        assert self.remote is not None
        if self._entailed is None:
            self._entailed = self.remote.has_graph(INFERRED_GRAPH)
        return self._entailed

    def mismatch(self, query: CannedQuery, inferred: bool = False) -> str | None:
        """Why the endpoint cannot answer this query as the local graph would, or None when it can."""
        if self.remote is None:
            return None
        wants_entailments = inferred or query.inferred
        if wants_entailments and not self.remote_has_entailments():
            return (f"{self.remote.endpoint} holds no entailments (graph <{INFERRED_GRAPH}>); "
                    "upload them with `tipkg push --inferred`")
        if not wants_entailments and self.remote_has_entailments():
            return (f"{self.remote.endpoint} also holds entailments (graph <{INFERRED_GRAPH}>), "
                    "so rows may include inferred statements")
        return None

    def __call__(self, query: CannedQuery, inferred: bool = False) -> Store:
        if self.remote is not None:
            if not self._union_checked:
                self._union_checked = True
                if not self.remote.queries_union():
                    progress(f"note: {self.remote.endpoint} does not query the union of its graphs by "
                             "default, so patterns outside GRAPH miss the statements of the sentence "
                             "graphs (Oxigraph: oxigraph serve --union-default-graph)")
            problem = self.mismatch(query, inferred)
            if problem and (inferred or query.inferred):
                raise RemoteError(problem)
            if problem and not self._noted:
                progress(f"note: {problem}")
                self._noted = True
            return self.remote
        inferred = inferred or query.inferred
        if inferred not in self._local:
            if inferred:
                progress("computing the OWL 2 RL entailments")
            self._local[inferred] = local_store(load_project(find_project(self.project_dir)), inferred)
        return self._local[inferred]


def execute(query: CannedQuery, params: tuple[str, ...], output_format: str | None, inferred: bool,
            project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
    bindings = query.bindings(params)
    fmt = OutputFormat(output_format.lower()) if output_format else None
    form = query.sparql.form
    if fmt is not None and fmt is not OutputFormat.TABLE and fmt.is_rdf != form.returns_graph:
        wanted = "CONSTRUCT/DESCRIBE" if fmt.is_rdf else "SELECT/ASK"
        raise UsageError(f"--format {fmt.value} is for {wanted} queries; this one is {form.value}")
    if query.inferred and not inferred:
        progress(f"{query.name} asks about entailments: running it over the graph plus OWL 2 RL entailments")
    store = StoreChooser(project_dir, endpoint, timeout)(query, inferred)
    result = store.query(query.sparql, bindings)
    click.echo(render(result, fmt), nl=False)
    progress(f"{summary(result)} from {store.description}")
    if query.is_violation and len(result):
        raise CheckFailed(f"{query.name}: the quality rule found {summary(result)}")


def register(group: click.Group) -> None:
    """Add `query`, `sparql` and `push` to the main group."""

    @group.group("query")
    def query_group() -> None:
        """The canned SPARQL queries: the questions the fact sheet answers, and quality rules."""

    @query_group.command("list")
    @project_option
    @reports_errors
    def list_queries(project_dir: Path | None) -> None:
        """Names and titles of the canned queries (`*-violation` ones are quality rules)."""
        folder = find_project(project_dir).queries_dir
        summaries = query_summaries(folder)
        width = max((len(s.name) for s in summaries), default=0)
        for query in summaries:
            marks = [f"--param {p}" for p in query.parameters] + (["inferred"] if query.inferred else [])
            extra = f"  [{', '.join(marks)}]" if marks else ""
            click.echo(f"{query.name.ljust(width)}  {query.title}{extra}")
        rules = sum(s.is_violation for s in summaries)
        progress(f"{len(summaries) - rules} questions, {rules} quality rules in {folder}")

    @query_group.command("show")
    @click.argument("name")
    @project_option
    @reports_errors
    def show(name: str, project_dir: Path | None) -> None:
        """The SPARQL of a canned query, with its title, description and parameters."""
        query = find_query(find_project(project_dir).queries_dir, name)
        click.echo(f"{query.name}: {query.title}\n\n{query.description}\n")
        for parameter in query.parameters:
            example = query.example.get(parameter.name)
            example = f" (example: {example})" if example else ""
            click.echo(f"  --param {parameter.name}=VALUE  {parameter.description}{example}")
        if query.inferred:
            click.echo("  runs over the graph plus its OWL 2 RL entailments")
        click.echo(f"\n# {query.path}\n{query.text.rstrip()}")

    @query_group.command("run")
    @click.argument("name", required=False)
    @click.option("--file", "query_file", type=click.Path(path_type=Path), default=None,
                  help="Run the query in this .rq file instead of a canned one.")
    @run_options
    @reports_errors
    def run(name: str | None, query_file: Path | None, params: tuple[str, ...], output_format: str | None,
            inferred: bool, project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
        """Run a canned query by NAME (see `tipkg query list`), or --file Q.rq.

        \b
        Examples:
          tipkg query run chairs
          tipkg query run sub-organisation-tree --param org=id:doj --format csv
          tipkg query run transitive-membership --inferred
          tipkg query run reports-to-task-force --endpoint http://127.0.0.1:7878/query
        Exit 1 when a *-violation rule returns rows.
        """
        if (name is None) == (query_file is None):
            raise UsageError("give a query NAME or --file Q.rq (not both)")
        if query_file is not None:
            query = adhoc_query(read_text(query_file), query_file)
        else:
            query = find_query(find_project(project_dir).queries_dir, name or "")
        execute(query, params, output_format, inferred, project_dir, endpoint, timeout)

    @query_group.command("check")
    @project_option
    @endpoint_options
    @reports_errors
    def check(project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
        """Run every quality rule; compare every question with its expected results (exit 1 on a failure).

        With --endpoint, the checks that need what the endpoint does not hold (entailments, or a graph
        without them) are skipped and listed.
        """
        catalogue = load_catalogue(find_project(project_dir).queries_dir)
        chooser = StoreChooser(project_dir, endpoint, timeout)
        skipped = [(q, reason) for q in catalogue.queries if (reason := chooser.mismatch(q))]
        checked = Catalogue(catalogue.folder, tuple(q for q in catalogue.queries if not chooser.mismatch(q)))
        outcomes = check_catalogue(checked, chooser)
        failed = [o for o in outcomes if not o.passed]
        for outcome in outcomes:
            click.echo(f"{'ok  ' if outcome.passed else 'FAIL'}  {outcome.query.name}")
            for line in outcome.detail:
                click.echo(f"      {line}")
        for query, _ in skipped:
            click.echo(f"skip  {query.name}")
        click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} query checks passed"
                   + (f", {len(skipped)} skipped" if skipped else ""))
        if skipped:
            progress(f"skipped {len(skipped)} checks: {skipped[0][1]}")
        if failed:
            raise CheckFailed(f"{len(failed)} query checks failed: {', '.join(o.query.name for o in failed)}")

    @group.command("sparql")
    @click.argument("text", metavar="QUERY")
    @run_options
    @reports_errors
    def sparql(text: str, params: tuple[str, ...], output_format: str | None, inferred: bool,
               project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
        """Run an ad-hoc SPARQL QUERY ('-' reads it from stdin); the project prefixes need no PREFIX lines.

        \b
        Examples:
          tipkg sparql 'SELECT ?o ?name WHERE { ?o a tip:ExecutiveDepartment ; skos:prefLabel ?name }'
          tipkg sparql 'DESCRIBE id:uscis' --format jsonld
        """
        if text == "-":
            text = sys.stdin.read()
        if not text.strip():
            raise UsageError("the query is empty")
        query = adhoc_query(text, "<command line>")
        execute(query, params, output_format, inferred, project_dir, endpoint, timeout)

    @group.command("push")
    @click.option("--store", "store_url", required=True, metavar="URL",
                  help="SPARQL 1.1 Graph Store Protocol URL (Oxigraph: http://HOST:PORT/store).")
    @click.option("--graph", "graph_iri", default=None, metavar="IRI",
                  help="Put everything into this one named graph (default: keep the named graphs).")
    @click.option("--replace", is_flag=True,
                  help="Replace the target graphs' content (and drop this project's graphs that are gone).")
    @click.option("--inferred", is_flag=True,
                  help=f"Also upload the OWL 2 RL entailments, as graph <{INFERRED_GRAPH}>.")
    @click.option("--from", "source", type=click.Path(path_type=Path), default=None,
                  help="Push this RDF file (e.g. dist/tipkg.trig) instead of loading the project.")
    @click.option("--update", "update_url", default=None, metavar="URL",
                  help="SPARQL Update URL [default: beside --store, e.g. .../update].")
    @click.option("--endpoint", "query_url", default=None, metavar="URL",
                  help="SPARQL query URL, to find stale graphs with --replace [default: beside --store].")
    @click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
                  help="Seconds to wait for each request.")
    @project_option
    @reports_errors
    def push_command(store_url: str, graph_iri: str | None, replace: bool, inferred: bool,
                     source: Path | None, update_url: str | None, query_url: str | None, timeout: float,
                     project_dir: Path | None) -> None:
        """Upload the graph, its named graphs kept, to a SPARQL 1.1 Graph Store.

        \b
        Each graph goes to a temporary graph first and is moved into place by one SPARQL
        Update, so a failed push leaves the store as it was; the triple counts are checked
        on the server afterwards.
        Example:
          oxigraph serve --location /tmp/tip --union-default-graph &
          tipkg push --store http://127.0.0.1:7878/store --replace
        """
        into = checked_iri(graph_iri, graph_iri) if graph_iri else None
        dataset = read_dataset(source) if source else None
        if dataset is None:
            loaded = load_project(find_project(project_dir))
            if inferred:
                progress("computing the OWL 2 RL entailments")
            dataset = local_store(loaded, inferred).dataset
        elif inferred:
            raise UsageError("--inferred works on the project, not with --from FILE")
        store = GraphStore(store_url, update_url or sibling_url(store_url, "update"), timeout)
        report = push(dataset, store, into, replace, query_url or sibling_url(store_url, "query"), progress)
        click.echo(f"pushed {report.triples_sent} triples in {report.graphs} graphs to {report.store_url}; "
                   f"the server holds {report.triples_on_server} triples in them"
                   + ("" if report.atomic else " (uploaded directly, not via temporary graphs)")
                   + (f"; dropped {len(report.dropped_stale)} stale graphs" if report.dropped_stale else ""))
