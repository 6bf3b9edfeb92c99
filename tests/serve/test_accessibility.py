"""The pages' structure, read as a screen reader would: language, one h1, no skipped heading levels,
every form control labelled, every table with header cells, links with text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

PAGES = [
    "/",
    "/id/",
    "/id/hhs",
    "/id/graph/hhs-6",
    "/ontology",
    "/sparql",
    "/queries/what-does-hhs-fund",
    "/sparql?query=SELECT%20nonsense",
    "/id/no-such-thing",
]


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.headings: list[int] = []
        self.controls: list[str] = []  # ids of textarea/input/select
        self.labels: set[str] = set()
        self.tables = 0
        self.header_cells = 0
        self.tables_with_headers = 0
        self.empty_links = 0
        self._link_text: list[str] | None = None
        self._table_had_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        elif tag in ("textarea", "select") or (
            tag == "input" and attrs.get("type") not in ("hidden", "submit")
        ):
            self.controls.append(attrs.get("id", ""))
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag == "table":
            self.tables += 1
            self._table_had_th = False
        elif tag == "th":
            self._table_had_th = True
        elif tag == "a":
            self._link_text = []

    def handle_endtag(self, tag):
        if tag == "table" and self._table_had_th:
            self.tables_with_headers += 1
        elif tag == "a" and self._link_text is not None:
            if not "".join(self._link_text).strip():
                self.empty_links += 1
            self._link_text = None

    def handle_data(self, data):
        if self._link_text is not None:
            self._link_text.append(data)


@pytest.mark.parametrize("path", PAGES)
def test_page_structure(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    outline = Outline()
    outline.feed(response.text)
    assert outline.lang == "en"
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    for control in outline.controls:
        assert control and control in outline.labels, f"form control {control!r} has no label"
    assert outline.tables == outline.tables_with_headers
    assert outline.empty_links == 0
