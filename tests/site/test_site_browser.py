"""The static site in a real browser, from file:// and from a plain web server under a sub-path: every
page it loads finds its stylesheet, a person can walk home -> all resources -> an entity -> its Turtle and
sentence graph, and nothing fails to load or logs an error."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serve.conftest import free_port
from tests.site.conftest import running


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    """Python's http.server on loopback, serving `root`'s parent: the site is at /<root name>/."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
               str(root.parent)]
    with running(command, f"http://127.0.0.1:{port}/{root.name}/") as url:
        yield url


def watched(browser):
    """A new page, and the list its failed loads, HTTP errors and console errors are written into."""
    problems: list[str] = []
    page = browser.new_page()
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"{response.status}: {response.url}"))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    return page, problems


def walk(browser, start: str) -> list[str]:
    """Home -> All resources -> HHS -> its Turtle; returns what went wrong (failed loads, console errors)."""
    page, problems = watched(browser)
    page.goto(start + "index.html")
    assert page.locator("link[rel=stylesheet]").count() >= 1
    styled = page.evaluate("getComputedStyle(document.querySelector('header.site')).display")
    assert styled  # the stylesheet was applied (a value, not an exception)
    page.get_by_role("link", name="Browse").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("id/index.html")
    page.locator("a[href='hhs.html']").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("id/hhs.html") and "Health and Human Services" in page.title()
    turtle = page.locator("a[type='text/turtle']").first.get_attribute("href")
    assert turtle == "hhs.ttl"
    page.locator("a[href^='graph/']").first.click()
    page.wait_for_load_state()
    assert "/id/graph/" in page.url
    page.close()
    return problems


def test_the_site_works_from_file_urls(browser, site):
    assert walk(browser, site.as_uri() + "/") == []


def test_the_site_works_under_a_sub_path(browser, site):
    with static_server(site) as url:
        assert "/site/" in url
        assert walk(browser, url) == []


@pytest.mark.parametrize("name", ["sparql.html", "ontology.html", "queries/funding.html", "404.html"])
def test_other_pages_load_cleanly(browser, site, name):
    page, problems = watched(browser)
    page.goto((site / name).as_uri())
    assert page.locator("h1").count() == 1
    page.close()
    assert problems == []
