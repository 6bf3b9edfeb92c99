"""Generate a tipkg project folder of about N triples with the fact sheet's shape (issue 10's instrument).

    python benchmarks/scale_project.py OUT --triples 100000 [--source DIR] [--broken SEED]

The project is the bundled one (or --source) scaled up:

- ontology/, shapes/ and queries/ are copied as they are, except the queries' `*.expected.*` files (the
  answers change with the size);
- data/ holds the bundled data repeated under renamed IRIs, one TriG file per copy (`data/copy-00017.trig`):
  copy 0 is the bundled data itself, copy k renames every project IRI `https://w3id.org/tipkg/id/X` to
  `.../id/X-rk` (organisations, units, roles, programs, named graphs, quotes, selectors, ...), so each copy
  is a full replica with its own named graph per sentence and its own provenance. The default graph of a
  copy (the graph and quote descriptions of data/provenance.ttl) is written as the TriG default graph.

Some IRIs are shared by every copy rather than renamed: the project IRIs that the ontology or the shapes name
(`id:scheme/activities`, `id:scheme/groups`: `sh:hasValue` targets; `id:source/fact-sheet`,
`id:tipkg-editors`: the ontology's own metadata), and the source documents (`id:source/...`): every copy
quotes the same archived text, so `oa:exact` quotes stay verbatim and the text's `rdf:value` is written once
per file but merges into one triple. Shared resources are described identically by every copy, so their
statements merge; a copy adds only what it renames.

Deterministic: the same N (and source) gives byte-identical files. The triple count that N aims at is the
asserted triples tipkg works on: the union of the data graphs plus the ontology (`LoadedProject.full_graph`).

`make_broken(project, seed)` writes a seeded broken copy of a generated project, with a manifest of what was
broken, to compare the violations that tipkg and the naive chain report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/tipkg/id/"
SOURCE_SPACE = ID + "source/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
ORG = "http://www.w3.org/ns/org#"
UNIT_OF = ox.NamedNode(ORG + "unitOf")
SUB_ORGANIZATION_OF = ox.NamedNode(ORG + "subOrganizationOf")
ORGANIZATIONAL_UNIT = ox.NamedNode(ORG + "OrganizationalUnit")
TELEPHONE = ox.NamedNode("https://schema.org/telephone")
EXECUTIVE_DEPARTMENT = ox.NamedNode("https://w3id.org/tipkg/ontology#ExecutiveDepartment")
PROGRAM = ox.NamedNode("https://w3id.org/tipkg/ontology#Program")
WORKS_WITH = ox.NamedNode("https://w3id.org/tipkg/ontology#worksWith")
SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
            ".nq": ox.RdfFormat.N_QUADS}
COPY_NAME = "copy-{:05d}.trig"


# --- the bundled project, read once -------------------------------------------------------------------------


def prefixes() -> dict[str, str]:
    """The project's prefix map (tipkg.vocab), for readable TriG."""
    from tipkg.vocab import PREFIXES

    return dict(PREFIXES)


def rdf_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES)


def read_quads(paths: Iterable[Path]) -> list[ox.Quad]:
    quads: list[ox.Quad] = []
    for path in paths:
        quads.extend(ox.parse(path=path, format=SUFFIXES[path.suffix], base_iri=path.resolve().as_uri()))
    return quads


def project_iris(quads: Iterable[ox.Quad]) -> set[str]:
    return {
        term.value
        for quad in quads
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name)
        if isinstance(term, ox.NamedNode) and term.value.startswith(ID)
    }


@dataclass
class Template:
    """The bundled data (copy 0), the IRIs every copy shares, and what one more copy adds."""

    source: Path
    quads: list[ox.Quad]
    shared: frozenset[str]
    base_triples: int  # ontology + data union of copy 0
    per_copy: int  # new triples each further copy adds
    prefixes: dict[str, str] = field(default_factory=dict)
    digest: str = ""  # content_digest of the source

    @classmethod
    def of(cls, source: Path) -> Template:
        quads = read_quads(rdf_files(source / "data"))
        ontology = read_quads(rdf_files(source / "ontology"))
        shapes = read_quads(rdf_files(source / "shapes"))
        shared = frozenset(project_iris([*ontology, *shapes]))
        template = cls(source, quads, shared, 0, 0, prefixes(), content_digest(source))
        triples0 = {(q.subject, q.predicate, q.object) for q in quads} | {
            (q.subject, q.predicate, q.object) for q in ontology}
        triples1 = {(q.subject, q.predicate, q.object) for q in template.copy(1)}
        template.base_triples = len(triples0)
        template.per_copy = len(triples1 - triples0)
        return template

    def renames(self, iri: str) -> bool:
        return iri.startswith(ID) and iri not in self.shared and not iri.startswith(SOURCE_SPACE)

    def copy(self, k: int) -> list[ox.Quad]:
        """Copy k of the data: every project IRI not shared gets the suffix `-rk` (copy 0 is the data)."""
        if k == 0:
            return list(self.quads)
        suffix = f"-r{k}"
        cache: dict[str, ox.NamedNode] = {}

        def rename(term):
            if not isinstance(term, ox.NamedNode):
                return term
            renamed = cache.get(term.value)
            if renamed is None:
                renamed = ox.NamedNode(term.value + suffix) if self.renames(term.value) else term
                cache[term.value] = renamed
            return renamed

        return [ox.Quad(rename(q.subject), rename(q.predicate), rename(q.object), rename(q.graph_name))
                for q in self.quads]

    def copies_for(self, triples: int) -> int:
        """How many copies make about `triples` triples (at least 1, the bundled data itself)."""
        return max(1, round((triples - self.base_triples) / self.per_copy) + 1)

    def expected_triples(self, copies: int) -> int:
        return self.base_triples + (copies - 1) * self.per_copy


def quad_key(quad: ox.Quad) -> tuple[int, str, str, str, str]:
    """Default graph first, then graph, subject, predicate, object: a stable order for the writer."""
    default = isinstance(quad.graph_name, ox.DefaultGraph)
    return (0 if default else 1, str(quad.graph_name), str(quad.subject), str(quad.predicate),
            str(quad.object))


def write_trig(quads: Iterable[ox.Quad], path: Path, prefixes: dict[str, str]) -> None:
    ordered = sorted(set(quads), key=quad_key)
    path.write_bytes(ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"")


# --- the project --------------------------------------------------------------------------------------------


def content_digest(source: Path) -> str:
    """A digest of what a project is generated from (ontology/, shapes/, queries/ without the expected
    results, data/): a project made from other content is not the same benchmark."""
    digest = hashlib.sha256()
    for name in ("ontology", "shapes", "queries", "data"):
        folder = Path(source) / name
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".expected." not in p.name):
            digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def copy_content(source: Path, out: Path) -> None:
    """ontology/, shapes/, queries/ (without expected results) and data/sources/ as they are."""
    for name in ("ontology", "shapes"):
        if (source / name).is_dir():
            shutil.copytree(source / name, out / name)
    queries = source / "queries"
    if queries.is_dir():
        (out / "queries").mkdir()
        for path in sorted(queries.iterdir()):
            if path.is_file() and ".expected." not in path.name:
                shutil.copy2(path, out / "queries" / path.name)
    (out / "data").mkdir()
    if (source / "data" / "sources").is_dir():
        shutil.copytree(source / "data" / "sources", out / "data" / "sources")


@dataclass(frozen=True)
class Generated:
    root: Path
    copies: int
    triples: int  # ontology + data union, as computed from the template (checked by tests, not timed)
    files: int


def generate(out: Path, triples: int, source: Path = REPO, template: Template | None = None) -> Generated:
    """Write a project of about `triples` triples into `out` (which must not exist, or be empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    template = template or Template.of(Path(source))
    copies = template.copies_for(triples)
    copy_content(template.source, out)
    for k in range(copies):
        write_trig(template.copy(k), out / "data" / COPY_NAME.format(k), template.prefixes)
    meta = {"triples": template.expected_triples(copies), "copies": copies, "target": triples,
            "per_copy": template.per_copy, "base": template.base_triples,
            "source": str(template.source), "source_digest": template.digest,
            "shared": sorted(template.shared)}
    (out / "scale.json").write_text(json.dumps(meta, indent=1) + "\n")
    return Generated(out, copies, template.expected_triples(copies), copies)


# --- a seeded broken copy -----------------------------------------------------------------------------------


def subclasses(ontology: list[ox.Quad], top: ox.NamedNode) -> set[ox.NamedNode]:
    """`top` and its rdfs:subClassOf descendants, as the ontology asserts them."""
    children: dict[ox.NamedNode, set] = {}
    for q in ontology:
        if q.predicate == SUBCLASS_OF and isinstance(q.object, ox.NamedNode):
            children.setdefault(q.object, set()).add(q.subject)
    found, todo = {top}, [top]
    while todo:
        for child in children.get(todo.pop(), ()):
            if isinstance(child, ox.NamedNode) and child not in found:
                found.add(child)
                todo.append(child)
    return found


def make_broken(project: Path, seed: int, out: Path | None = None, units: int = 3) -> Path:
    """A broken copy of a generated project, chosen by `seed`, with `broken.json` saying what was done:

    - `units` organisational units lose every parent (org:unitOf / org:subOrganizationOf statements);
    - an executive department is typed also as a tip:Program (disjoint with org:Organization);
    - a telephone number loses a digit (11 characters required);
    - an organisation gets tip:worksWith an IRI that nothing describes (a dangling reference).

    Each change lands in a copy picked by the seed; the same project and seed give the same files.
    """
    project = Path(project)
    out = Path(out) if out is not None else project.with_name(f"{project.name}-broken-{seed}")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(project, out)
    rng = random.Random(seed)
    files = rdf_files(out / "data")
    ontology = read_quads(rdf_files(out / "ontology"))
    unit_classes = subclasses(ontology, ORGANIZATIONAL_UNIT)
    done: list[dict[str, str]] = []

    def pick_file() -> tuple[Path, list[ox.Quad]]:
        path = files[rng.randrange(len(files))]
        return path, read_quads([path])

    # units without parent: in one copy, the typed units that have a parent statement
    path, quads = pick_file()
    typed_units = sorted({q.subject.value for q in quads
                          if q.predicate == RDF_TYPE and q.object in unit_classes
                          and isinstance(q.subject, ox.NamedNode)})
    with_parent = sorted({q.subject.value for q in quads if q.predicate in (UNIT_OF, SUB_ORGANIZATION_OF)}
                         & set(typed_units))
    orphans = set(rng.sample(with_parent, min(units, len(with_parent))))
    quads = [q for q in quads
             if not (q.predicate in (UNIT_OF, SUB_ORGANIZATION_OF) and q.subject.value in orphans)]
    write_trig(quads, path, prefixes())
    done += [{"break": "unit-without-parent", "node": iri, "file": path.name} for iri in sorted(orphans)]

    # a department typed also as a program (cax-adc: org:Organization and tip:Program are disjoint)
    path, quads = pick_file()
    typed = sorted((q for q in quads if q.predicate == RDF_TYPE and q.object == EXECUTIVE_DEPARTMENT),
                   key=quad_key)
    department = typed[rng.randrange(len(typed))]
    quads.append(ox.Quad(department.subject, RDF_TYPE, PROGRAM, department.graph_name))
    write_trig(quads, path, prefixes())
    done.append({"break": "department-also-program", "node": department.subject.value, "file": path.name})

    # a telephone number one digit short
    path, quads = pick_file()
    phones = sorted((q for q in quads if q.predicate == TELEPHONE), key=quad_key)
    phone = phones[rng.randrange(len(phones))]
    assert isinstance(phone.object, ox.Literal)
    short = phone.object.value[:-1]
    quads = [q for q in quads if q != phone]
    quads.append(ox.Quad(phone.subject, TELEPHONE, ox.Literal(short, datatype=phone.object.datatype),
                         phone.graph_name))
    write_trig(quads, path, prefixes())
    done.append({"break": "malformed-phone", "node": phone.subject.value, "value": short, "file": path.name})

    # a dangling IRI: an organisation works with something nothing describes
    path, quads = pick_file()
    departments = sorted((q for q in quads if q.predicate == RDF_TYPE and q.object == EXECUTIVE_DEPARTMENT),
                         key=quad_key)
    holder = departments[rng.randrange(len(departments))]
    missing = ox.NamedNode(f"{ID}nowhere-{seed}-{rng.randrange(10**6)}")
    quads.append(ox.Quad(holder.subject, WORKS_WITH, missing, holder.graph_name))
    write_trig(quads, path, prefixes())
    done.append({"break": "dangling-iri", "node": holder.subject.value, "value": missing.value,
                 "file": path.name})

    (out / "broken.json").write_text(json.dumps({"seed": seed, "breaks": done}, indent=1) + "\n")
    return out


def iter_sizes(text: str) -> Iterator[int]:
    for part in text.split(","):
        yield int(float(part.strip().lower().replace("k", "e3").replace("m", "e6")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the project folder to write (new or empty)")
    parser.add_argument("--triples", type=str, default="10000",
                        help="about how many triples (10000, 100k, 1M)")
    parser.add_argument("--source", type=Path, default=REPO,
                        help="the project to scale (default: the bundled one)")
    parser.add_argument("--broken", type=int, default=None, metavar="SEED",
                        help="also write OUT-broken-SEED, a seeded broken copy")
    args = parser.parse_args(argv)
    (triples,) = iter_sizes(args.triples)
    made = generate(args.out, triples, args.source)
    print(f"{made.root}: {made.copies} copies, {made.triples:,} triples (ontology + data)", file=sys.stderr)
    if args.broken is not None:
        broken = make_broken(made.root, args.broken)
        print(f"{broken}: broken copy, see {broken / 'broken.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
