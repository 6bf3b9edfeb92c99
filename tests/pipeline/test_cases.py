"""Data-driven: each tests/pipeline/cases/<name>/ adds data.trig to a copy of the small project, and
`tipkg validate` (each reasoner) must exit as expected.txt's first line says, printing its other lines."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_support import HERE, run

CASES = sorted(p for p in (HERE / "cases").iterdir() if p.is_dir())


def expectations(case: Path) -> tuple[int, list[str]]:
    lines = [
        line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert lines[0].startswith("exit: "), f"{case.name}/expected.txt must start with 'exit: N'"
    return int(lines[0].removeprefix("exit: ")), lines[1:]


@pytest.mark.parametrize("reasoner", ["reasonable", "owlrl"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, reasoner: str, mini: Path) -> None:
    shutil.copy(case / "data.trig", mini / "data" / "data.trig")
    args = (case / "args.txt").read_text().split() if (case / "args.txt").is_file() else []
    result = run("validate", "--project", mini, "--reasoner", reasoner, *args)
    exit_code, lines = expectations(case)
    report = result.stdout
    assert result.exit_code == exit_code, report + result.stderr
    for line in lines:
        assert line.lower() in report.lower(), f"missing from the report: {line!r}\n{report}"
    if exit_code == 1:
        assert "validation failed" in result.stderr


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
