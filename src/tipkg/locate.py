"""Where a resource is defined in the source files: `data/dhs.trig:12`, for reports a person can act on.

rdflib forgets line numbers after parsing, so this reads the Turtle/TriG text again. A resource is *defined*
on a line where it is the subject at the start of a statement, written as a prefixed name (`id:dhs`, with the
file's own `@prefix`/`PREFIX` declarations, `\\/` escapes allowed) or a full IRI (`<https://...>`). The first
line where the subject is followed by `a` or `rdf:type` wins; else the first line where it is a subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

PREFIX_DECLARATION = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
TYPED = re.compile(r"^\s+(?:a|rdf:type|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>)\s")
LOCAL_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Location:
    path: Path
    line: int

    def display(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None:
            try:
                path = self.path.relative_to(root)
            except ValueError:
                pass
        return f"{path}:{self.line}"


def subject_term(token: str, prefixes: dict[str, str]) -> URIRef | None:
    """The IRI a statement's first token names, or None when it is not an IRI we can resolve."""
    if token.startswith("<"):
        end = token.find(">")
        iri = token[1:end] if end > 0 else ""
        return URIRef(iri) if ":" in iri else None
    if ":" not in token or token[0] in "@#\"'[(_":  # keywords (GRAPH, PREFIX) have no colon
        return None
    prefix, local = token.split(":", 1)
    namespace = prefixes.get(prefix)
    if namespace is None:
        return None
    local = local.rstrip(";,.")
    return URIRef(namespace + LOCAL_ESCAPE.sub(r"\1", local))


def statement_starts(text: str) -> Iterable[tuple[int, URIRef, bool]]:
    """(line number, subject, is the line typing it) for each line that starts a statement."""
    prefixes: dict[str, str] = {}
    open_statement = False
    for number, line in enumerate(text.splitlines(), start=1):
        declared = PREFIX_DECLARATION.match(line)
        if declared:
            prefixes[declared.group(1) or ""] = declared.group(2)
            continue
        stripped = line.split(" #", 1)[0].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not open_statement:
            yield from line_start(number, stripped, prefixes)
        open_statement = not stripped.endswith((".", "{", "}"))


def line_start(number: int, stripped: str, prefixes: dict[str, str]) -> Iterable[tuple[int, URIRef, bool]]:
    """The subject that starts a line, and, after a graph name and `{` on the same line, the one after it."""
    token = stripped.split()[0]
    if token.upper() == "GRAPH" and len(stripped.split()) > 1:
        stripped = stripped[len(token) :].lstrip()
        token = stripped.split()[0]
    subject = subject_term(token, prefixes)
    rest = stripped[len(token) :].lstrip()
    if rest.startswith("{"):
        if subject is not None:
            yield number, subject, False
        inner = rest[1:].strip()
        if inner and not inner.startswith("}"):
            yield from line_start(number, inner, prefixes)
        return
    if subject is not None:
        yield number, subject, bool(TYPED.match(" " + rest))


def turtle_texts(paths: Iterable[Path]) -> Iterable[tuple[Path, str]]:
    """The text of each readable Turtle/TriG file (loading has already reported the unreadable ones)."""
    for path in paths:
        if path.suffix not in (".ttl", ".trig"):
            continue
        try:
            yield path, path.read_text(encoding="utf-8-sig")  # a BOM is dropped, as the loader does
        except (OSError, UnicodeDecodeError):
            continue


def definition_index(paths: Iterable[Path]) -> dict[URIRef, Location]:
    """For every subject in the files, the line that defines it (typed first, else first seen)."""
    first: dict[URIRef, Location] = {}
    typed: dict[URIRef, Location] = {}
    for path, text in turtle_texts(paths):
        for number, subject, is_typed in statement_starts(text):
            first.setdefault(subject, Location(path, number))
            if is_typed:
                typed.setdefault(subject, Location(path, number))
    return {**first, **typed}


def declared_prefixes(paths: Iterable[Path]) -> dict[str, str]:
    """The prefixes the Turtle/TriG files declare (the first declaration of a name wins)."""
    found: dict[str, str] = {}
    for _, text in turtle_texts(paths):
        for line in text.splitlines():
            match = PREFIX_DECLARATION.match(line)
            if match and match.group(1):
                found.setdefault(match.group(1), match.group(2))
    return found
