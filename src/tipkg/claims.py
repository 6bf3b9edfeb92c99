"""The claims ledger (data/claims.tsv): every atomic claim of the source, its qualifiers, and the triples
that carry it, sentence by sentence, plus every editorial addition. Columns: the ledger's own header and
docs/model.md ("The claims ledger"). `tests/graph/claims_ledger.py` checks the ledger against the graph;
`tipkg serve` shows each statement's claim beside its sentence (`claims_by_statement`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.term import Node

from tipkg.vocab import EDITORIAL_GRAPH, ID, PREFIXES

LEDGER_FILE = "claims.tsv"  # in the project's data/ folder

EDITORIAL = "editorial"
COLUMNS = ["claim", "sentence", "says", "qualifiers", "triples", "notes"]
NOT_MODELLED = "not modelled:"
DROPPED = "dropped:"
SEPARATOR = " ;; "
# In graph:editorial these are the editors' explanation of an addition, not additions: the policy test checks
# that they are there, the ledger does not list them.
EXPLANATIONS = {SKOS.editorialNote, SKOS.definition, RDFS.comment}
TURTLE_PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())

Triple = tuple[Node, Node, Node]

# Characters the source uses that a reader types differently (as in test_inventory.py).
_NORMALISE = str.maketrans({"\u2011": "-", "\u2010": "-", "\u2013": "-", "\u2019": "'", "\u00a0": " "})


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).translate(_NORMALISE)).strip().casefold()


def words(text: str) -> list[str]:
    return re.findall(r"[0-9a-z]+", norm(text))


class LedgerError(ValueError):
    """A row of the ledger that cannot be read."""


@dataclass(frozen=True)
class Qualifier:
    words: str
    carrier: Triple | None  # the triple that carries the qualifier, or None when dropped
    reason: str | None  # why it is dropped


@dataclass
class Claim:
    id: str
    sentence: str
    says: str
    qualifiers: list[Qualifier]
    triples: set[Triple]
    not_modelled: str | None
    notes: list[str]
    line: int
    # literal text -> why its words are not all the sentence's
    composed: dict[str, str] = field(default_factory=dict)

    @property
    def graph(self) -> URIRef:
        return EDITORIAL_GRAPH if self.sentence == EDITORIAL else ID[f"graph/{self.sentence}"]


def parse_triples(text: str, where: str) -> set[Triple]:
    try:
        graph = Graph().parse(data=TURTLE_PREFIXES + text, format="turtle")
    except Exception as exc:  # rdflib raises several kinds; any of them is a broken ledger cell
        raise LedgerError(f"{where}: not Turtle: {exc}") from None
    return set(graph)


def parse_qualifier(entry: str, where: str) -> Qualifier:
    said, arrow, carrier = entry.partition(" => ")
    if not arrow or not said.strip() or not carrier.strip():
        raise LedgerError(f"{where}: a qualifier is 'words => carrier', got {entry!r}")
    carrier = carrier.strip()
    if carrier.startswith(DROPPED):
        reason = carrier[len(DROPPED):].strip()
        if not reason:
            raise LedgerError(f"{where}: qualifier {said!r} is dropped without a reason")
        return Qualifier(said.strip(), None, reason)
    triples = parse_triples(carrier + " .", where)
    if len(triples) != 1:
        raise LedgerError(f"{where}: the carrier of {said!r} must be one triple, got {carrier!r}")
    return Qualifier(said.strip(), next(iter(triples)), None)


COMPOSED = re.compile(r'^composed "(?P<literal>[^"]+)": (?P<reason>.+)$')


def read_ledger(path: Path) -> list[Claim]:
    text = path.read_text(encoding="utf-8")
    return parse_ledger(text)


def parse_ledger(text: str) -> list[Claim]:
    lines = text.splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip() and not line.startswith("#")]
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)), delimiter="\t",
                        quoting=csv.QUOTE_NONE)
    rows = list(reader)
    if not rows or rows[0] != COLUMNS:
        raise LedgerError(f"the ledger's header must be {COLUMNS}, got {rows[0] if rows else None}")
    claims = []
    for (line, _), row in zip(numbered[1:], rows[1:], strict=True):
        where = f"claims.tsv:{line}"
        if len(row) != len(COLUMNS):
            raise LedgerError(f"{where}: {len(row)} columns, expected {len(COLUMNS)}")
        claim_id, sentence, says, qualifiers, triples, notes = row
        not_modelled = None
        parsed: set[Triple] = set()
        if triples.startswith(NOT_MODELLED):
            not_modelled = triples[len(NOT_MODELLED):].strip()
        else:
            parsed = parse_triples(triples, where)
        note_list = [n.strip() for n in notes.split(SEPARATOR) if n.strip()]
        composed = {}
        for note in note_list:
            match = COMPOSED.match(note)
            if match:
                composed[match["literal"]] = match["reason"]
        claims.append(Claim(
            id=claim_id, sentence=sentence, says=says.strip(),
            qualifiers=[parse_qualifier(q, where) for q in qualifiers.split(SEPARATOR) if q.strip()],
            triples=parsed, not_modelled=not_modelled, notes=note_list, line=line, composed=composed))
    return claims


# ----- the graph's side -------------------------------------------------------------------------------------


def claims_by_statement(path: Path) -> dict[tuple[Node, Node, Node, str], list[tuple[str, str]]]:
    """(subject, predicate, object, graph IRI) -> [(claim id, what it says)], for the ledger at `path`."""
    index: dict[tuple[Node, Node, Node, str], list[tuple[str, str]]] = {}
    for claim in read_ledger(path):
        for s, p, o in sorted(claim.triples):
            index.setdefault((s, p, o, str(claim.graph)), []).append((claim.id, claim.says))
    return index
