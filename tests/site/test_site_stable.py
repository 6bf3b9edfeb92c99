"""`tipkg site` is byte-stable like `tipkg build`: the same input gives the same bytes, file for file, in
two processes with different hash seeds (rdflib's and Python's set orders differ between them)."""

from __future__ import annotations

from pathlib import Path


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_runs_in_two_processes_write_the_same_bytes(site, site_again):
    first, second = files(site), files(site_again)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"{len(differ)} files differ, e.g. {differ[:10]}"
    assert len(first) > 2000  # the whole site was compared, not an empty folder


def test_no_file_names_the_machine_or_the_staging_folder(site):
    """Nothing of the run leaks into the pages: not the output path, not the crawl's host."""
    leaks = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
             and (str(site.parent).encode() in p.read_bytes() or b"tipkg-site.invalid" in p.read_bytes()
                  or b".tmp-" in p.read_bytes())]
    assert not leaks[:10]
