"""Find the content folders (ontology/, data/, shapes/, queries/) that a command works on.

One resolver for every command: an explicit --project DIR, else the current directory when it holds
ontology/, else the copy bundled in the installed package (or, in a source checkout, the repo root).
"""

from __future__ import annotations

import errno
import stat
from dataclasses import dataclass
from pathlib import Path

from tipkg.errors import InputError

RDF_SUFFIXES = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads", ".rdf": "xml", ".owl": "xml"}


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def sources_dir(self) -> Path:
        return self.data_dir / "sources"

    def ontology_files(self) -> list[Path]:
        return rdf_files_in(self.ontology_dir)

    def data_files(self) -> list[Path]:
        return rdf_files_in(self.data_dir)

    def shapes_files(self) -> list[Path]:
        return rdf_files_in(self.shapes_dir, required=False)


# RDF formats a project may hold by mistake: refused by name rather than skipped in silence.
UNREAD_RDF = {".jsonld": "JSON-LD", ".json-ld": "JSON-LD", ".n3": "Notation3", ".trix": "TriX",
              ".hext": "HexTuples", ".rj": "RDF/JSON"}


def rdf_files_in(folder: Path, required: bool = True) -> list[Path]:
    """The RDF files directly in a folder, sorted so that every run loads them in the same order.

    A name with an RDF ending that is not a readable file (a folder, a link to nowhere or to itself, a
    pipe) and an RDF file in a format tipkg does not read are errors, never skipped in silence; other
    files (notes, sources/) are not read."""
    if not folder.is_dir():
        if not required:
            return []
        raise InputError(f"folder not found: {folder}", hint="a project holds ontology/, data/ and shapes/")
    files = [p for p in sorted(folder.iterdir()) if rdf_entry(p)]  # sorted first: the same error each run
    if required and not files:
        raise InputError(f"no RDF files (.ttl, .trig, .nt, .nq) in {folder}")
    return files


def rdf_entry(path: Path) -> bool:
    """Whether a folder entry is an RDF file to load; InputError for one that looks like RDF and is not."""
    if path.suffix in UNREAD_RDF:
        raise InputError(f"{UNREAD_RDF[path.suffix]} files are not read", path,
                         hint="convert it to Turtle (.ttl) or TriG (.trig), or move it out of the folder")
    if path.suffix not in RDF_SUFFIXES:
        return False
    try:
        mode = path.stat().st_mode  # follows links
    except OSError as exc:
        reason = "a link that loops" if exc.errno == errno.ELOOP else "a link to nowhere"
        raise InputError(f"{reason} ({exc.strerror})", path,
                         hint="remove the link or point it at a file") from None
    if stat.S_ISDIR(mode):
        raise InputError("a folder named like an RDF file", path, hint="rename it; folders are not read")
    if not stat.S_ISREG(mode):
        raise InputError("not a regular file", path, hint="RDF files are read from regular files only")
    return True


def bundled_root() -> Path:
    """The content shipped with the package: tipkg/_content in a wheel, the repo root in a checkout."""
    package_dir = Path(__file__).resolve().parent
    in_wheel = package_dir / "_content"
    if (in_wheel / "ontology").is_dir():
        return in_wheel
    return package_dir.parent.parent


def find_project(explicit: Path | str | None = None, cwd: Path | None = None) -> Project:
    if explicit is not None:
        root = Path(explicit)
        if not root.is_dir():
            raise InputError(f"project folder not found: {root}",
                             hint="a project folder holds ontology/, data/ and shapes/")
        if not (root / "ontology").is_dir() and not (root / "data").is_dir():
            raise InputError(f"{root} holds neither ontology/ nor data/",
                             hint="is this a tipkg project folder?")
        return Project(root.resolve())
    here = cwd or Path.cwd()
    if (here / "ontology").is_dir():
        return Project(here.resolve())
    return Project(bundled_root())
