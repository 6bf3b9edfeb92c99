"""`tipkg diff OLD NEW`: what two builds, projects, data folders or files differ by, entity by entity.

Each side is read as one graph (named graphs merged): a build folder (its `tipkg.nq`, else `tipkg.trig`,
else `tipkg.ttl`), a project folder (ontology + data), a folder of RDF files, or one RDF file. Blank nodes
are compared by content (rdflib's canonical labels), so relabelling them is no change.

Statements are grouped by subject: an entity is *added* when the old side says nothing about it, *removed*
when the new side says nothing about it, else *changed*; within a changed entity a property whose values were
both removed and added is reported as a changed statement (old value -> new value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF
from rdflib.term import Node

from tipkg.errors import InputError
from tipkg.load import load_project, parse_into, union_of
from tipkg.project import Project, rdf_files_in
from tipkg.terms import label_of, term_text
from tipkg.vocab import bind_prefixes

CS = Namespace("http://purl.org/vocab/changeset/schema#")
DIFF_BASE = "urn:tipkg:diff:"
BUILD_FILES = ("tipkg.nq", "tipkg.trig", "tipkg.ttl")


class DiffFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    TURTLE = "turtle"


class Status(str, Enum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass
class EntityDiff:
    subject: Node
    label: str | None
    status: Status
    added: list[tuple] = field(default_factory=list)  # (predicate, object)
    removed: list[tuple] = field(default_factory=list)

    def changed_predicates(self) -> list:
        return sorted({p for p, _ in self.added} & {p for p, _ in self.removed})


@dataclass
class Diff:
    old_triples: int
    new_triples: int
    entities: list[EntityDiff] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.entities

    def count(self, attribute: str) -> int:
        return sum(len(getattr(e, attribute)) for e in self.entities)


# --- reading a side ---------------------------------------------------------------------------------------


def read_side(path: Path) -> Graph:
    """One side of a diff as a graph: a build, a project, a folder of RDF files, or a file."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            "not found", path, hint="give a build folder (dist/), a project, a data folder or a file"
        )
    if path.is_file():
        return parse_files([path])
    for name in BUILD_FILES:
        if (path / name).is_file():
            return parse_files([path / name])
    if (path / "ontology").is_dir() or (path / "data").is_dir():
        return load_project(Project(path.resolve())).full_graph()
    return parse_files(rdf_files_in(path))


def parse_files(paths: list[Path]) -> Graph:
    dataset = Dataset()
    for path in paths:
        parse_into(dataset, path)
    return union_of(dataset.quads((None, None, None, None)))


def canonical(graph: Graph) -> Graph:
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        return to_canonical_graph(graph)
    return graph


# --- comparing --------------------------------------------------------------------------------------------


def diff_graphs(old: Graph, new: Graph) -> Diff:
    old_c, new_c = canonical(old), canonical(new)
    old_set, new_set = set(old_c), set(new_c)
    removed, added = old_set - new_set, new_set - old_set
    old_subjects = set(old_c.subjects(unique=True))
    new_subjects = set(new_c.subjects(unique=True))
    by_subject: dict = {}
    for s, p, o in sorted(added | removed):
        if s not in by_subject:
            status = (
                Status.ADDED
                if s not in old_subjects
                else Status.REMOVED
                if s not in new_subjects
                else Status.CHANGED
            )
            by_subject[s] = EntityDiff(s, label_of(s, new_c, old_c), status)
        target = by_subject[s].added if (s, p, o) in added else by_subject[s].removed
        target.append((p, o))
    return Diff(len(old_set), len(new_set), [by_subject[s] for s in sorted(by_subject)])


def diff_paths(old: Path, new: Path) -> Diff:
    return diff_graphs(read_side(old), read_side(new))


# --- writing ----------------------------------------------------------------------------------------------


def render_text(diff: Diff) -> str:
    lines = []
    marks = {Status.ADDED: "+", Status.REMOVED: "-", Status.CHANGED: "~"}
    for entity in diff.entities:
        head = f"{marks[entity.status]} {term_text(entity.subject)}"
        if entity.label:
            head += f' "{entity.label}"'
        lines.append(f"{head}  ({entity.status.value})")
        changed = set(entity.changed_predicates())
        for p in sorted(changed):
            old = ", ".join(term_text(o) for q, o in entity.removed if q == p)
            new = ", ".join(term_text(o) for q, o in entity.added if q == p)
            lines.append(f"    ~ {term_text(p)} {old} -> {new}")
        for sign, pairs in (("+", entity.added), ("-", entity.removed)):
            lines += [f"    {sign} {term_text(p)} {term_text(o)}" for p, o in pairs if p not in changed]
    if diff.identical:
        lines.append(f"no differences ({diff.old_triples} triples)")
    else:
        lines.append(
            f"{len(diff.entities)} entities differ: {diff.count('added')} statement(s) added, "
            f"{diff.count('removed')} removed ({diff.old_triples} -> {diff.new_triples} triples)"
        )
    return "\n".join(lines) + "\n"


def render_json(diff: Diff) -> str:
    entities = []
    for entity in diff.entities:
        changed = entity.changed_predicates()
        entities.append(
            {
                "subject": entity.subject.n3(),
                "label": entity.label,
                "status": entity.status.value,
                "added": [{"predicate": str(p), "object": o.n3()} for p, o in entity.added],
                "removed": [{"predicate": str(p), "object": o.n3()} for p, o in entity.removed],
                "changed": [
                    {
                        "predicate": str(p),
                        "old": [o.n3() for q, o in entity.removed if q == p],
                        "new": [o.n3() for q, o in entity.added if q == p],
                    }
                    for p in changed
                ],
            }
        )
    document = {
        "identical": diff.identical,
        "old_triples": diff.old_triples,
        "new_triples": diff.new_triples,
        "entities": entities,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def digest(*terms) -> str:
    return hashlib.sha256(" ".join(t.n3() for t in terms).encode("utf-8")).hexdigest()[:16]


def render_turtle(diff: Diff) -> str:
    """One changeset (http://purl.org/vocab/changeset/schema#) per entity, reified statements with IRIs."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("cs", CS)
    for entity in diff.entities:
        change = URIRef(f"{DIFF_BASE}change:{digest(entity.subject)}")
        graph.add((change, RDF.type, CS.ChangeSet))
        graph.add((change, CS.subjectOfChange, entity.subject))
        graph.add((change, CS.changeReason, Literal(entity.status.value)))
        for link, kind, pairs in (
            (CS.addition, "added", entity.added),
            (CS.removal, "removed", entity.removed),
        ):
            for p, o in pairs:
                statement = URIRef(f"{DIFF_BASE}{kind}:{digest(entity.subject, p, o)}")
                graph.add((change, link, statement))
                graph.add((statement, RDF.type, RDF.Statement))
                graph.add((statement, RDF.subject, entity.subject))
                graph.add((statement, RDF.predicate, p))
                graph.add((statement, RDF.object, o))
    return graph.serialize(format="turtle")


def render_diff(diff: Diff, fmt: DiffFormat = DiffFormat.TEXT) -> str:
    return {DiffFormat.TEXT: render_text, DiffFormat.JSON: render_json, DiffFormat.TURTLE: render_turtle}[
        fmt
    ](diff)
