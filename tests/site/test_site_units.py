"""The pieces of `tipkg site` on their own: where each server path lives in the site, relative links, the
w3id form of `.htaccess` (--site-url), and the command's bad input (exit 2, the folder left as it was)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from tests.site.test_site_redirects import apply

from tipkg.cli import main
from tipkg.errors import UsageError
from tipkg.site.links import UnmappedLink, relink, site_file
from tipkg.site.redirects import htaccess, redirects
from tipkg.vocab import BASE


@pytest.mark.parametrize(("path", "query", "file"), [
    ("/", "", "index.html"),
    ("/id/", "", "id/index.html"),
    ("/id/hhs", "", "id/hhs.html"),
    ("/id/graph/hhs-6", "", "id/graph/hhs-6.html"),
    ("/id/hhs.ttl", "", "id/hhs.ttl"),
    ("/ontology", "", "ontology.html"),
    ("/ontology.owl", "", "ontology.owl"),
    ("/sparql", "", "sparql.html"),
    ("/queries/funding", "", "queries/funding.html"),
    ("/queries/funding", "format=csv", "queries/funding.csv"),
    ("/static/style.css", "", "static/style.css"),
    ("/dist/void.ttl", "", "dist/void.ttl"),
])
def test_site_file(path, query, file):
    assert site_file(path, query) == file


@pytest.mark.parametrize(("path", "query"), [("/sparql", "query=ASK{}"), ("/queries/x", "org=id:dhs"),
                                             ("relative", "")])
def test_a_live_query_has_no_file(path, query):
    with pytest.raises(UnmappedLink):
        site_file(path, query)


def test_relink_makes_links_relative_and_reports_them():
    seen = []
    page = ('<a href="/id/hhs">x</a> <link href="/static/style.css"> <a href="#top">t</a> '
            '<a href="https://example.org/">e</a> <a href="/queries/funding?format=csv&amp;org=id:dhs">c</a>')
    with pytest.raises(UnmappedLink):  # a parameter the site has no file for
        relink(page, "id/graph/hhs-6.html", lambda p, q: seen.append((p, q)))
    page = page.replace("&amp;org=id:dhs", "")
    out = relink(page, "id/graph/hhs-6.html", lambda p, q: seen.append((p, q)))
    assert 'href="../hhs.html"' in out and 'href="../../static/style.css"' in out
    assert 'href="#top"' in out and 'href="https://example.org/"' in out
    assert 'href="../../queries/funding.csv"' in out
    assert ("/id/hhs", "") in seen and ("/queries/funding", "format=csv") in seen


def test_w3id_htaccess_redirects_everything_to_the_site():
    text = htaccess(["id/hhs", "id/graph/hhs-6"], BASE, "https://example.org/tipkg/")
    assert apply(text, "id/hhs", "text/turtle") == ("https://example.org/tipkg/id/hhs.ttl", "[R=303,L]")
    assert apply(text, "id/graph/hhs-6", "application/ld+json") == (
        "https://example.org/tipkg/id/graph/hhs-6.jsonld", "[R=303,L]")
    assert apply(text, "id/hhs", "text/html") == ("https://example.org/tipkg/id/hhs.html", "[R=303,L]")
    assert apply(text, "id/hhs.ttl", "text/turtle") == ("https://example.org/tipkg/id/hhs.ttl", "[R=302,L]")
    assert apply(text, "ontology", "text/turtle") == ("https://example.org/tipkg/ontology.ttl", "[R=303,L]")
    assert apply(text, "ontology", "text/html") == ("https://example.org/tipkg/ontology.html", "[R=303,L]")
    assert "/tipkg/id/hhs  /tipkg/id/hhs.html  200" in redirects(["id/hhs"], "https://example.org/tipkg/")


def test_a_dotted_resource_path_is_refused():
    with pytest.raises(UsageError, match="dot"):
        htaccess(["id/v1.2"], BASE, None)


def test_site_url_must_be_http():
    result = CliRunner().invoke(main, ["site", "--site-url", "ftp://example.org/"])
    assert result.exit_code == 2 and "http(s) URL" in result.output


def test_a_folder_with_other_files_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    result = CliRunner().invoke(main, ["site", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "not part of a site" in result.output and "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no staging folder left behind


def test_relink_with_the_sites_root_writes_absolute_paths():
    """404.html: a host shows it at any depth, so with --site-url its links are absolute."""
    out = relink('<a href="/id/">all</a><link href="/static/style.css">', "404.html", lambda p, q: None,
                 "/tipkg/")
    assert 'href="/tipkg/id/index.html"' in out and 'href="/tipkg/static/style.css"' in out


def test_a_base_the_graph_does_not_use_is_a_usage_error(tmp_path):
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["site", "--out", str(out), "--base", "https://example.org/nothing/"])
    assert result.exit_code == 2 and "no IRI of the graph is under the base" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
