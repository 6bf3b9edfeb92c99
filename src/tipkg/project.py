"""Find the content folders (ontology/, data/, shapes/, queries/) that a command works on.

One resolver for every command: an explicit --project DIR, else the current directory when it holds
ontology/, else the copy bundled in the installed package (or, in a source checkout, the repo root).
"""

from __future__ import annotations

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


def rdf_files_in(folder: Path, required: bool = True) -> list[Path]:
    """The RDF files directly in a folder, sorted so that every run loads them in the same order."""
    if not folder.is_dir():
        if not required:
            return []
        raise InputError(f"folder not found: {folder}", hint="a project holds ontology/, data/ and shapes/")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in RDF_SUFFIXES)
    if required and not files:
        raise InputError(f"no RDF files (.ttl, .trig, .nt, .nq) in {folder}")
    return files


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
