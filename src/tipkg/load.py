"""Parse a project's RDF files into one dataset, with errors that name the file, line and column.

The data keeps its named graphs: each sentence of the source has a graph of the statements it supports
(see the README, "Provenance"). The ontology and shapes are plain graphs. Nothing here touches the network:
rdflib is never asked to fetch a remote document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from tipkg.errors import InputError
from tipkg.project import RDF_SUFFIXES, Project
from tipkg.vocab import bind_prefixes


@dataclass
class LoadedProject:
    project: Project
    ontology: Graph
    data: Dataset
    shapes: Graph
    files: list[Path] = field(default_factory=list)
    _data_union: Graph | None = None

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


def load_project(project: Project, data_files: list[Path] | None = None) -> LoadedProject:
    """Load ontology, data (the project's, or the given files instead) and shapes."""
    ontology_files = project.ontology_files()
    data_files = list(data_files) if data_files else project.data_files()
    shapes_files = project.shapes_files()
    data = Dataset()
    bind_prefixes(data)
    for path in data_files:
        parse_into(data, path)
    return LoadedProject(
        project=project,
        ontology=parse_graph(ontology_files),
        data=data,
        shapes=parse_graph(shapes_files),
        files=[*ontology_files, *data_files, *shapes_files],
    )
