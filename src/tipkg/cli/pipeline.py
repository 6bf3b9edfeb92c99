"""CLI commands of the pipeline: build, release, validate, stats, diff, init.

Each parses options and calls the library."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tipkg.budget import DEFAULT_BUDGETS, Budgets
from tipkg.cli.common import format_option, out_option, progress, project_option, reports_errors
from tipkg.errors import CheckFailed, UsageError
from tipkg.load import LoadedProject, load_project
from tipkg.progress import Progress
from tipkg.project import find_project
from tipkg.reason import DEFAULT_REASONER, Reasoner
from tipkg.scaffold import STARTER_BASE, init_project

if TYPE_CHECKING:
    from tipkg.validate import Report

REASONERS = [r.value for r in Reasoner]
FAIL_ON = ["violation", "warning"]


def reasoner_option(func):
    return click.option(
        "--reasoner",
        type=click.Choice(REASONERS),
        default=DEFAULT_REASONER.value,
        show_default=True,
        help="OWL 2 RL engine for the consistency check and inferred.ttl.",
    )(func)


# option -> (Budgets field, help); also read from TIPKG_<OPTION>: docs/pipeline.md, "Budgets"
BUDGET_OPTIONS = {
    "--publish-timeout": ("publish_seconds", "Seconds for writing the files, which starts after loading, "
                          "beside the checks (0: no limit)."),
    "--max-file-mb": ("max_file_mb", "Largest RDF file parsed, in MiB (0: no limit)."),
    "--query-timeout": ("query_seconds",
                        "Seconds for all *-violation.rq and expected-results checks together (0: no limit)."),
    "--shacl-timeout": ("shacl_seconds", "Seconds for the SHACL shapes (0: no limit)."),
    "--reason-timeout": ("reason_seconds", "Seconds for the OWL 2 RL closure and its clashes (0: no limit)."),
}


def budget_option(name: str):
    """One budget option, its default from `Budgets`, with its TIPKG_* environment variable."""
    field, help_text = BUDGET_OPTIONS[name]
    envvar = "TIPKG_" + name[2:].upper().replace("-", "_")
    return click.option(name, type=click.FloatRange(min=0), default=getattr(DEFAULT_BUDGETS, field),
                        show_default=True, envvar=envvar, show_envvar=True, help=help_text)


def budget_options(func=None, *, publishing: bool = False):
    """--max-file-mb and the stages' timeouts ((build) --publish-timeout too), handed to the command as one
    `budgets: Budgets` argument."""
    names = [name for name in BUDGET_OPTIONS if publishing or name != "--publish-timeout"]

    def decorate(command):
        @functools.wraps(command)
        def with_budgets(*args, **kwargs):
            chosen = {BUDGET_OPTIONS[name][0]: kwargs.pop(name[2:].replace("-", "_")) for name in names}
            return command(*args, budgets=Budgets(**chosen), **kwargs)

        for name in names:
            with_budgets = budget_option(name)(with_budgets)
        return with_budgets

    return decorate(func) if func is not None else decorate


def load(project_dir: Path | None, files: tuple[Path, ...] = (), budgets: Budgets = DEFAULT_BUDGETS
         ) -> LoadedProject:
    project = find_project(project_dir)
    progress(f"loading {project.root}" + (f" with {len(files)} data file(s)" if files else ""))
    return load_project(project, data_files=list(files) or None, max_bytes=budgets.max_file_bytes,
                        progress=Progress())


@click.command("validate")
@project_option
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option(["text", "json", "turtle", "junit", "sarif", "github"], "text",
               "Report format (written to stdout): sarif and github are for code hosts (docs/ci.md).")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="violation",
    show_default=True,
    help="Least severity that makes the command exit 1.",
)
@reasoner_option
@budget_options
@reports_errors
def validate_command(
    project_dir: Path | None, files: tuple[Path, ...], output_format: str, fail_on: str, reasoner: str,
    budgets: Budgets,
) -> None:
    """Check the data: SHACL shapes, OWL 2 RL consistency, *-violation.rq queries, expected query results.

    FILE ... validates these data files (instead of the project's data/) against the project's ontology
    and shapes; the canned queries' expected results are then not compared.

    \b
    Examples:
      tipkg validate
      tipkg validate --format junit > validate.xml
      tipkg validate --format sarif > tipkg.sarif
      tipkg validate my-data.trig --fail-on warning
    """
    from tipkg.report import ReportFormat, render
    from tipkg.validate import FailOn, validate

    loaded = load(project_dir, files, budgets)
    report = validate(loaded, Reasoner(reasoner), with_expected=not files, budgets=budgets,
                      progress=Progress())
    threshold = FailOn(fail_on)
    click.echo(render(report, ReportFormat(output_format), threshold, loaded.project.root), nl=False)
    if report.failed(threshold):
        raise CheckFailed("validation failed (the report is above)")


@click.command("build")
@project_option
@out_option("dist")
@reasoner_option
@budget_options(publishing=True)
@reports_errors
def build_command(project_dir: Path | None, out_dir: Path, reasoner: str, budgets: Budgets) -> None:
    """Validate, then publish the graph into --out (replaced whole, only when everything succeeded).

    Writes tipkg.ttl/.nt/.jsonld/.trig/.nq, context.jsonld, ontology.ttl/.owl, shapes.ttl, inferred.ttl and
    void.ttl. A failed check writes nothing and exits 1. For a versioned release, see `tipkg release`.

    With two cores or more, the files are written while the checks run (kept only if every check passes)
    and SHACL runs beside reasoning: faster, with more memory at once. `taskset -c 0 tipkg build` does one
    thing at a time (docs/pipeline.md, "Scale").

    \b
    Example:
      tipkg build --out dist
    """
    check_and_publish(load(project_dir, budgets=budgets), Reasoner(reasoner), out_dir, budgets)


def checked(loaded: LoadedProject, reasoner: Reasoner, out_dir: Path,
            budgets: Budgets = DEFAULT_BUDGETS) -> Report:
    """Validate before writing --out (build, release, site): the report when the graph holds; else the
    report on stderr and CheckFailed (exit 1), nothing written."""
    from tipkg.report import ReportFormat, render
    from tipkg.validate import FailOn, validate

    progress("validating")
    report = validate(loaded, reasoner, budgets=budgets, progress=Progress())
    if report.failed(FailOn.VIOLATION):
        click.echo(render(report, ReportFormat.TEXT), err=True, nl=False)
        raise CheckFailed(f"validation failed; nothing was written to {out_dir}")
    return report


def check_and_publish(loaded: LoadedProject, reasoner: Reasoner, out_dir: Path,
                      budgets: Budgets = DEFAULT_BUDGETS) -> None:
    """`tipkg build` and `tipkg release`: validate, write --out only when it holds, summarise on stderr."""
    from tipkg.publish import publishing_beside_checks, total_size
    from tipkg.stats import named_graph_count
    from tipkg.terms import short

    with publishing_beside_checks(loaded, out_dir, budgets.publish_seconds) as finish:
        progress(f"writing {out_dir} beside the checks (kept only if every check passes)")
        report = checked(loaded, reasoner, out_dir, budgets)
        reasoning = report.reasoning
        assert reasoning is not None, "validate() always reasons"
        with Progress().stage(f"writing {out_dir}"):
            published = finish(reasoning)
    dataset, written = published.counts, published.files  # void.ttl's figures (tipkg.stats), counted once
    named_graphs = named_graph_count(loaded)
    lines = [
        f"{dataset.entities} entities, {dataset.triples} triples (ontology and data) in {named_graphs} named "
        f"graphs, {len(reasoning.entailments)} inferred",
        "instances per class:",
    ]
    lines += [f"  {count:5d}  {short(iri)}" for iri, count in list(dataset.classes.items())[:12]]
    if len(dataset.classes) > 12:
        lines.append(f"  ... and {len(dataset.classes) - 12} more classes (tipkg stats)")
    counts: dict[str, int] = {}
    for run in report.runs:
        counts[run.check.value] = counts.get(run.check.value, 0) + 1
    lines.append("checks passed: " + ", ".join(f"{name} ({n})" for name, n in counts.items()))
    lines.append(f"wrote {out_dir}/ ({total_size(written):,} bytes):")
    lines += [f"  {item.size:>10,}  {item.name}" for item in written]
    click.echo("\n".join(lines), err=True)


@click.command("release")
@click.argument("version")
@project_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder to write the release into.  [default: releases/VERSION]")
@click.option("--previous", "previous", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="The previous release's folder: its version IRI becomes dcat:previousVersion and the "
                   "CHANGELOG entry is the diff from it. Without it, this is the first release.")
@click.option("--date", "date", default=None, metavar="YYYY-MM-DD",
              help="dcterms:issued of the release ('today' reads the clock).  "
                   "[default: SOURCE_DATE_EPOCH; required when that is not set]")
@click.option("--changelog", type=click.Path(path_type=Path), default=Path("CHANGELOG.md"),
              show_default=True, help="The changelog the entry is put at the top of (created if missing).")
@click.option("--bump-check/--no-bump-check", default=True, show_default=True,
              help="Refuse a version that bumps less than the changes need (README, Versioning).")
@reasoner_option
@reports_errors
def release_command(version: str, project_dir: Path | None, out_dir: Path | None, previous: Path | None,
                    date: str | None, changelog: Path, bump_check: bool, reasoner: str) -> None:
    """Build a versioned release VERSION (a semantic version) and add its entry to the changelog.

    The release is a build whose ontology and void.ttl say owl:versionIRI <ONTOLOGY/VERSION>,
    owl:versionInfo / dcat:version, dcterms:issued, and owl:priorVersion / dcat:previousVersion the
    previous release's version IRI. The source files are not changed. The changelog entry is `tipkg diff`
    from the previous release. Nothing is written when a check fails.

    \b
    Examples:
      tipkg release 1.0.0 --date 2025-06-01
      tipkg release 1.1.0 --previous releases/1.0.0 --date 2025-09-01
      SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) tipkg release 1.1.1 --previous releases/1.1.0
    """
    from tipkg.release import check_changelog, plan_release, prepend_entry, release_date

    issued = release_date(date)
    out = out_dir if out_dir is not None else Path("releases") / version
    if previous is not None and out.resolve() == previous.resolve():
        raise UsageError("--out is the --previous release's folder; a release is written beside it")
    release = plan_release(load(project_dir), version, issued, previous)
    if bump_check:
        release.check_bump()
    check_changelog(changelog, release.version)
    check_and_publish(release.loaded, Reasoner(reasoner), out)
    prepend_entry(changelog, release.changelog_entry())
    before = release.stamp.previous
    kind = f"a {release.bump.word} release after {before.version}" if before and release.bump else (
        f"after {before.version}" if before else "the first release")
    progress(f"released {release.version} ({kind}), version IRI <{release.stamp.version_iri}>, "
             f"issued {issued.isoformat()}; added its entry to {changelog}")


@click.command("stats")
@project_option
@format_option(["text", "json"], "text")
@reports_errors
def stats_command(project_dir: Path | None, output_format: str) -> None:
    """Counts per class and property, and the entities without a label or provenance."""
    from tipkg.stats import StatsFormat, compute_stats, render_stats

    click.echo(render_stats(compute_stats(load(project_dir)), StatsFormat(output_format)), nl=False)


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@format_option(["text", "json", "turtle"], "text")
@click.option(
    "--exit-code", is_flag=True, help="Exit 1 when the two sides differ (like git diff --exit-code)."
)
@reports_errors
def diff_command(old: Path, new: Path, output_format: str, exit_code: bool) -> None:
    """What OLD and NEW differ by, grouped by entity: added, removed and changed statements.

    Each side is a build folder (dist/), a project folder, a folder of RDF files or one RDF file.

    \b
    Example:
      tipkg diff old-dist/ dist/ --format json
    """
    from tipkg.diff import DiffFormat, diff_paths, render_diff

    result = diff_paths(old, new)
    click.echo(render_diff(result, DiffFormat(output_format)), nl=False)
    if exit_code and not result.identical:
        raise CheckFailed("the two sides differ")


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--base", default=STARTER_BASE, show_default=True, metavar="IRI",
              help="Base IRI of the new project's resources and ontology (ends with '/').")
@reports_errors
def init_command(folder: Path, base: str) -> None:
    """Start a new project in FOLDER: ontology/, data/, shapes/, queries/ with a tiny example graph.

    \b
    The example validates and builds as it is; replace it with your own.
    Example:
      tipkg init my-graph --base https://example.org/my-graph/
      cd my-graph && tipkg validate && tipkg build
    """
    written = init_project(folder, base)
    for path in written:
        click.echo(str(path))
    progress(f"wrote {len(written)} files; next: cd {folder} && tipkg validate && tipkg build")


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    for command in (build_command, release_command, validate_command, stats_command, diff_command,
                    init_command):
        group.add_command(command)
