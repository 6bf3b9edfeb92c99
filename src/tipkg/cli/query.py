"""CLI commands: `tipkg query list|show|run|check`, `tipkg sparql`, `tipkg push`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from tipkg.cli.common import format_option, progress, project_option, reports_errors
from tipkg.cli.pipeline import budget_option
from tipkg.engine import INFERRED_GRAPH
from tipkg.errors import CheckFailed, TipkgError, UsageError
from tipkg.formats import Format, known_names, resolve
from tipkg.load import read_text
from tipkg.project import find_project
from tipkg.push import push_project, sibling_url
from tipkg.queries import (
    CannedQuery,
    Catalogue,
    adhoc_query,
    check_catalogue,
    find_query,
    load_catalogue,
    query_record,
    query_summaries,
    summary_record,
)
from tipkg.remote import DEFAULT_TIMEOUT
from tipkg.results import serialize, summary
from tipkg.session import QuerySession


def complete_query_name(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a canned query's NAME, from the project's catalogue (headers only: fast)."""
    try:
        summaries = query_summaries(find_project(ctx.params.get("project_dir")).queries_dir)
    except TipkgError:
        return []
    return [CompletionItem(s.name, help=s.title) for s in summaries if s.name.startswith(incomplete)]


def endpoint_options(func):
    func = click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
                        help="Seconds to wait for the endpoint before giving up (exit 3).")(func)
    func = click.option("--endpoint", metavar="URL", default=None,
                        help="Run on a remote SPARQL 1.1 endpoint instead of the local graph, with the same "
                             "dataset as locally (fill the store with `tipkg push`).")(func)
    return func


def run_options(func):
    func = click.option("--inferred", is_flag=True,
                        help="Query the graph plus its OWL 2 RL entailments.")(func)
    func = click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
                        help="Bind a parameter to an RDF term: id:dhs, <http://...>, \"text\"@en, "
                             "\"5\"^^xsd:integer; other values are plain strings. Repeatable.")(func)
    func = click.option("--format", "output_format", metavar="NAME", default=None,
                        help="Output format: table, csv, tsv, json, xml for SELECT/ASK; turtle (ttl), "
                             "ntriples (nt), jsonld, rdfxml (xml), trig, nquads (nq) or table for "
                             "CONSTRUCT/DESCRIBE [default: table, or turtle for a graph].")(func)
    return endpoint_options(project_option(func))


def output_format(name: str | None, query: CannedQuery) -> Format | None:
    """The format a --format name means for this query's answer (json: results or JSON-LD)."""
    if name is None:
        return None
    graph = query.sparql.form.returns_graph
    fmt = resolve(name, graph)
    if fmt is None:
        raise UsageError(f"unknown --format {name!r}; known: {', '.join(known_names())}")
    return fmt


def execute(query: CannedQuery, params: tuple[str, ...], format_name: str | None, inferred: bool,
            session: QuerySession) -> None:
    fmt = output_format(format_name, query)
    if query.inferred and not inferred:
        progress(f"{query.name} asks about entailments: running it over the graph plus OWL 2 RL entailments")
    result = session.run(query, params, inferred)
    click.echo(serialize(result, fmt), nl=False)
    entailed = " + OWL 2 RL entailments" if inferred or query.inferred else ""
    progress(f"{summary(result)} from {session.store().description}{entailed}")
    if query.is_violation and len(result):
        raise CheckFailed(f"{query.name}: the quality rule found {summary(result)}")


def register(group: click.Group) -> None:
    """Add `query`, `sparql` and `push` to the main group."""

    @group.group("query")
    def query_group() -> None:
        """The canned SPARQL queries: the questions the fact sheet answers, and quality rules."""

    @query_group.command("list")
    @format_option(["text", "json"], "text")
    @project_option
    @reports_errors
    def list_queries(output_format: str, project_dir: Path | None) -> None:
        """Names and titles of the canned queries (`*-violation` ones are quality rules)."""
        folder = find_project(project_dir).queries_dir
        summaries = query_summaries(folder)
        if output_format == "json":
            click.echo(json.dumps([summary_record(s) for s in summaries], indent=2, ensure_ascii=False))
            return
        width = max((len(s.name) for s in summaries), default=0)
        for query in summaries:
            marks = [f"--param {p}" for p in query.parameters] + (["inferred"] if query.inferred else [])
            extra = f"  [{', '.join(marks)}]" if marks else ""
            click.echo(f"{query.name.ljust(width)}  {query.title}{extra}")
        rules = sum(s.is_violation for s in summaries)
        progress(f"{len(summaries) - rules} questions, {rules} quality rules in {folder}")

    @query_group.command("show")
    @click.argument("name", shell_complete=complete_query_name)
    @format_option(["text", "json"], "text")
    @project_option
    @reports_errors
    def show(name: str, output_format: str, project_dir: Path | None) -> None:
        """The SPARQL of a canned query, with its title, description and parameters."""
        query = find_query(find_project(project_dir).queries_dir, name)
        if output_format == "json":
            click.echo(json.dumps(query_record(query), indent=2, ensure_ascii=False))
            return
        click.echo(f"{query.name}: {query.title}\n\n{query.description}\n")
        for parameter in query.parameters:
            example = query.example.get(parameter.name)
            example = f" (example: {example})" if example else ""
            click.echo(f"  --param {parameter.name}=VALUE  {parameter.description}{example}")
        if query.inferred:
            click.echo("  runs over the graph plus its OWL 2 RL entailments")
        click.echo(f"\n# {query.path}\n{query.text.rstrip()}")

    @query_group.command("run")
    @click.argument("name", required=False, shell_complete=complete_query_name)
    @click.option("--file", "query_file", type=click.Path(path_type=Path), default=None,
                  help="Run the query in this .rq file instead of a canned one.")
    @run_options
    @reports_errors
    def run(name: str | None, query_file: Path | None, params: tuple[str, ...], output_format: str | None,
            inferred: bool, project_dir: Path | None, endpoint: str | None, timeout: float) -> None:
        """Run a canned query by NAME (see `tipkg query list`), or --file Q.rq.

        \b
        Examples:
          tipkg query run coordination-body-chairs
          tipkg query run organisation-roles --param org=id:dhs --format csv
          tipkg query run inferred-transitive-sub-organisations --param org=id:doj
          tipkg query run hotlines --endpoint http://127.0.0.1:7878/query
        Exit 1 when a *-violation rule returns rows.
        """
        if name is not None and query_file is not None:
            raise UsageError("give a query NAME or --file Q.rq, not both")
        if name is None and query_file is None:
            raise UsageError("give a query NAME (see `tipkg query list`) or --file Q.rq")
        if query_file is not None:
            query = adhoc_query(read_text(query_file), query_file)
        else:
            query = find_query(find_project(project_dir).queries_dir, name or "")
        execute(query, params, output_format, inferred,
                QuerySession(project_dir, endpoint, timeout, progress))

    @query_group.command("check")
    @format_option(["text", "json"], "text")
    @project_option
    @endpoint_options
    @budget_option("--query-timeout")
    @reports_errors
    def check(output_format: str, project_dir: Path | None, endpoint: str | None, timeout: float,
              query_timeout: float) -> None:
        """Run every quality rule; compare every question with its expected results (exit 1 on a failure).

        With --endpoint, the checks that need what the endpoint does not hold (entailments, or a graph
        without them) are skipped and listed, and --timeout bounds each request instead of
        --query-timeout (which bounds the local checks, as in `tipkg validate`).
        """
        catalogue = load_catalogue(find_project(project_dir).queries_dir)
        session = QuerySession(project_dir, endpoint, timeout, progress)
        skipped = [(q, reason) for q in catalogue.queries if (reason := session.unanswerable(q))]
        checked = Catalogue(catalogue.folder, tuple(q for q in catalogue.queries
                                                    if not session.unanswerable(q)))
        if any(q.inferred for q in checked.queries):
            session.store(inferred=True)
        outcomes = check_catalogue(checked, session.store(), seconds=0 if endpoint else query_timeout)
        failed = [o for o in outcomes if not o.passed]
        if output_format == "json":
            click.echo(json.dumps({"checks": [o.record() for o in outcomes],
                                   "skipped": [{"query": q.name, "reason": r} for q, r in skipped],
                                   "passed": len(outcomes) - len(failed), "failed": len(failed)},
                                  indent=2, ensure_ascii=False))
        for outcome in outcomes if output_format == "text" else ():
            click.echo(f"{'ok  ' if outcome.passed else 'FAIL'}  {outcome.query.name}")
            for line in outcome.detail:
                click.echo(f"      {line}")
        for query, _ in skipped if output_format == "text" else ():
            click.echo(f"skip  {query.name}")
        tally = (f"{len(outcomes) - len(failed)} of {len(outcomes)} query checks passed"
                 + (f", {len(skipped)} skipped" if skipped else ""))
        if output_format == "text":
            click.echo(tally)
        else:
            progress(tally)
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
        execute(query, params, output_format, inferred,
                QuerySession(project_dir, endpoint, timeout, progress))

    @group.command("push")
    @click.option("--store", "store_url", required=True, metavar="URL",
                  help="SPARQL 1.1 Graph Store Protocol URL (Oxigraph: http://HOST:PORT/store).")
    @click.option("--graph", "graph_iri", default=None, metavar="IRI",
                  help="Put everything into this one named graph (default: keep the named graphs).")
    @click.option("--replace", is_flag=True,
                  help="Replace the target graphs' content (and drop this project's graphs that are gone).")
    @click.option("--inferred/--no-inferred", default=True, show_default=True,
                  help=f"Also upload the OWL 2 RL entailments, as graph <{INFERRED_GRAPH}>, so that "
                       "questions about entailments can be asked of the store.")
    @click.option("--from", "source", type=click.Path(path_type=Path), default=None,
                  help="Push this RDF file (e.g. dist/tipkg.trig) instead of loading the project.")
    @click.option("--update", "update_url", default=None, metavar="URL",
                  help="SPARQL Update URL [default: beside --store, e.g. .../update]; a push is one update "
                       "request (one transaction).")
    @click.option("--endpoint", "query_url", default=None, metavar="URL",
                  help="SPARQL query URL, to find the graphs to drop [default: beside --store].")
    @click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
                  help="Seconds to wait for each request.")
    @project_option
    @reports_errors
    def push_command(store_url: str, graph_iri: str | None, replace: bool, inferred: bool,
                     source: Path | None, update_url: str | None, query_url: str | None, timeout: float,
                     project_dir: Path | None) -> None:
        """Upload the graph, laid out as tipkg queries it, to a SPARQL 1.1 Graph Store.

        \b
        The data's named graphs, the default graph, their merge (id:graph/asserted) and the
        entailments (id:graph/inferred) are uploaded, so `tipkg query --endpoint` gets the
        same rows as locally on any store, flags or none. Everything goes up in one SPARQL
        Update request (one transaction), so an interrupted or failed push leaves the store
        as it was; the triple counts are checked on the server afterwards.
        Example:
          oxigraph serve --location /tmp/tip &
          tipkg push --store http://127.0.0.1:7878/store --replace
          tipkg query run hotlines --endpoint http://127.0.0.1:7878/query
        """
        for flag, given, name in (("--update", update_url, "update"), ("--endpoint", query_url, "query")):
            if given is None and sibling_url(store_url, name) is None:
                raise UsageError(f"cannot tell the {name} URL from --store {store_url!r} (it does not end in "
                                 f"/store or /data); give it with {flag} URL")
        report = push_project(store_url, project_dir, source, update_url, query_url, graph_iri, replace,
                              inferred, timeout, progress)
        click.echo(f"pushed {report.triples_sent} triples in {report.graphs} graphs to {report.store_url}; "
                   f"the server holds {report.triples_on_server} triples in them"
                   + (f"; dropped {len(report.dropped_stale)} stale graphs" if report.dropped_stale else "")
                   + (f"; dropped {len(report.dropped_temporary)} temporary graphs of an interrupted push"
                      if report.dropped_temporary else ""))
