"""CLI command: `tipkg site`, the server's pages as a static site (tipkg.site)."""

from __future__ import annotations

from pathlib import Path

import click

from tipkg.budget import Budgets
from tipkg.cli.common import out_option, progress, project_option, reports_errors
from tipkg.cli.pipeline import budget_options, checked, load, reasoner_option
from tipkg.cli.serve import server_library
from tipkg.errors import UsageError
from tipkg.reason import Reasoner
from tipkg.vocab import BASE


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(site_command)


def _http_url(_ctx, _param, value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise click.BadParameter(f"{value!r} is not an http(s) URL (e.g. https://example.github.io/tipkg/)")
    return value


def _site_url(ctx, param, value: str | None) -> str | None:
    value = _http_url(ctx, param, value)
    return value if value is None or value.endswith("/") else value + "/"


def _site_libraries() -> None:
    """The pages are the server's, fetched from its app with httpx: both are the 'serve' extra."""
    server_library()
    try:
        import httpx  # noqa: F401
    except ImportError:
        raise UsageError("tipkg site needs httpx (missing): pip install 'tipkg[serve]'") from None


@click.command("site")
@project_option
@out_option("site")
@click.option("--base", default=BASE, show_default=True,
              help="IRIs under this base are the site's resources (<base>id/hhs -> id/hhs.html).")
@click.option("--site-url", default=None, callback=_site_url, metavar="URL",
              help="Where the site will be published: .htaccess then redirects the base's IRIs there "
                   "(w3id.org style) and _redirects uses its path. Default: rules for the site's own host.")
@click.option("--endpoint", default=None, callback=_http_url, metavar="URL",
              help="A SPARQL endpoint holding this graph (e.g. your store after `tipkg push`): the editor on "
                   "sparql.html asks it. Default: the reader types one in.")
@reasoner_option
@budget_options
@reports_errors
def site_command(project_dir: Path | None, out_dir: Path, base: str, site_url: str | None,
                 endpoint: str | None, reasoner: str, budgets: Budgets) -> None:
    """Validate, then write the pages of `tipkg serve` as a static site into --out (replaced whole).

    Home, a page per resource with its .ttl/.jsonld/.nt/.rdf/.trig beside it, the ontology reference, the
    canned queries with their results, the build's files (dist/), .htaccess, _redirects and 404.html.
    Links are relative: the site works from any path and from file://. A failed check writes nothing.

    \b
    Example:
      tipkg site --out site && python -m http.server -d site
    """
    _site_libraries()
    from tipkg.site import SiteSettings, write_site

    if not base.endswith(("/", "#")):
        raise UsageError(f"--base must end with / or #: {base!r}")
    loaded = load(project_dir, budgets=budgets)
    report = checked(loaded, Reasoner(reasoner), out_dir, budgets)
    assert report.reasoning is not None, "validate() always reasons"
    progress(f"writing {out_dir}")
    settings = SiteSettings(base=base, site_url=site_url, endpoint=endpoint)
    summary = write_site(loaded, report.reasoning, out_dir, settings)
    click.echo(f"wrote {out_dir}/: {summary.files:,} files ({summary.size:,} bytes), "
               f"{summary.resources} resources with a page each", err=True)
