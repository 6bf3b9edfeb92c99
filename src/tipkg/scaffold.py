"""`tipkg init`: a new project folder with the layout tipkg works on, and a tiny graph that validates.

The starter (`tipkg/starter/`, shipped in the wheel) has an ontology, one data file with a named graph per
source sentence, the provenance of each graph (quotes verbatim from data/sources/source.txt), shapes and one
canned query with its expected answer: `tipkg validate` and `tipkg build` pass on it as it is. Its IRIs live
under a base IRI (default https://example.org/myproject/); `--base` puts them under yours.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from tipkg.errors import UsageError

STARTER = Path(__file__).resolve().parent / "starter"
STARTER_BASE = "https://example.org/myproject/"
TEXT_SUFFIXES = {".ttl", ".trig", ".rq", ".csv", ".txt"}


def checked_base(base: str) -> str:
    """A base IRI that pyoxigraph accepts and that ends with '/' (the starter appends paths to it)."""
    try:
        ox.NamedNode(base)
    except ValueError as exc:
        raise UsageError(f"not an absolute IRI: {base!r} ({exc})") from None
    if not base.endswith("/"):
        raise UsageError(f"the base IRI must end with '/', e.g. {base}/")
    return base


def starter_files() -> list[Path]:
    return sorted(p for p in STARTER.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def init_project(target: Path, base: str = STARTER_BASE) -> list[Path]:
    """Write the starter into `target` (new or empty), its IRIs under `base`; returns the files written.

    The files are written into a temporary folder beside `target`, which takes its place only when all are
    written: a failure leaves nothing behind."""
    base = checked_base(base)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not an empty folder; tipkg init writes a new project")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.init-", dir=target.parent))
    try:
        written = []
        for source in starter_files():
            relative = source.relative_to(STARTER)
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix in TEXT_SUFFIXES:
                text = source.read_text(encoding="utf-8").replace(STARTER_BASE, base)
                destination.write_text(text, encoding="utf-8", newline="")
            else:
                shutil.copyfile(source, destination)
            written.append(target / relative)
        if target.exists():
            target.rmdir()  # empty, checked above
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written
