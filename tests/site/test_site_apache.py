"""The `.htaccess` of the static site on a real Apache (Debian apache2, mod_rewrite), the site under a
sub-path: RDF asked for at each resource's IRI is a 303 to its document, a browser gets the page in place,
documents have their media types; and the w3id form (--site-url) redirects every IRI to the site."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import require_tool
from tests.serve.conftest import free_port
from tests.site.conftest import running
from tests.site.test_site_links import resources

from tipkg.site.redirects import htaccess
from tipkg.vocab import BASE

MODULES = Path("/usr/lib/apache2/modules")  # Debian's layout
CONFIG = """ServerRoot {modules}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {home}/httpd.pid
ErrorLog {home}/error.log
LoadModule mpm_prefork_module mod_mpm_prefork.so
LoadModule authz_core_module mod_authz_core.so
LoadModule rewrite_module mod_rewrite.so
LoadModule mime_module mod_mime.so
LoadModule dir_module mod_dir.so
User www-data
Group www-data
TypesConfig /etc/mime.types
DocumentRoot "{root}"
<Directory "{root}">
  AllowOverride All
  Options FollowSymLinks
  Require all granted
</Directory>
DirectoryIndex index.html
"""


@contextlib.contextmanager
def apache(root: Path, home: Path) -> Iterator[str]:
    """Apache in the foreground on a free loopback port, serving `root`; stopped by its process."""
    binary = require_tool("apache2")
    port = free_port()
    conf = home / "httpd.conf"
    conf.write_text(CONFIG.format(modules=MODULES, port=port, home=home, root=root))
    with running([binary, "-f", str(conf), "-DFOREGROUND"], f"http://127.0.0.1:{port}/") as url:
        yield url


@pytest.fixture(scope="module")
def docroot(site) -> Iterator[Path]:
    """A document root the server's user can read, with the site at /site/ and a w3id-like /tipkg/."""
    if not MODULES.is_dir():
        require_tool("apache2-with-debian-modules")
    home = Path(tempfile.mkdtemp(prefix="tipkg-apache-"))
    try:
        os.chmod(home, 0o755)
        shutil.copytree(site, home / "root" / "site")
        (home / "root" / "tipkg").mkdir()
        paths = sorted(iri[len(BASE):] for iri in _resources_of(site))
        (home / "root" / "tipkg" / ".htaccess").write_text(htaccess(paths, BASE, "https://example.org/site/"))
        for folder, _, files in os.walk(home):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _resources_of(site: Path) -> list[str]:
    return [BASE + line.split()[0][1:] for line in (site / "_redirects").read_text().splitlines()
            if line.startswith("/") and line.split()[0] not in ("/ontology", "/sparql")]


@pytest.fixture(scope="module")
def server(docroot) -> Iterator[str]:
    with apache(docroot / "root", docroot) as url:
        yield url


def test_every_resource_negotiates_on_apache(server, loaded):
    with httpx.Client(base_url=server + "site/", timeout=10) as http:
        for iri in sorted(resources(loaded)):
            path = iri[len(BASE):]
            rdf = http.get(path, headers={"Accept": "text/turtle"})
            assert rdf.status_code == 303, (path, rdf.status_code)
            assert rdf.headers["location"] == f"{server}site/{path}.ttl"
            page = http.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
        hhs = http.get("id/hhs", headers={"Accept": "text/turtle"}, follow_redirects=True)
        assert hhs.headers["content-type"].startswith("text/turtle") and "id:hhs" in hhs.text


@pytest.mark.parametrize(("accept", "suffix", "media_type"), [
    ("application/ld+json", "jsonld", "application/ld+json"),
    ("application/n-triples", "nt", "application/n-triples"),
    ("application/rdf+xml", "rdf", "application/rdf+xml"),
    ("application/trig", "trig", "application/trig"),
])
def test_each_rdf_format_and_its_media_type(server, accept, suffix, media_type):
    with httpx.Client(base_url=server + "site/", timeout=10) as http:
        for path in ("id/hhs", "ontology"):
            response = http.get(path, headers={"Accept": accept})
            assert response.status_code == 303 and response.headers["location"].endswith(f"{path}.{suffix}")
            document = http.get(response.headers["location"])
            assert document.status_code == 200 and document.headers["content-type"].startswith(media_type)


def test_pages_and_documents_are_served_in_place(server):
    with httpx.Client(base_url=server + "site/", timeout=10) as http:
        for path, media_type in [("", "text/html"), ("ontology", "text/html"), ("sparql", "text/html"),
                                 ("id/", "text/html"), (".well-known/void", "text/turtle"),
                                 ("queries/funding.json", "application/sparql-results+json"),
                                 ("dist/ontology.owl", "application/rdf+xml")]:
            response = http.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith(media_type), (path, response.headers)


def test_the_w3id_form_sends_every_iri_to_the_site(server):
    with httpx.Client(base_url=server + "tipkg/", timeout=10) as http:
        for path, accept, status, location in [
            ("id/hhs", "text/turtle", 303, "https://example.org/site/id/hhs.ttl"),
            ("id/graph/hhs-6", "application/ld+json", 303, "https://example.org/site/id/graph/hhs-6.jsonld"),
            ("id/hhs", "text/html", 303, "https://example.org/site/id/hhs.html"),
            ("ontology", "text/turtle", 303, "https://example.org/site/ontology.ttl"),
            ("id/hhs.nt", "*/*", 302, "https://example.org/site/id/hhs.nt"),
            ("", "text/html", 302, "https://example.org/site/"),
        ]:
            response = http.get(path, headers={"Accept": accept})
            assert (response.status_code, response.headers.get("location")) == (status, location), path
