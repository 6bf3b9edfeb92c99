"""The SPARQL editor on /sparql (YASGUI, vendored in src/tipkg/server/static/vendor/yasgui) in Chromium, and
an accessibility check (axe-core) of the main pages.

- The vendored files are the published ones (SHA256SUMS, NOTICE.md) and the CSP's style hashes are those
  of the styles the vendored code inserts.
- YASGUI loads with no console error and no request to any other host, runs a canned query against
  `tipkg serve` and shows the rows of its expected answer; without JavaScript the plain form still works.
- axe-core (bundled by axe-playwright-python) finds no serious or critical violation on the home page, the
  index, an entity page, /ontology, a canned query's answer and /sparql with the editor showing results.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import re
from pathlib import Path

import httpx
import pytest
from tests.serve.conftest import ARTIFACTS, REPO

from tipkg.server.headers import CONTENT_SECURITY_POLICY

VENDOR = REPO / "src" / "tipkg" / "server" / "static" / "vendor" / "yasgui"
CANNED = "acronyms"  # a canned query whose expected answer has more than a handful of rows


def sha256_hex(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_vendored_files_are_the_recorded_ones() -> None:
    sums = dict(line.split()[::-1] for line in (VENDOR / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"yasgui.min.js", "yasgui.min.css"}
    notice = (VENDOR / "NOTICE.md").read_text()
    for name, digest in sums.items():
        assert sha256_hex(VENDOR / name) == digest, f"{name} is not the file SHA256SUMS records"
        assert digest in notice, f"NOTICE.md does not record the sha256 of {name}"
    assert "MIT" in (VENDOR / "LICENSE").read_text()


def test_csp_allows_exactly_the_editors_styles() -> None:
    """The column resizer in yasgui.min.js inserts two fixed <style> texts; the CSP names their hashes."""
    js = (VENDOR / "yasgui.min.js").read_text(encoding="utf-8")
    table_rules = re.search(r"createStyle\(a,`( \.grip-resizable\{[^`]*)`\)", js)
    drag_cursor = re.search(r"dragCursor:`([^`]*)`", js)
    assert table_rules and drag_cursor, "the vendored YASGUI no longer inserts the styles the CSP allows"
    styles = [table_rules.group(1), "*{cursor:" + drag_cursor.group(1) + "!important}"]
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles}
    allowed = set(re.findall(r"'sha256-[^']+'", CONTENT_SECURITY_POLICY))
    assert allowed == hashes
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


def expected_rows(name: str) -> list[dict[str, str]]:
    with (REPO / "queries" / f"{name}.expected.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def watch(page, origin: str) -> tuple[list[str], list[str]]:
    """Console errors (and uncaught exceptions) and requests to anywhere but `origin`, as they happen."""
    errors: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: None if req.url.startswith(origin) else elsewhere.append(req.url))
    return errors, elsewhere


def open_editor(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, elsewhere = watch(page, url)
    page.goto(url + "/sparql")
    page.wait_for_selector("#editor .yasqe .CodeMirror", timeout=30_000)
    return page, errors, elsewhere


def run_canned(page, name: str):
    """Open the canned query `name` from the example list in a new tab, run it; the tab's result rows."""
    assert page.locator(f"#example option[value='{name}']").count() == 1
    page.select_option("#example", name)
    page.click("#example-open")
    panel = page.locator(".tabPanel.active")
    panel.locator(".yasqe_queryButton").click()
    rows = panel.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for(timeout=30_000)
    return panel, rows


def test_yasgui_runs_a_canned_query(browser, bundled_server) -> None:
    page, errors, elsewhere = open_editor(browser, bundled_server.url)
    assert page.locator("#plain-form").is_hidden(), "the plain form stays beside the editor"
    panel, rows = run_canned(page, CANNED)
    assert "SELECT ?acronym ?entity ?name" in panel.locator(".CodeMirror").inner_text()
    expected = expected_rows(CANNED)
    assert rows.count() == len(expected)
    shown = [rows.nth(i).locator("td").nth(2).locator("a").get_attribute("href") for i in range(rows.count())]
    assert shown == [row["entity"] for row in expected]
    # The column resizer's styles apply (the CSP allows them by hash): dragging a grip makes no error.
    grip = panel.locator(".grip-handle").first.bounding_box()
    assert grip is not None
    page.mouse.move(grip["x"], grip["y"] + 5)
    page.mouse.down()
    page.mouse.move(grip["x"] + 40, grip["y"] + 5)
    page.mouse.up()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yasgui.png"))
    # Prefix completion offers the project's prefixes (tip: is no prefix.cc entry); nothing outlives the tab
    # (the column widths the drag set are in sessionStorage, the resizer's own).
    panel.locator(".CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nPREFIX ti")
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    assert "tip: <https://w3id.org/tipkg/ontology#>" in hints.all_inner_texts()
    assert page.evaluate("Object.keys(localStorage)") == []
    assert errors == []
    assert elsewhere == []
    page.close()


def test_without_javascript_the_form_works(browser, bundled_server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(bundled_server.url + "/sparql")
    assert page.locator("#plain-form").is_visible()
    assert page.locator("#examples").is_hidden()
    page.fill("#query", "SELECT ?label WHERE { id:hhs skos:prefLabel ?label }")
    page.click("#plain-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("table.results tbody tr").count() == 1
    context.close()


def test_editor_assets_are_served_from_the_package(bundled_server) -> None:
    for name in ("yasgui.min.js", "yasgui.min.css"):
        response = httpx.get(f"{bundled_server.url}/static/vendor/yasgui/{name}", timeout=30)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == sha256_hex(VENDOR / name)


@pytest.mark.parametrize("path", ["/", "/id/", "/id/hhs", "/ontology", "/sparql", f"/queries/{CANNED}"])
def test_no_serious_accessibility_violation(browser, bundled_server, path) -> None:
    from axe_playwright_python.sync_playwright import Axe  # a declared test dependency

    if path == "/sparql":  # the editor with a query's results
        page, errors, _ = open_editor(browser, bundled_server.url)
        run_canned(page, CANNED)
    else:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, _ = watch(page, bundled_server.url)
        page.goto(bundled_server.url + path)
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], "\n".join(serious)
    assert errors == []
    page.close()
