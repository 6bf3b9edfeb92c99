"""Split the archived fact sheet into sentences with stable ids, and write data/provenance.ttl.

Run once when the source changes: `python scripts/sentences.py`. Each sentence becomes a Web Annotation
quote (oa:TextQuoteSelector with the verbatim oa:exact, and oa:prefix/oa:suffix where the text repeats)
and the named graph id:graph/<sid> that holds the statements it supports is derived from it.
The ids are <section>-<n>: n counts sentences within a section, 0 being the section heading.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from tipkg.vocab import ID, OA, TIP, bind_prefixes

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "sources" / "000_13e11396fe89d6f4.txt"
OUT = ROOT / "data" / "provenance.ttl"

# The paragraphs that carry content, by their heading (or a fixed id); the page furniture is left out.
SECTIONS = {
    "Overview of U.S. Government Agencies' Principal Roles to Combat Trafficking in Persons": "title",
    "U.S. Department of State": "publisher",
    "Fact Sheet": "kind",
    "April 1, 2009": "date",
    "Several agencies": "intro",
    "Department Health and Human Services (HHS)": "hhs",
    "Department of Justice (DOJ)": "doj",
    "Department of Homeland Security (DHS)": "dhs",
    "Department of Labor (DOL)": "dol",
    "Agency for International Development (USAID)": "usaid",
    "Department of State (DOS)": "dos",
    "Department of Education (DoEd)": "doed",
    "Department of Defense (DOD)": "dod",
    "Human Smuggling and Trafficking Center (HSTC)": "hstc",
    "1 Benefits": "footnote",
}
# A sentence ends at '.' followed by a space and a capital, except after these abbreviations (unless the next
# sentence plainly starts, as in "... in the U.S. The Bureau of ...").
NOT_AN_END = ("U.S.",)


def split_sentences(paragraph: str) -> list[str]:
    pieces, start = [], 0
    for match in re.finditer(r"\.(?=\s+[A-Z\"])|\.\d(?=\s)|\.$", paragraph):
        end = match.end()
        candidate = paragraph[start:end].strip()
        if candidate.endswith(NOT_AN_END) and not paragraph.startswith(" The ", end):
            continue
        pieces.append(candidate)
        start = end
    rest = paragraph[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def sentences(text: str) -> list[tuple[str, str]]:
    """(sid, verbatim sentence) pairs in document order."""
    result: list[tuple[str, str]] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    section = None
    counter = 0
    for line in lines:
        key = next((k for k in SECTIONS if line.startswith(k)), None)
        if key is not None and (key == line or key in ("Several agencies", "1 Benefits")):
            section, counter = SECTIONS[key], 1
            if key == line:  # a heading line: sentence 0 of its section
                result.append((f"{section}-0", line))
                if section in ("title", "date", "publisher", "kind"):
                    section = None
                continue
        if section is None or section in ("title", "date", "publisher", "kind"):
            continue
        for sentence in split_sentences(line):
            result.append((f"{section}-{counter}", sentence))
            counter += 1
        section = None if section in ("intro", "footnote") else section
    return result


def context_of(text: str, exact: str, width: int = 32) -> tuple[str, str] | None:
    """prefix/suffix for a quote whose exact text occurs more than once (a unique quote needs none)."""
    if text.count(exact) <= 1:
        return None
    at = text.index(exact)
    return text[max(0, at - width):at], text[at + len(exact):at + len(exact) + width]


def provenance_graph(text: str) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    source_text = ID["source/fact-sheet-text"]
    # The whole archived text rides in the graph so that a SHACL-SPARQL rule can check every quote against it.
    graph.add((source_text, RDF.value, Literal(text)))
    for sid, exact in sentences(text):
        quote, selector, named = ID[f"quote/{sid}"], ID[f"selector/{sid}"], ID[f"graph/{sid}"]
        graph.add((quote, RDF.type, OA.SpecificResource))
        graph.add((quote, RDF.type, TIP.SourceSentence))
        graph.add((quote, RDFS.label, Literal(f"fact sheet sentence {sid}")))
        graph.add((quote, OA.hasSource, source_text))
        graph.add((quote, OA.hasSelector, selector))
        graph.add((quote, TIP.sentenceId, Literal(sid)))
        graph.add((quote, TIP.position, Literal(text.index(exact), datatype=XSD.integer)))
        graph.add((selector, RDF.type, OA.TextQuoteSelector))
        graph.add((selector, OA.exact, Literal(exact)))
        around = context_of(text, exact)
        if around:
            graph.add((selector, OA.prefix, Literal(around[0])))
            graph.add((selector, OA.suffix, Literal(around[1])))
        graph.add((named, RDF.type, TIP.SourcedGraph))
        graph.add((named, PROV.wasDerivedFrom, quote))
        graph.add((named, DCTERMS.source, URIRef(ID["source/fact-sheet"])))
    return graph


def main() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    for sid, exact in sentences(text):
        print(f"{sid:12} {exact[:110]}")
    provenance_graph(text).serialize(OUT, format="turtle")


if __name__ == "__main__":
    main()
