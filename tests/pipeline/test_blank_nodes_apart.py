"""Two data files that both use `_:x` describe two nodes: RDF merges documents with their blank nodes kept
apart (found by the issue-10 writers' work: before, the store made them one node)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from tipkg.load import load_project
from tipkg.project import Project

NOTE = ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<{s}> skos:note _:x .\n_:x skos:prefLabel \"{label}\" .\n")


def test_the_same_label_in_two_files_is_two_nodes(mini: Path) -> None:
    (mini / "data" / "one.ttl").write_text(NOTE.format(s="https://w3id.org/tipkg/id/a", label="one"))
    (mini / "data" / "two.ttl").write_text(NOTE.format(s="https://w3id.org/tipkg/id/b", label="two"))
    store = load_project(Project(mini)).store
    notes = {q.subject.value: q.object for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#note"), None, None)}
    assert notes["https://w3id.org/tipkg/id/a"] != notes["https://w3id.org/tipkg/id/b"]
    labels = {q.subject: q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None, None)
        if isinstance(q.subject, ox.BlankNode)}
    a, b = notes["https://w3id.org/tipkg/id/a"], notes["https://w3id.org/tipkg/id/b"]
    assert labels == {a: "one", b: "two"}


def test_the_renaming_is_the_same_on_every_load(mini: Path) -> None:
    for name, s in (("one.ttl", "a"), ("two.ttl", "b")):
        (mini / "data" / name).write_text(NOTE.format(s=f"https://w3id.org/tipkg/id/{s}", label=s))
    first, second = (sorted(map(str, load_project(Project(mini)).store)) for _ in range(2))
    assert first == second
