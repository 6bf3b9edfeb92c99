"""Progress on stderr (`tipkg.progress`): a live bar on a terminal, one line per stage elsewhere."""

from __future__ import annotations

import io

from tipkg.progress import QUIET, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_gives_one_quiet_line_per_stage() -> None:
    stream = io.StringIO()
    progress = Progress(stream)
    with progress.stage("SHACL", total=3, unit="shapes") as advance:
        for _ in range(3):
            advance(1)
    with progress.stage("reasoning"):
        pass
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert lines[0].startswith("tipkg: SHACL: 3 shapes in ") and lines[1].startswith("tipkg: reasoning: ")


def test_a_terminal_gets_a_live_bar_with_count_and_rate_then_the_line() -> None:
    stream = Terminal()
    with Progress(stream).stage("query checks", total=40, unit="queries") as advance:
        for _ in range(40):
            advance(1)
    text = stream.getvalue()
    assert "\r" in text and "tipkg: query checks" in text and "/40" in text and "queries/s" in text
    assert text.splitlines()[-1].strip().startswith("tipkg: query checks: 40 queries in ")


def test_quiet_writes_nothing() -> None:
    with QUIET.stage("SHACL", total=1) as advance:
        advance(1)
    assert Progress(io.StringIO(), quiet=True).stream.getvalue() == ""


def test_validate_reports_each_stage_on_stderr_and_keeps_stdout_for_the_report() -> None:
    from pipeline_support import MINI, run

    result = run("validate", "--project", MINI, "--format", "json")
    stages = [line.split(":")[1].strip() for line in result.stderr.splitlines() if line.count(":") >= 2]
    assert stages[:6] == ["parsing data/", "the store", "SHACL and OWL 2 RL", "SHACL", "OWL 2 RL (store)",
                          "query checks"]
    assert result.stdout.lstrip().startswith("{")  # the report alone
