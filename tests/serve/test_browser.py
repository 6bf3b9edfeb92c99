"""A person's path through the site in a real browser (Debian chromium driven by playwright).

Home page -> a canned query, run with one click -> an entity in the results -> its page shows the
sentence of the fact sheet behind its statements. Screenshots go to tests/serve/artifacts/.
"""

from __future__ import annotations

from tests.serve.conftest import ARTIFACTS


def test_home_query_entity_sentence(browser, bundled_server, loaded):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(bundled_server.url + "/")
    assert page.locator("h1").first.inner_text().strip()
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    # Run the first canned query listed on the home page.
    query_link = page.locator("ul.queries a").first
    title = query_link.inner_text().strip()
    query_link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == title
    assert page.locator("table.results tbody tr").count() > 0
    page.screenshot(path=str(ARTIFACTS / "query.png"), full_page=True)

    # Follow a link from the results to an entity page of the graph.
    entity_link = page.locator("table.results a[href^='/id/']").first
    label = entity_link.inner_text().strip()
    entity_link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(label)
    page.screenshot(path=str(ARTIFACTS / "entity.png"), full_page=True)

    # The supporting sentence is on the page, and it is one of the fact sheet's quotes.
    quotes = {str(o) for o in loaded.data_graph().objects(None, _oa_exact())}
    shown = [text.strip().strip("“”") for text in page.locator("blockquote.sentence p").all_inner_texts()]
    assert shown, "no supporting sentence on the entity page"
    assert any(text in quotes for text in shown)
    page.close()


def _oa_exact():
    from tipkg.vocab import OA

    return OA.exact
