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


RDF_XML_NOTE = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <rdf:Description rdf:about="https://w3id.org/tipkg/id/b"><skos:note rdf:nodeID="x"/></rdf:Description>
  <rdf:Description rdf:nodeID="x"><skos:prefLabel>two</skos:prefLabel></rdf:Description>
</rdf:RDF>
"""
ANONYMOUS_NOTE = ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                  "<https://w3id.org/tipkg/id/c> skos:note [ skos:prefLabel \"three\" ] .\n")


def test_labels_in_every_syntax_are_kept_apart(mini: Path) -> None:
    """The loader looks for labels only in files whose text can name a blank node (`_:x`, `rdf:nodeID`);
    an anonymous `[ ]` gets a fresh label of the parser's. Three files, three nodes, one label each."""
    (mini / "data" / "one.ttl").write_text(NOTE.format(s="https://w3id.org/tipkg/id/a", label="one"))
    (mini / "data" / "two.rdf").write_text(RDF_XML_NOTE)
    (mini / "data" / "three.ttl").write_text(ANONYMOUS_NOTE)
    store = load_project(Project(mini)).store
    notes = {q.subject.value: q.object for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#note"), None, None)}
    labels = {q.subject: q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None, None)
        if isinstance(q.subject, ox.BlankNode)}
    assert {s.rsplit("/", 1)[1]: labels[node] for s, node in notes.items()} == {
        "a": "one", "b": "two", "c": "three"}
