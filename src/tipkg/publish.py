"""`tipkg build`'s last stage: write the checked graph into `dist/`, deterministically and atomically.

Files (see docs/pipeline.md): tipkg.ttl / .nt / .jsonld (ontology + data, asserted), tipkg.trig / .nq (the
same with the data's named graphs), context.jsonld, ontology.ttl / .owl, shapes.ttl, inferred.ttl, void.ttl.

The dumps and inferred.ttl are written by pyoxigraph from the project's store, in time linear in the data
(issue 10: rdflib's union, Dataset and writers took minutes at 1M triples); the ontology files and the
shapes, small and full of blank nodes, are still written by rdflib, whose Turtle nests OWL restrictions and
lists as `[ ]` and `( )`.

Determinism: the dumps are built from one list of N-Quads lines, sorted (`Build.nquads`): tipkg.nq is those
lines; the triples of tipkg.ttl / .nt / .jsonld come in that order, each once; TriG has the default graph
first, then the named graphs in IRI order, each graph's triples in that order; the `@prefix` lines are
sorted. Blank nodes (the ontology's OWL restrictions and lists, any in the data) get RDFC-1.0 canonical
labels (pyoxigraph's `Dataset.canonicalize`, one labelling for every dump); the ontology files keep rdflib's
canonical hashing (`to_canonical_graph`). RDF/XML is written from a graph filled in sorted order; JSON is
sorted. No timestamps are written.

Atomicity (`tipkg.atomic`): everything is written into a fresh folder beside the output folder, which
replaces the old one in one rename only when every file is written; a failure or a kill leaves the old one.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.trig import TrigSerializer

from tipkg.atomic import staged_folder
from tipkg.background import Background
from tipkg.budget import Step, Timed, usable_cores
from tipkg.errors import InputError
from tipkg.jsonld import CONTEXT_FILE, build_context, compact, context_text, organisations
from tipkg.load import LoadedProject
from tipkg.reason import Reasoning
from tipkg.stats import DatasetCounts, dataset_counts
from tipkg.terms import to_ox
from tipkg.vocab import PREFIXES, bind_prefixes
from tipkg.void import Written, add_distributions, describe

NQUADS = ox.RdfFormat.N_QUADS

# Any quad with a blank node (subject, object or graph name), for the check that the data holds none.
BLANK_QUAD = """ASK {
  { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER(isBlank(?s) || isBlank(?o)) }
  UNION { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?g)) }
}"""


@dataclass
class Build:
    """What the writers share: the loaded project, its reasoning (None while it is being computed: only
    inferred.ttl needs it), and the dumps' quads, computed once."""

    loaded: LoadedProject
    reasoning: Reasoning | None = None
    _quads: list[ox.Quad] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(cls, loaded: LoadedProject, reasoning: Reasoning) -> Build:
        return cls(loaded, reasoning)

    @cached_property
    def nquads(self) -> bytes:
        """Ontology and data as sorted, distinct N-Quads lines (blank nodes canonical): tipkg.nq."""
        return sorted_nquads(self.loaded)

    @cached_property
    def triples(self) -> list[ox.Triple]:
        """The named graphs merged: each triple once, in the order of `nquads` (sorted lines put the lines
        of one triple next to each other, so this is the order of the triples' own lines)."""
        quads = list(ox.parse(self.nquads, format=NQUADS))
        self._quads = quads  # kept for TriG, their only other reader: parsed once (2 s at 1M triples)
        return list(dict.fromkeys(quad.triple for quad in quads))

    def take_quads(self) -> list[ox.Quad]:
        """The quads of `nquads`, in its order, handed over once: a million of them held for the rest of the
        build would cost 300 MB."""
        quads, self._quads = self._quads, None
        return quads if quads is not None else list(ox.parse(self.nquads, format=NQUADS))

    @cached_property
    def context(self) -> dict:
        return build_context(self.triples)


# --- the dumps, from the store --------------------------------------------------------------------------


def serialized(items: Iterable, fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """pyoxigraph's writer, into memory."""
    text = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert text is not None  # no output given: the bytes are returned
    return text


def has_blank(quad: ox.Quad) -> bool:
    return (isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
            or isinstance(quad.graph_name, ox.BlankNode))


def canonical_blanks(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Quads with blank nodes relabelled by RDFC-1.0: labels from content, so the same on every run. Only
    the quads that hold a blank node are needed: the others play no part in the labels."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def sorted_nquads(loaded: LoadedProject) -> bytes:
    """The ontology (in the default graph) and the data, as sorted distinct N-Quads lines. Without blank
    nodes in the data (the common case: tipkg's data has none), the store writes the data itself."""
    ontology = [ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in loaded.ontology]  # type: ignore[arg-type]
    if loaded.store.query(BLANK_QUAD):
        everything = [*ontology, *loaded.store]
        data = b""
    else:
        everything = ontology
        data = loaded.store.dump(format=NQUADS) or b""
    plain = [quad for quad in everything if not has_blank(quad)]
    blank = canonical_blanks([quad for quad in everything if has_blank(quad)])
    lines = (data + serialized(plain, NQUADS) + serialized(blank, NQUADS)).splitlines()
    del data
    lines.sort()  # in place, and duplicates (a triple both in the ontology and the data) dropped below
    kept = (line for i, line in enumerate(lines) if line and (i == 0 or line != lines[i - 1]))
    return b"\n".join(kept) + b"\n"


def sorted_prefixes(text: bytes) -> bytes:
    """pyoxigraph writes every prefix first, in an order of its own: put them in name order."""
    lines = text.split(b"\n")
    count = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"\n".join([*sorted(lines[:count]), *lines[count:]])


def ox_turtle(triples: Iterable[ox.Triple]) -> bytes:
    return sorted_prefixes(serialized(triples, ox.RdfFormat.TURTLE, PREFIXES))


def graph_order(quad: ox.Quad) -> tuple[int, str]:
    """The default graph first, then the named graphs by IRI."""
    name = quad.graph_name
    return (0, "") if isinstance(name, ox.DefaultGraph) else (1, str(name))


def ox_trig(quads: list[ox.Quad]) -> bytes:
    quads.sort(key=graph_order)  # stable: each graph keeps the sorted order; in place, no second list
    return sorted_prefixes(serialized(quads, ox.RdfFormat.TRIG, PREFIXES))


# --- rdflib graphs: the ontology, the shapes, and the server's per-resource documents ---------------------


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
    return ox_turtle(build.triples), "Ontology and data, asserted triples (Turtle)"


def write_nt(build: Build) -> tuple[bytes, str]:
    text = serialized(build.triples, ox.RdfFormat.N_TRIPLES)
    return text, "Ontology and data, asserted triples (N-Triples, sorted)"


def write_trig(build: Build) -> tuple[bytes, str]:
    return ox_trig(build.take_quads()), "Ontology and data with one named graph per source sentence (TriG)"


def write_nq(build: Build) -> tuple[bytes, str]:
    """The sorted lines themselves; after the files that are made from them (WRITERS' order), they are
    dropped: 180 MB at 1M triples that JSON-LD's peak need not carry."""
    text = build.nquads
    if "triples" in build.__dict__ and build._quads is None:
        del build.nquads  # a cached_property: made again if a later writer asks
    return text, "Ontology and data with one named graph per source sentence (N-Quads)"


def write_jsonld(build: Build) -> tuple[bytes, str]:
    text = compact(build.triples, build.context, organisations(build.loaded))
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
    """The entailments have no blank nodes (tipkg.reason): sorted by their N-Triples lines."""
    assert build.reasoning is not None, "inferred.ttl is written after reasoning (REASONED)"
    entailments = sorted(set(build.reasoning.entailments), key=str)
    return ox_turtle(entailments), f"OWL 2 RL entailments not asserted ({build.reasoning.reasoner.value})"


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


def void_file(build: Build, written: list[Written], description: Graph | None = None) -> bytes:
    """void.ttl: the description of the dataset (`describe`, made here unless given) with the files
    `written` as its distributions (small, no blank nodes: rdflib writes it)."""
    graph = description if description is not None else describe(build.loaded, [])
    add_distributions(graph, written)
    return turtle(canonical(graph))


# Written in a forked child while the other files are written (tipkg.background): JSON-LD is all Python,
# a third of the publishing time at 1M triples, and the machine has a second core. The child starts after
# the files that free the largest buffers (the quads, the N-Quads text): a fork's memory counts them too
# (at 1M triples the child's peak is 1.4 GB instead of 2 GB).
BACKGROUND = frozenset({"tipkg.jsonld"})
FIRST = ("tipkg.trig", "tipkg.nq")


def write_file(build: Build, folder: Path, name: str, writer: Writer) -> Written:
    content, title = writer(build)
    (folder / name).write_bytes(content)
    return Written(name, len(content), title)


@dataclass(frozen=True)
class Published:
    """What a build wrote (sorted by name), and the dataset's VoID counts that void.ttl states (for the
    command's summary: counted once)."""

    files: list[Written]
    counts: DatasetCounts


@dataclass(frozen=True)
class Asserted:
    """The first part of a build: the files of the asserted graph, and the description of the dataset
    (void.ttl without its distributions)."""

    files: list[Written]
    counts: DatasetCounts
    description: Graph


REASONED = frozenset({"inferred.ttl"})  # the only files that need the reasoning


def write_asserted(build: Build, folder: Path, writers: dict[str, Writer]) -> Asserted:
    """Every file of `writers` but those needing the reasoning (REASONED), and the dataset's description."""
    writers = {name: writer for name, writer in writers.items() if name not in REASONED}
    first = [name for name in FIRST if name in writers]
    background = BACKGROUND & set(writers) if usable_cores() > 1 else frozenset()  # one core: one by one
    if background:
        build.triples, build.context  # noqa: B018 - made once, here, and shared with the child by the fork
    written = [write_file(build, folder, name, writers[name]) for name in first]
    jobs = [Background(partial(write_file, build, folder, name, writer))
            for name, writer in writers.items() if name in background]
    try:
        written += [write_file(build, folder, name, writer)
                    for name, writer in writers.items() if name not in background and name not in first]
        counts = dataset_counts(build.loaded)  # while the child writes
        description = describe(build.loaded, [], counts=counts)
        written += [job.result() for job in jobs]
    except BaseException:
        for job in jobs:
            job.cancel()
        raise
    return Asserted(written, counts, description)


def write_asserted_of(loaded: LoadedProject, folder: Path) -> Asserted:
    """`write_asserted` of every writer, with a Build of its own, freed (with the quads and triples it
    caches) before the result is sent back: a child must not hold them while it waits for the parent."""
    return write_asserted(Build(loaded), folder, WRITERS)


def write_reasoned(build: Build, folder: Path, writers: dict[str, Writer], asserted: Asserted) -> Published:
    """The files that need the reasoning, then void.ttl, which lists every file."""
    written = asserted.files + [write_file(build, folder, name, writer)
                                for name, writer in writers.items() if name in REASONED]
    void = void_file(build, written, asserted.description)
    (folder / "void.ttl").write_bytes(void)
    written.append(Written("void.ttl", len(void), "VoID and DCAT description of the dataset"))
    return Published(sorted(written, key=lambda w: w.name), asserted.counts)


def write_all(build: Build, folder: Path, writers: dict[str, Writer]) -> Published:
    return write_reasoned(build, folder, writers, write_asserted(build, folder, writers))


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
) -> Published:
    """Write every file into `out` (replacing it whole), or nothing at all when anything fails."""
    writers = writers if writers is not None else WRITERS
    check_replaceable(Path(out), {*writers, "void.ttl"})
    return write_folder(Path(out), lambda folder: write_all(Build.of(loaded, reasoning), folder, writers))


Finish = Callable[[Reasoning], Published]


@contextmanager
def publishing_beside_checks(loaded: LoadedProject, out: Path, seconds: float) -> Iterator[Finish]:
    """`tipkg build`'s files, written while the caller checks the project: the files of the asserted graph
    (all but inferred.ttl and void.ttl) are written by a child process started now, within `seconds`
    (`tipkg.budget`), on the machine's second core while validation runs. The caller then calls
    `finish(reasoning)`, which waits for them and writes the rest. The folder replaces `out` when the block
    ends well; when it does not (a failed check, a budget, Ctrl-C), the child is killed, nothing is left.
    On one core (`taskset -c 0 tipkg build` asks for that), every file is written after the checks and one
    at a time: no faster, and less memory at once."""
    out = Path(out)
    check_replaceable(out, {*WRITERS, "void.ttl"})
    finished: list[Published] = []
    with staging_for(out) as folder:
        step = Step(str(out), partial(write_asserted_of, loaded, folder))
        with Timed("publishing", [step], seconds, "--publish-timeout") as asserted_files:
            if usable_cores() > 1:  # else written after the checks, by finish(): less memory at once
                asserted_files.start()

            def finish(reasoning: Reasoning) -> Published:
                [asserted] = asserted_files.results()
                finished.append(write_reasoned(Build(loaded, reasoning), folder, WRITERS, asserted))
                return finished[0]

            yield finish
        if not finished:
            raise RuntimeError("publishing_beside_checks: the block ended without finish()")


def write_folder(out: Path, fill: Callable[[Path], T]) -> T:
    """Let `fill` write into a fresh folder beside `out`, then put that folder in `out`'s place; when
    anything fails, `out` is left as it was and nothing else remains (`tipkg build`, `tipkg site`)."""
    with staging_for(out) as staging:
        return fill(staging)


@contextmanager
def staging_for(out: Path) -> Iterator[Path]:
    """A fresh folder beside `out` that replaces `out` when the block ends well (`tipkg.atomic.
    staged_folder`). The folders above `out` are made if need be, and removed again when the block fails
    (`releases/` must not appear for a release that failed its checks)."""
    parent = out.resolve().parent
    missing = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror}", parent) from None
    try:
        with staged_folder(out.resolve()) as staging:
            yield staging
    except BaseException:
        for folder in missing:  # innermost first; each is empty unless someone else wrote there meanwhile
            with suppress(OSError):
                folder.rmdir()
        raise


def total_size(written: Sequence[Written]) -> int:
    return sum(item.size for item in written)
