"""Parse a project's RDF files, with errors that name the file, line and column.

The data (data/) is parsed by pyoxigraph straight into an in-memory store, keeping its named graphs: each
sentence of the source has a graph of the statements it supports (see the README, "Provenance"). That is
linear and fast (a million triples in about a second), and it resolves no relative IRI: there is no base,
so `<x>` is an error at its line, never a `file:///...` IRI made from where the builder happened to be.
Every file is parsed by pyoxigraph (one parser, one set of rules); the ontology and the shapes, small,
are then rdflib graphs, which the reasoner and pySHACL take;
`LoadedProject.data` is the data as an rdflib Dataset, converted on first use for consumers that want rdflib.
Nothing here touches the network.

Beyond syntax, a file is refused (exit 2, file:line:col) when it is over the parsing budget
(`tipkg.budget`), declares XML entities (RDF/XML: entity expansion has no limit in the parser), holds an
XSD literal that is not of its type, or (the ontology) a control character that ontology.owl cannot carry.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import XSDToPython

from tipkg.budget import file_too_large
from tipkg.errors import BudgetExceeded, InputError
from tipkg.progress import QUIET, Progress
from tipkg.project import Project
from tipkg.terms import from_ox, printable, short, to_ox
from tipkg.vocab import bind_prefixes

OX_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
              ".nq": ox.RdfFormat.N_QUADS, ".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML}


XSD_NS = "http://www.w3.org/2001/XMLSchema#"
MAX_NESTING = 128
XML_LITERAL_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral"
# What XML 1.0 cannot hold: C0 controls other than tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    add_quads(dataset, store)
    return dataset


def add_quads(dataset: Dataset, quads: Iterable[ox.Quad]) -> None:
    """pyoxigraph quads into an rdflib dataset, named graphs kept."""
    for quad in quads:
        triple = (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object))
        if isinstance(quad.graph_name, ox.DefaultGraph):
            dataset.default_graph.add(triple)  # type: ignore[arg-type]
        else:
            dataset.graph(URIRef(quad.graph_name.value)).add(triple)  # type: ignore[arg-type]


def union_of(quads: Iterable) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    for s, p, o, _ in quads:
        graph.add((s, p, o))
    return graph


def read_text(path: Path, max_bytes: int | None = None) -> str:
    """The file's text, or an InputError naming the line of the first byte that is not UTF-8.

    `max_bytes` is the parsing budget (`tipkg.budget`): a larger file is refused before it is read."""
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InputError("is a folder, not a file", path)
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device would block the read, or never end
            raise InputError("not a regular file", path, hint="RDF files are read from regular files only")
        too_large = file_too_large(status.st_size, max_bytes)
        if too_large:
            raise BudgetExceeded(too_large, path, hint="split it, or raise the budget with --max-file-mb")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found (or a link to nowhere)", path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("not UTF-8 (it starts with a UTF-16 byte order mark)", path, 1, 1,
                         hint="save the file as UTF-8")
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte order mark is dropped, as most editors expect
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line, column = position_of(raw, start)
        raise InputError(f"not UTF-8 (byte 0x{raw[start]:02x})", path, line, column,
                         hint="save the file as UTF-8") from None
    if "\x00" in text:  # legal in a Turtle string, but in a text file it means binary or UTF-16 data
        line, column = position_of(text, text.index("\x00"))
        raise InputError("holds a NUL byte", path, line, column, hint="a text file holds no NUL; remove it")
    return text


def position_of(text: bytes | str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, offset) + 1  # type: ignore[arg-type]
    return line, offset - (text.rfind(newline, 0, offset) + 1) + 1  # type: ignore[arg-type]


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


def refuse_xml_entities(path: Path, text: str) -> None:
    """An RDF/XML file may not declare entities: nested ones expand exponentially ("billion laughs") and
    Oxigraph's parser has no limit. defusedxml's expat screen stops at the first declaration."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        return
    except DefusedXmlException as exc:
        name = getattr(exc, "name", "") or ""
    except Exception:  # not well-formed: Oxigraph's parser reports it, unless expat stopped before an entity
        name = ""
    found = re.search(r"<!ENTITY\s+(?:%\s+)?" + re.escape(name), text)
    if found is None:
        return
    line, column = position_of(text, found.start())
    named = f"the entity {name!r}" if name else "an entity"
    raise InputError(f"RDF/XML declares {named}", path, line, column,
                     hint="write the text out; entity declarations are not read")


def parse_file(path: Path, max_bytes: int | None = None) -> list[ox.Quad]:
    """One RDF file's quads (triples in the default graph), checked: well-formed, not empty, no relative
    IRI, every XSD literal of its type. Every problem is an InputError with file:line:column."""
    return parse_file_and_text(path, max_bytes)[0]


def parse_file_and_text(path: Path, max_bytes: int | None = None) -> tuple[list[ox.Quad], str]:
    """`parse_file`'s quads, and the text they were parsed from (read once)."""
    fmt = OX_FORMATS.get(path.suffix)
    if fmt is None:
        raise InputError(f"unknown RDF file type '{path.suffix}'", path,
                         hint="use .ttl, .trig, .nt, .nq, .rdf or .owl")
    text = read_text(path, max_bytes)  # the UTF-8 check names the line of a bad byte
    if fmt is ox.RdfFormat.RDF_XML:
        refuse_xml_entities(path, text)
    try:
        quads = list(ox.parse(text.encode("utf-8"), format=fmt))
    except SyntaxError as exc:
        raise ox_syntax_error(path, exc) from None
    if not quads:
        raise InputError("holds no triples", path,
                         hint="an empty file is almost always a mistake; delete it or fill it")
    check_literals(path, text, quads)
    check_nesting(path, quads)
    return quads, text


def check_nesting(path: Path, quads: list[ox.Quad]) -> None:
    """Blank nodes nested deeper than MAX_NESTING are refused: rdflib's writers recurse once per level
    (its Turtle writer fails near 300) and canonical labels cost about depth**2.6."""
    children: dict[ox.BlankNode, list[ox.BlankNode]] = {}
    for quad in quads:
        if isinstance(quad.subject, ox.BlankNode) and isinstance(quad.object, ox.BlankNode):
            children.setdefault(quad.subject, []).append(quad.object)
    depth: dict[ox.BlankNode, int] = {}
    for root in children:
        stack = [(root, iter(children[root]))]
        on_path = {root}
        while stack:  # iterative depth-first search: the depth is what would overflow a recursive one
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                depth[node] = 1 + max((depth.get(c, 0) for c in children.get(node, ())), default=0)
            elif child not in depth and child not in on_path:  # a cycle is not nesting
                on_path.add(child)
                stack.append((child, iter(children.get(child, ()))))
    deepest = max(depth.values(), default=0)
    if deepest > MAX_NESTING:
        raise InputError(f"blank nodes nested {deepest} deep; at most {MAX_NESTING} can be published", path,
                         hint="give the inner nodes IRIs, or flatten the structure")


def check_literals(path: Path, text: str, quads: Iterable[ox.Quad]) -> None:
    """An XSD literal whose text is not of its type ("abc"^^xsd:integer) is an input error at its line:
    rdflib, owlrl and pySHACL would otherwise each fail on it in their own way (or silently)."""
    for quad in quads:
        value = quad.object
        if not isinstance(value, ox.Literal):
            continue
        kind = value.datatype.value
        if kind == XML_LITERAL_IRI:
            convert: Callable[[str], object] | None = parse_xml_literal
        else:
            convert = XSDToPython.get(URIRef(kind)) if kind.startswith(XSD_NS) else None
        if convert is None:
            continue
        try:
            convert(value.value)
        except Exception:  # the converters raise ValueError, TypeError, decimal and XML errors...
            found = text.find(f'"{value.value}"') if value.value else -1
            line, column = position_of(text, found) if found >= 0 else (None, None)
            shown = value.value if len(value.value) <= 60 else value.value[:57] + "..."
            wrong = f'"{printable(shown)}" is not a valid {short(value.datatype.value)}'
            hint = "fix the value, or give it the datatype it has"
            raise InputError(wrong, path, line, column, hint=hint) from None


def parse_xml_literal(text: str) -> object:
    """An rdf:XMLLiteral must be well-formed XML without entity declarations (rdflib parses it with
    minidom when it meets it, which would expand them); defusedxml refuses both."""
    from defusedxml.ElementTree import fromstring

    return fromstring(f"<rdflibtoplevelelement>{text}</rdflibtoplevelelement>")


def check_xml_text(path: Path, quads: Iterable[ox.Quad]) -> None:
    """The ontology is published as RDF/XML (ontology.owl), which cannot carry most control characters,
    nor a property whose IRI does not end in an XML name (`<http://example.org/1>`)."""
    names = Graph().namespace_manager
    for quad in quads:
        value = quad.object
        if isinstance(value, ox.Literal) and (bad := XML_FORBIDDEN.search(value.value)):
            raise xml_error(path, value.value[: bad.start()] or bad.group(),
                            f"a literal holds the control character U+{ord(bad.group()):04X}, which RDF/XML "
                            "(ontology.owl) cannot carry", "remove it; a line break is written \\n")
        try:
            names.compute_qname_strict(quad.predicate.value)  # what rdflib's RDF/XML writer needs
        except ValueError:
            iri = f"<{quad.predicate.value}>"
            raise xml_error(path, iri, f"the property {iri} cannot be written in RDF/XML (ontology.owl): its "
                            "IRI does not end in an XML name",
                            "end the IRI with a name that starts with a letter or _") from None


def xml_error(path: Path, needle: str, message: str, hint: str) -> InputError:
    """An InputError at the first line of the file that holds `needle` (none when it is written escaped)."""
    text = read_text(path)
    found = text.find(needle)
    line, column = position_of(text, found) if found >= 0 else (None, None)
    return InputError(message, path, line, column, hint=hint)


def parse_into(dataset: Dataset, path: Path, max_bytes: int | None = None) -> int:
    """Parse one RDF file into an rdflib dataset, keeping named graphs; returns the quads read."""
    quads = parse_file(path, max_bytes)
    add_quads(dataset, quads)
    return len(quads)


def parse_graph(paths: Iterable[Path], max_bytes: int | None = None, xml_text: bool = False) -> Graph:
    """Parse files into one plain graph (for ontology and shapes, which have no named graphs);
    `xml_text`: refuse literals that RDF/XML cannot carry (the ontology)."""
    dataset = Dataset()
    for path in paths:
        quads = parse_file(path, max_bytes)
        if xml_text:
            check_xml_text(path, quads)
        add_quads(dataset, quads)
    return union_of(dataset.quads((None, None, None, None)))


def load_data_file(store: ox.Store, path: Path, max_bytes: int | None = None,
                   blank_labels: set[str] | None = None) -> None:
    """Parse one data file into the store (triples into its default graph, quads into their graphs).

    `blank_labels`: the blank-node labels of the files loaded before. Two files' `_:x` are two nodes (RDF
    merges documents with their blank nodes kept apart), so a file that reuses a label gets its blank nodes
    renamed, `_:x` to `_:f<n>x`, readably and the same on every run; files that share none keep theirs."""
    quads, text = parse_file_and_text(path, max_bytes)
    if blank_labels is not None and may_label_blank_nodes(text):
        labels = {term.value for quad in quads for term in quad if isinstance(term, ox.BlankNode)}
        if labels & blank_labels:
            n = len(blank_labels)
            while {f"f{n}{label}" for label in labels} & blank_labels:
                n += 1
            quads = [apart(quad, f"f{n}") for quad in quads]
            labels = {f"f{n}{label}" for label in labels}
        blank_labels |= labels
    store.bulk_extend(quads)


def may_label_blank_nodes(text: str) -> bool:
    """Whether a file's text may name a blank node (`_:x`, RDF/XML's rdf:nodeID): the parser gives the
    others fresh labels of its own, which no other file's can meet. Looking for the text is cheap; a file
    without it spares the look at every term (a second at a million triples)."""
    return "_:" in text or "nodeID" in text


def apart(quad: ox.Quad, prefix: str) -> ox.Quad:
    def rename(term):
        return ox.BlankNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term
    return ox.Quad(rename(quad.subject), quad.predicate, rename(quad.object), rename(quad.graph_name))


def load_project(project: Project, data_files: list[Path] | None = None,
                 max_bytes: int | None = None, progress: Progress = QUIET) -> LoadedProject:
    """Load ontology, data (the project's, or the given files instead) and shapes; `max_bytes` is the
    parsing budget per file."""
    ontology_files = project.ontology_files()
    data_files = list(data_files) if data_files else project.data_files()
    shapes_files = project.shapes_files()
    store = ox.Store()
    with progress.stage("parsing data/", total=len(data_files), unit="files") as advance:
        blank_labels: set[str] = set()
        for path in data_files:
            load_data_file(store, path, max_bytes, blank_labels)
            advance(1)
    return LoadedProject(
        project=project,
        ontology=parse_graph(ontology_files, max_bytes, xml_text=True),
        shapes=parse_graph(shapes_files, max_bytes),
        store=store,
        files=[*ontology_files, *data_files, *shapes_files],
    )
