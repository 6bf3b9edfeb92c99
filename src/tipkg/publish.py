"""`tipkg build`'s last stage: write the checked graph into `dist/`, deterministically and atomically.

Files (see docs/pipeline.md): tipkg.ttl / .nt / .jsonld (ontology + data, asserted), tipkg.trig / .nq (the
same with the data's named graphs), context.jsonld, ontology.ttl / .owl, shapes.ttl, inferred.ttl, void.ttl.

Determinism: rdflib's Turtle writer sorts subjects, predicates and objects; N-Triples and N-Quads lines are
sorted; TriG graphs are written in IRI order; RDF/XML is written from a graph filled in sorted order; JSON
is sorted. Blank nodes (the ontology's OWL restrictions and lists; the data has none) are relabelled by
rdflib's canonical hashing (`to_canonical_graph`) so their labels do not drift. No timestamps are written.

Atomicity (`tipkg.atomic`): everything is written into a fresh folder beside the output folder, which
replaces the old one in one rename only when every file is written; a failure or a kill leaves the old one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.trig import TrigSerializer

from tipkg.atomic import staged_folder
from tipkg.errors import InputError
from tipkg.jsonld import CONTEXT_FILE, build_context, compact, context_text
from tipkg.load import LoadedProject
from tipkg.reason import Reasoning
from tipkg.vocab import bind_prefixes
from tipkg.void import Written, describe


@dataclass
class Build:
    """What the writers share: the loaded project, its reasoning, and the graphs computed once."""

    loaded: LoadedProject
    reasoning: Reasoning
    full: Graph  # ontology + data, asserted, blank nodes canonical

    @classmethod
    def of(cls, loaded: LoadedProject, reasoning: Reasoning) -> Build:
        return cls(loaded, reasoning, canonical(loaded.full_graph()))

    @cached_property
    def context(self) -> dict:
        return build_context(self.full)

    @cached_property
    def dataset(self) -> Dataset:
        return dataset_of(self)


# --- deterministic graph writing ---------------------------------------------------------------------------


def has_bnodes(graph: Graph) -> bool:
    return any(isinstance(term, BNode) for triple in graph for term in triple)


def canonical(graph: Graph) -> Graph:
    """The graph with blank nodes relabelled from their content, prefixes bound, triples in sorted order."""
    source = to_canonical_graph(graph) if has_bnodes(graph) else graph
    out = Graph()
    bind_prefixes(out)
    for triple in sorted(source, key=lambda t: tuple(term.n3() for term in t)):
        out.add(triple)
    return out


def turtle(graph: Graph) -> bytes:
    return graph.serialize(format="turtle", encoding="utf-8")


def sorted_lines(text: str) -> bytes:
    lines = sorted({re.sub(r"\s+\.$", " .", line) for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def ntriples(graph: Graph) -> bytes:
    return sorted_lines(graph.serialize(format="nt"))


def dataset_of(build: Build) -> Dataset:
    """Ontology and data in the default graph, each sentence's statements in its named graph."""
    loaded = build.loaded
    dataset = Dataset()
    bind_prefixes(dataset)
    default_id = loaded.data.default_graph.identifier
    named = {
        g for _, _, _, g in loaded.data.quads((None, None, None, None)) if g is not None and g != default_id
    }
    for triple in canonical(union_with(loaded.ontology, loaded.data.default_graph)):
        dataset.default_graph.add(triple)
    for name in sorted(named):
        target = dataset.graph(name)
        for triple in canonical(loaded.data.graph(name)):
            target.add(triple)
    return dataset


def union_with(*graphs: Graph) -> Graph:
    out = Graph()
    for graph in graphs:
        for triple in graph:
            out.add(triple)
    return out


class SortedTrigSerializer(TrigSerializer):
    """rdflib's TriG writer, with the default graph first and the named graphs in IRI order."""

    def preprocess(self) -> None:
        default = self.default_context
        self.contexts.sort(key=lambda c: (c.identifier != default, str(c.identifier)))
        super().preprocess()


def trig(dataset: Dataset) -> bytes:
    stream = io.BytesIO()
    SortedTrigSerializer(dataset).serialize(stream, encoding="utf-8")
    return stream.getvalue()


def nquads(dataset: Dataset) -> bytes:
    return sorted_lines(dataset.serialize(format="nquads"))


# --- the files ----------------------------------------------------------------------------------------------

Writer = Callable[[Build], tuple[bytes, str]]
T = TypeVar("T")


def write_ttl(build: Build) -> tuple[bytes, str]:
    return turtle(build.full), "Ontology and data, asserted triples (Turtle)"


def write_nt(build: Build) -> tuple[bytes, str]:
    return ntriples(build.full), "Ontology and data, asserted triples (N-Triples, sorted)"


def write_trig(build: Build) -> tuple[bytes, str]:
    return trig(build.dataset), "Ontology and data with one named graph per source sentence (TriG)"


def write_nq(build: Build) -> tuple[bytes, str]:
    return nquads(build.dataset), "Ontology and data with one named graph per source sentence (N-Quads)"


def write_jsonld(build: Build) -> tuple[bytes, str]:
    text = compact(build.full, build.context)
    return text.encode("utf-8"), "Ontology and data, compacted JSON-LD with context.jsonld"


def write_context(build: Build) -> tuple[bytes, str]:
    return context_text(build.context).encode("utf-8"), "JSON-LD context for tipkg.jsonld"


def write_ontology_ttl(build: Build) -> tuple[bytes, str]:
    return turtle(canonical(build.loaded.ontology)), "The OWL ontology (Turtle)"


class SortedGraph(Graph):
    """A graph that lists subjects and their statements in sorted order, for rdflib's RDF/XML writer."""

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 - rdflib's signature
        return iter(sorted(set(super().subjects(predicate, object)), key=lambda t: t.n3()))

    def predicate_objects(self, subject=None, unique=False):
        pairs = set(super().predicate_objects(subject))
        return iter(sorted(pairs, key=lambda pair: (pair[0].n3(), pair[1].n3())))


def rdfxml(graph: Graph) -> bytes:
    """Plain RDF/XML, subjects in order (rdflib's pretty-xml drops statements about list nodes)."""
    ordered = SortedGraph()
    bind_prefixes(ordered)
    for triple in graph:
        ordered.add(triple)
    return ordered.serialize(format="xml", encoding="utf-8")


def write_ontology_owl(build: Build) -> tuple[bytes, str]:
    return rdfxml(canonical(build.loaded.ontology)), "The OWL ontology (RDF/XML)"


def write_shapes(build: Build) -> tuple[bytes, str]:
    return turtle(canonical(build.loaded.shapes)), "SHACL shapes (Turtle)"


def write_inferred(build: Build) -> tuple[bytes, str]:
    graph = canonical(build.reasoning.inferred())
    return turtle(graph), f"OWL 2 RL entailments not asserted ({build.reasoning.reasoner.value})"


WRITERS: dict[str, Writer] = {
    "tipkg.ttl": write_ttl,
    "tipkg.nt": write_nt,
    "tipkg.trig": write_trig,
    "tipkg.nq": write_nq,
    "tipkg.jsonld": write_jsonld,
    CONTEXT_FILE: write_context,
    "ontology.ttl": write_ontology_ttl,
    "ontology.owl": write_ontology_owl,
    "shapes.ttl": write_shapes,
    "inferred.ttl": write_inferred,
}


def write_all(build: Build, folder: Path, writers: dict[str, Writer]) -> list[Written]:
    written = []
    for name, writer in writers.items():
        content, title = writer(build)
        (folder / name).write_bytes(content)
        written.append(Written(name, len(content), title))
    void = turtle(canonical(describe(build.loaded, build.full, written)))
    (folder / "void.ttl").write_bytes(void)
    written.append(Written("void.ttl", len(void), "VoID and DCAT description of the dataset"))
    return sorted(written, key=lambda w: w.name)


# --- atomic replacement -------------------------------------------------------------------------------------


def check_replaceable(out: Path, names: set[str], what: str = "build") -> None:
    """Refuse to replace a folder holding more than a previous build (`--out .` must not wipe a project)."""
    if not out.is_dir():
        return
    foreign = sorted(p.name for p in out.iterdir() if p.name not in names)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise InputError(
            f"holds files that are not part of a {what} ({shown}); refusing to replace it",
            out,
            hint=f"write into an empty or new folder, or a previous {what}'s",
        )


def publish(
    loaded: LoadedProject, reasoning: Reasoning, out: Path, writers: dict[str, Writer] | None = None
) -> list[Written]:
    """Write every file into `out` (replacing it whole), or nothing at all when anything fails."""
    writers = writers if writers is not None else WRITERS
    check_replaceable(Path(out), {*writers, "void.ttl"})
    return write_folder(Path(out), lambda folder: write_all(Build.of(loaded, reasoning), folder, writers))


def write_folder(out: Path, fill: Callable[[Path], T]) -> T:
    """Let `fill` write into a fresh folder beside `out`, then put that folder in `out`'s place; when
    anything fails, `out` is left as it was and nothing else remains (`tipkg build`, `tipkg site`)."""
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror}", parent) from None
    with staged_folder(out.resolve()) as staging:
        return fill(staging)


def total_size(written: Sequence[Written]) -> int:
    return sum(item.size for item in written)
