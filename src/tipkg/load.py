"""Parse a project's RDF files, with errors that name the file, line and column.

The data (data/) is parsed by pyoxigraph straight into an in-memory store, keeping its named graphs: each
sentence of the source has a graph of the statements it supports (see the README, "Provenance"). That is
linear and fast (a million triples in about a second), and it resolves no relative IRI: there is no base,
so `<x>` is an error at its line, never a `file:///...` IRI made from where the builder happened to be.
The ontology and the shapes, small, are rdflib graphs, which the reasoner and pySHACL take;
`LoadedProject.data` is the data as an rdflib Dataset, converted on first use for consumers that want rdflib.
Nothing here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from tipkg.errors import InputError
from tipkg.project import RDF_SUFFIXES, Project
from tipkg.terms import from_ox, to_ox
from tipkg.vocab import bind_prefixes

OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
              ".nq": ox.RdfFormat.N_QUADS, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML}


class LoadedProject:
    """A project's ontology and shapes (rdflib graphs) and its data (a pyoxigraph store)."""

    def __init__(self, project: Project, ontology: Graph, shapes: Graph, store: ox.Store | None = None,
                 files: list[Path] | None = None, data: Dataset | None = None) -> None:
        self.project = project
        self.ontology = ontology
        self.shapes = shapes
        self.files = list(files or [])
        if store is None:  # built from an rdflib Dataset (tests that assemble a project by hand)
            store = ox.Store()
            if data is not None:
                store.bulk_extend(quads_of_dataset(data))
        self.store = store
        self._data = data
        self._data_union: Graph | None = None

    @property
    def data(self) -> Dataset:
        """The data as an rdflib Dataset, its named graphs kept (converted once, on first use)."""
        if self._data is None:
            self._data = dataset_of_store(self.store)
        return self._data

    def data_graph(self) -> Graph:
        """All data statements as one plain graph (named graphs merged), for SHACL and reasoning."""
        if self._data_union is None:
            self._data_union = union_of(self.data.quads((None, None, None, None)))
        return self._data_union

    def full_graph(self) -> Graph:
        """Ontology plus data, asserted triples only."""
        graph = union_of(self.data.quads((None, None, None, None)))
        for triple in self.ontology:
            graph.add(triple)
        return graph


def quads_of_dataset(dataset: Dataset) -> Iterable[ox.Quad]:
    default_id = dataset.default_graph.identifier
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graph = ox.DefaultGraph() if g is None or g == default_id else to_ox(g)
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph)  # type: ignore[arg-type]


def dataset_of_store(store: ox.Store) -> Dataset:
    dataset = Dataset()
    bind_prefixes(dataset)
    for quad in store:
        triple = (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object))
        if isinstance(quad.graph_name, ox.DefaultGraph):
            dataset.default_graph.add(triple)  # type: ignore[arg-type]
        else:
            dataset.graph(URIRef(quad.graph_name.value)).add(triple)  # type: ignore[arg-type]
    return dataset


def union_of(quads: Iterable) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in quads:
        graph.add((s, p, o))
    return graph


def read_text(path: Path) -> str:
    """The file's text, or an InputError naming the line of the first byte that is not UTF-8."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(f"not UTF-8 (byte 0x{raw[exc.start]:02x})", path, line, column,
                         hint="save the file as UTF-8") from None


def syntax_error(path: Path, text: str, exc: Exception) -> InputError:
    """Turn a parser exception into file:line:column and the parser's own words."""
    if isinstance(exc, BadSyntax):
        offset = min(exc._i, len(text))  # rdflib exposes the failing offset only as a private attribute
        if offset < 0:  # -1: the parser ran out of input (e.g. an unclosed graph); the error is at the end
            offset = len(text)
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return InputError(f"syntax error: {exc._why}", path, line, column)
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"syntax error: {message}", path)


def parse_into(dataset: Dataset, path: Path) -> int:
    """Parse one RDF file into a dataset (triples into its default graph); returns the quads read."""
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise InputError(f"unknown RDF file type '{path.suffix}'", path,
                         hint="use .ttl, .trig, .nt, .nq, .rdf or .owl")
    text = read_text(path)
    scratch = Dataset()
    try:
        scratch.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except Exception as exc:  # parsers raise many types; all mean the same to a user
        raise syntax_error(path, text, exc) from None
    quads = list(scratch.quads((None, None, None, None)))
    if not quads:
        raise InputError("holds no triples", path,
                         hint="an empty file is almost always a mistake; delete it or fill it")
    default = scratch.default_graph.identifier
    for s, p, o, g in quads:
        target = dataset.default_graph if g is None or g == default else dataset.graph(g)
        target.add((s, p, o))
    return len(quads)


def parse_graph(paths: Iterable[Path]) -> Graph:
    """Parse files into one plain graph (for ontology and shapes, which have no named graphs)."""
    dataset = Dataset()
    for path in paths:
        parse_into(dataset, path)
    return union_of(dataset.quads((None, None, None, None)))


_OX_POSITION = re.compile(r"line (\d+)(?: between columns| column) (\d+)")
_OX_REASON = re.compile(r"^Parser error [^:]*: (.*?)(?: \([^()]*line \d+\))?$", re.S)


def ox_syntax_error(path: Path, exc: SyntaxError) -> InputError:
    """pyoxigraph's parse error as file:line:column and the parser's own words."""
    message = str(exc)
    position = _OX_POSITION.search(message)
    reason = _OX_REASON.match(message)
    line = exc.lineno or (int(position.group(1)) if position else None)
    column = exc.offset or (int(position.group(2)) if position else None)
    return InputError(f"syntax error: {reason.group(1) if reason else message}", path, line, column)


def load_data_file(store: ox.Store, path: Path) -> None:
    """Parse one data file into the store (triples into its default graph, quads into their graphs)."""
    fmt = OX_FORMATS.get(path.suffix)
    if fmt is None:
        raise InputError(f"unknown RDF file type '{path.suffix}'", path,
                         hint="use .ttl, .trig, .nt, .nq, .rdf or .owl")
    data = read_text(path).encode("utf-8")  # the UTF-8 check names the line of a bad byte
    try:
        if next(iter(ox.parse(data, format=fmt)), None) is None:
            raise InputError("holds no triples", path,
                             hint="an empty file is almost always a mistake; delete it or fill it")
        store.bulk_load(data, format=fmt)
    except SyntaxError as exc:
        raise ox_syntax_error(path, exc) from None


def load_project(project: Project, data_files: list[Path] | None = None) -> LoadedProject:
    """Load ontology, data (the project's, or the given files instead) and shapes."""
    ontology_files = project.ontology_files()
    data_files = list(data_files) if data_files else project.data_files()
    shapes_files = project.shapes_files()
    store = ox.Store()
    for path in data_files:
        load_data_file(store, path)
    return LoadedProject(
        project=project,
        ontology=parse_graph(ontology_files),
        shapes=parse_graph(shapes_files),
        store=store,
        files=[*ontology_files, *data_files, *shapes_files],
    )
