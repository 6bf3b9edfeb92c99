"""SPARQL query texts: screened, parsed and described before anything evaluates them.

Two steps, both free of rdflib:

1. `screen(text)` reads the text the way a SPARQL lexer does (IRIs, strings and comments skipped, `\\u`
   escapes decoded first so that they cannot hide a keyword) and refuses, in linear time and without the
   engine: nesting deeper than `MAX_NESTING` (Oxigraph's recursive parser overflows its stack and kills the
   process at about 10,000 levels), more than `MAX_ELEMENTS` operators, separators and group elements (a flat
   chain nests as deep: `!!!...`, `1+1+...`, `{...} MINUS {...} MINUS ...` kill the process from about
   2,500 links), SPARQL Update (and with it LOAD), and SERVICE. That is how tipkg never
   opens a connection because a query asked it to; `FROM <file:...>` needs no screen, because Oxigraph
   never dereferences a dataset clause: it names a graph of the store.
2. `Sparql.parse(text)` screens, then lets Oxigraph parse the query (on an empty store, where nothing is
   evaluated that could take time): a syntax error comes back with its line and column. The answer's shape
   gives the form and the projected variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pyoxigraph as ox

from tipkg.errors import InputError

MAX_NESTING = 256  # parentheses, braces and brackets, together; real queries stay far below
# Operators, separators and group elements, together (the catalogue's largest query has 31): Oxigraph builds
# a chain of them as a nested tree and recurses through it, at up to ~3 KB of stack a link.
MAX_ELEMENTS = 1_000

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# Skipped by the screen: IRIs, the four string forms, comments. Order matters: long strings first.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
# A keyword stands alone: not part of a prefixed name, variable, blank node label or language tag.
_SERVICE = re.compile(r"(?<![\w:?$@\-])SERVICE(?![\w:\-])", re.IGNORECASE)
_ELEMENT = re.compile(r"[!|/^+*\-.;,{&]"
                      r"|(?<![\w:?$@\-])(?:UNION|OPTIONAL|MINUS|BIND|FILTER|GRAPH|EXISTS)(?![\w:\-])",
                      re.IGNORECASE)
_FIRST_WORD = re.compile(r"(?:\s*(?:PREFIX\s+[\w.\-]*:\s*|BASE\s+))*\s*([A-Za-z]+)", re.IGNORECASE)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_VARIABLE = re.compile(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)")
_VALUES = re.compile(r"(?<![\w:?$@\-])VALUES(?![\w:\-])", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$@\-])FROM(?![\w:\-])", re.IGNORECASE)
_GRAPH = re.compile(r"(?<![\w:?$@\-])GRAPH(?![\w:\-])", re.IGNORECASE)
_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


class QueryRefused(InputError):
    """A query tipkg will not run: update, SERVICE, or nesting past the parser's safe depth.

    `status` is the HTTP status the server answers with (403 for what a read-only endpoint refuses)."""

    def __init__(self, message: str, source: Path | str | None = None, status: int = 400,
                 title: str = "Query refused") -> None:
        super().__init__(message, source)
        self.status = status
        self.title = title


def _decode_codepoints(text: str) -> str:
    def replace(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _CODEPOINT.sub(replace, text)


def skeleton(text: str) -> str:
    """The query with IRIs, strings and comments blanked out (each replaced by one space)."""
    return _SKIP.sub(" ", _decode_codepoints(text))


_BRACKET = re.compile(r"<<|>>|[({\[)}\]]")


def nesting_depth(bare: str) -> int:
    """How deep parentheses, braces, brackets and RDF-star `<< >>` triple terms nest, together."""
    depth = deepest = 0
    for match in _BRACKET.finditer(bare):
        if match.group() in ("<<", "(", "{", "["):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


def first_keyword(bare: str) -> str:
    match = _FIRST_WORD.match(bare)
    return match.group(1).upper() if match else ""


def screen(text: str, source: Path | str | None = None) -> str:
    """Refuse what tipkg never runs (see the module docstring); return the query's skeleton."""
    bare = skeleton(text)
    depth = nesting_depth(bare)
    if depth > MAX_NESTING:
        raise QueryRefused(f"the query nests parentheses, braces or brackets {depth:,} deep; tipkg accepts "
                           f"up to {MAX_NESTING}", source, title="Query too deeply nested")
    elements = len(_ELEMENT.findall(bare)) + len(bare.split()) // 4  # a long list of terms nests too
    if elements > MAX_ELEMENTS:
        raise QueryRefused(f"the query has {elements:,} operators, separators and group elements (a term "
                           f"list counts one per four terms); tipkg accepts up to {MAX_ELEMENTS:,}", source,
                           title="Query too long")
    keyword = first_keyword(bare)
    if keyword in UPDATE_KEYWORDS:
        raise QueryRefused(f"SPARQL Update ({keyword}) is not accepted: tipkg only reads "
                           "(SELECT, ASK, CONSTRUCT, DESCRIBE)", source, status=403, title="Read-only")
    if _SERVICE.search(bare):
        raise QueryRefused("SERVICE is not allowed: tipkg answers from its own data and never sends a query "
                           "on to another endpoint", source, status=403, title="Federated query refused")
    return bare


def trailing_values(bare: str) -> bool:
    """Whether the query ends with a VALUES block outside its WHERE clause."""
    depth = 0
    position = 0
    for match in _VALUES.finditer(bare):
        for char in bare[position:match.start()]:
            depth += 1 if char in "({[" else -1 if char in ")}]" else 0
        position = match.start()
        if depth == 0:
            return True
    return False


def syntax_error(exc: SyntaxError, text: str, source: Path | str | None) -> InputError:
    message = str(exc)
    match = _POSITION.match(message)
    if not match:
        return InputError(f"SPARQL syntax error: {message}", source)
    line, column, reason = int(match.group(1)), int(match.group(2)), match.group(3)
    if "Prefix not found" in reason:  # Oxigraph lists every character it expected; say what is missing
        lines = text.splitlines()
        before = lines[line - 1][: column - 1] if line <= len(lines) else ""
        name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before)
        prefix = (name.group(1) or "") if name else "?"
        return InputError(f"unknown prefix '{prefix}:'", source, line, column,
                          hint=f"declare it: PREFIX {prefix}: <namespace>")
    return InputError(f"SPARQL syntax error: {reason.splitlines()[0]}", source, line, column)


_EMPTY = ox.Store()


@dataclass(frozen=True)
class Sparql:
    """A query screened and parsed once: its text (what is sent), form and variables."""

    text: str
    form: QueryForm
    variables: frozenset[str]  # every variable the query mentions
    projected: tuple[str, ...]  # SELECT's result variables (empty for other forms)
    has_trailing_values: bool
    has_dataset: bool = False  # FROM / FROM NAMED: the query names its own graphs (of the store)
    uses_graph: bool = True  # a GRAPH pattern: the query can see named graphs

    @classmethod
    def parse(cls, text: str, source: Path | str | None = None,
              prefixes: Mapping[str, str] | None = None) -> Sparql:
        """Screen and parse a query, or raise InputError with the line and column (exit 2).

        `prefixes` may be used without PREFIX lines (the project's, for `tipkg sparql`); a query sent to
        another endpoint gets them declared (`with_prefixes`)."""
        bare = screen(text, source)
        try:
            answer = _EMPTY.query(text, prefixes=dict(prefixes or {}))
        except SyntaxError as exc:
            raise syntax_error(exc, text, source) from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise InputError(f"SPARQL error: {exc}", source) from None
        projected: tuple[str, ...] = ()
        if isinstance(answer, ox.QuerySolutions):
            form = QueryForm.SELECT
            projected = tuple(v.value for v in answer.variables)
        elif isinstance(answer, ox.QueryBoolean):
            form = QueryForm.ASK
        else:
            form = QueryForm.DESCRIBE if first_keyword(bare) == "DESCRIBE" else QueryForm.CONSTRUCT
        variables = frozenset(_VARIABLE.findall(bare))
        return cls(text, form, variables, projected, trailing_values(bare), bool(_FROM.search(bare)),
                   bool(_GRAPH.search(bare)))


def declared_prefixes(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?\s*:", skeleton(text))}


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    """The text with `PREFIX` lines for the given prefixes it does not declare itself (for other endpoints,
    which know nothing of the project's prefixes). The namespaces are IRIs from the project's own table."""
    declared = declared_prefixes(text)
    missing = [f"PREFIX {p}: {ox.NamedNode(ns)}" for p, ns in prefixes.items() if p.lower() not in declared]
    return "\n".join([*missing, text]) if missing else text
