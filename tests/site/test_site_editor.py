"""The SPARQL editor in the static site (issue 13: YASGUI "on /sparql and in the site"): sparql.html carries
the editor of `tipkg serve`'s /sparql with every canned query and the project's prefixes, served from the
site's own copy of the package's files. Without `--endpoint` the reader types one in; with it, the editor
asks that endpoint: here a running `tipkg serve`, cross-origin, and the canned query's rows come back."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.serve.conftest import bundled_server  # noqa: F401 - a fixture
from tests.serve.test_yasgui import expected_rows, run_canned, watch
from tests.site.conftest import write_site
from tests.site.test_site_browser import static_server

from tipkg.queries import load_catalogue

REPO = Path(__file__).resolve().parent.parent.parent
CANNED = "acronyms"
QUESTIONS = {q.name for q in load_catalogue(REPO / "queries").questions()}  # rules are not examples


def editor_config(page: Path) -> dict:
    match = re.search(r'<script type="application/json" id="editor-config">(.*?)</script>', page.read_text(),
                      re.S)
    assert match, "sparql.html has no editor settings"
    return json.loads(match.group(1))


def test_the_static_page_carries_every_canned_query_and_the_prefixes(site: Path) -> None:
    config = editor_config(site / "sparql.html")
    assert config["endpoint"] == ""  # no --endpoint: the reader types one in
    assert set(config["examples"]) == QUESTIONS
    assert config["prefixes"]["tip"] == "https://w3id.org/tipkg/ontology#"
    for asset in ("static/vendor/yasgui/yasgui.min.js", "static/sparql-editor.js"):
        assert (site / asset).is_file() and f'src="{asset}"' in (site / "sparql.html").read_text()


def test_the_editor_starts_offline_with_an_empty_endpoint(browser, site: Path) -> None:
    with static_server(site) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, elsewhere = watch(page, url.split("/site/")[0])
        page.goto(url + "sparql.html")
        page.wait_for_selector("#editor .yasqe .CodeMirror", timeout=30_000)
        assert page.locator("#examples").is_visible()
        assert page.locator("#example option").count() == len(QUESTIONS)
        assert page.locator("#editor input.autocomplete").first.input_value() == ""
        page.close()
    assert errors == [] and elsewhere == []


def test_with_an_endpoint_the_editor_runs_a_canned_query_there(browser, bundled_server,  # noqa: F811
                                                               tmp_path: Path) -> None:
    out = tmp_path / "site"
    endpoint = bundled_server.url + "/sparql"
    done = write_site(out, "0", "--endpoint", endpoint)
    assert done.returncode == 0, done.stderr
    assert editor_config(out / "sparql.html")["endpoint"] == endpoint
    with static_server(out) as url:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, _ = watch(page, url)
        page.goto(url + "sparql.html")
        page.wait_for_selector("#editor .yasqe .CodeMirror", timeout=30_000)
        _, rows = run_canned(page, CANNED)
        assert rows.count() == len(expected_rows(CANNED))
        page.close()
    assert errors == []
