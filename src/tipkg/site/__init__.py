"""`tipkg site --out DIR`: the pages of `tipkg serve` as a static site, for any web server or GitHub Pages.

What is written (docs/site.md): the build's files in `dist/` (`tipkg.publish`, the same bytes as `tipkg
build`), the server's stylesheet and scripts in `static/`, and every page the server renders (crawl.py):
home (`index.html`), every resource (`id/hhs.html` with `.ttl`, `.jsonld`, `.nt`, `.rdf`, `.trig` beside
it), `id/index.html`, the ontology reference (`ontology.html`, `ontology.ttl`, ..., `ontology.owl`), every
canned query with its results (`queries/funding.html`, `.json`, `.csv`, ...), `sparql.html` (the site has
no endpoint: it says where the endpoint is when served), the live downloads (`download/`), plus
`404.html`, `.htaccess` and `_redirects` (redirects.py). Links are relative (links.py).

The folder is written like `tipkg build`'s: staged beside `--out` and swapped in whole (`tipkg.publish`),
byte for byte the same from the same input (no clock, no host, no staging path in any file).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tipkg.errors import UsageError
from tipkg.load import LoadedProject
from tipkg.publish import WRITERS, Build, check_replaceable, write_all, write_folder
from tipkg.reason import Reasoning
from tipkg.server.app import STATIC_DIR, Server, ServerSettings, create_app
from tipkg.server.editor import editor_config
from tipkg.server.negotiation import SUFFIXES
from tipkg.server.site import Site
from tipkg.site.crawl import crawl
from tipkg.site.links import relink
from tipkg.site.redirects import htaccess, redirects
from tipkg.vocab import BASE

# The top of a site, besides the folders of its resources (id/): what `--out` may hold to be replaced.
TOP = {"index.html", "404.html", ".htaccess", "_redirects", ".nojekyll", "sparql.html", "static", "dist",
       "download", "queries", ".well-known", *(f"ontology{suffix}" for suffix in (*SUFFIXES, ".owl"))}


@dataclass(frozen=True)
class SiteSettings:
    base: str = BASE  # IRIs under it are the site's resources (as for `tipkg serve --base`)
    site_url: str | None = None  # where the site is published; `.htaccess` then redirects w3id there
    endpoint: str | None = None  # a SPARQL endpoint with this data (`tipkg push`): sparql.html's editor


@dataclass(frozen=True)
class SiteSummary:
    files: int
    size: int
    resources: int


def resource_paths(site: Site) -> list[str]:
    """The path (under the base) of every resource of the graph that gets a page: every IRI under the base
    that the graph mentions, but the ontology's terms (they are anchors of the ontology page)."""
    nodes = {str(n) for n in (*site.outgoing, *site.incoming)} | set(site.graph_members)
    return sorted(n[len(site.base):] for n in nodes
                  if n.startswith(site.base) and not n.startswith(site.ontology_iri) and n != site.base)


def write_site(loaded: LoadedProject, reasoning: Reasoning, out: Path,
               settings: SiteSettings | None = None) -> SiteSummary:
    """Write the static site into `out`, replacing it whole, or nothing at all when anything fails."""
    return write_folder(Path(out), lambda folder: _fill(loaded, reasoning, Path(out), folder,
                                                        settings or SiteSettings()))


def _fill(loaded: LoadedProject, reasoning: Reasoning, out: Path, folder: Path,
          settings: SiteSettings) -> SiteSummary:
    # The build first: the server reads its void.ttl (home page, /.well-known/void) when it is made.
    (folder / "dist").mkdir()
    write_all(Build.of(loaded, reasoning), folder / "dist", WRITERS)
    shutil.copytree(STATIC_DIR, folder / "static", ignore=shutil.ignore_patterns(".*", "__pycache__"))
    app = create_app(loaded, ServerSettings(base=settings.base, dist_dir=folder / "dist", workers=1))
    server: Server = app.state.server
    paths = resource_paths(server.site)
    if not paths:
        raise UsageError(f"no IRI of the graph is under the base {settings.base}, so no resource would "
                         "have a page; give --base the namespace the graph's IRIs use")
    folders = {path.split("/")[0] for path in paths}
    check_replaceable(out, TOP | folders | {f"{f}.html" for f in folders}, what="site")
    seeds = ["/", "/id/", "/ontology", *(f"/ontology{s}" for s in (*SUFFIXES, ".owl"))]
    seeds += _own_pages(server, folder, settings)
    seeds += [f"/queries/{name}" for name in server.queries]
    seeds += [f"/{path}{suffix}" for path in paths for suffix in ("", *SUFFIXES)]
    crawl(app, seeds, folder)
    (folder / ".htaccess").write_text(htaccess(paths, server.site.base, settings.site_url), encoding="utf-8")
    (folder / "_redirects").write_text(redirects(paths, settings.site_url), encoding="utf-8")
    (folder / ".nojekyll").write_bytes(b"")  # GitHub Pages: publish .well-known/ and _redirects as they are
    written = [p for p in folder.rglob("*") if p.is_file()]
    return SiteSummary(len(written), sum(p.stat().st_size for p in written), len(paths))


def _own_pages(server: Server, folder: Path, settings: SiteSettings) -> list[str]:
    """Write the pages only the static site has (one template each); return the paths they link to, for
    the crawl to fetch. 404.html links by absolute path when the site's URL is known: a host shows it at
    any depth."""
    linked: list[str] = []
    root = urlsplit(settings.site_url).path if settings.site_url else None
    own = {
        "sparql.html": (server.render("sparql_static.html", queries=server.queries,
                                      endpoint=settings.endpoint,
                                      editor=editor_config(server.queries, settings.endpoint or "")),
                        None),
        "404.html": (server.render("not_found.html", status=404, iri=None, path="", suggestions=[]), root),
    }
    for file, (page, absolute) in own.items():
        markup = relink(page.body.decode("utf-8"), file, lambda p, q: linked.append(f"{p}?{q}" if q else p),
                        absolute)
        (folder / file).write_text(markup, encoding="utf-8")
    return linked
