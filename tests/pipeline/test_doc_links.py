"""Every file the documentation points to exists: Markdown links and `docs/...` paths named in the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pipeline_support import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
DOCS_PATH = re.compile(r"`(docs/[\w./-]+\.md)`")


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_relative_link_and_named_doc_exists(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    targets = [doc.parent / t for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]
    targets += [REPO / t for t in DOCS_PATH.findall(text)]
    missing = sorted(str(t.relative_to(REPO)) for t in targets if not t.resolve().exists())
    assert missing == []
