"""One error family for the whole tool; the CLI turns each into a message on stderr and an exit code.

Exit codes are a contract (documented in the README):
0 ok, 1 a check failed, 2 unusable input or usage (a project over its time or size budget included),
3 a remote endpoint or store failed.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1
    BAD_INPUT = 2
    REMOTE_FAILED = 3


class TipkgError(Exception):
    """Base of every error the tool reports to a user; the message says what is wrong and what to do."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class InputError(TipkgError):
    """A file or folder that cannot be used: missing, unreadable, not UTF-8, or not valid RDF/SPARQL."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None,
                 column: int | None = None, hint: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.where = str(path) if path is not None else None  # as given: Path("http://x") drops a slash
        self.line = line
        self.column = column
        self.reason = message
        self.hint = hint
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.where is not None:
            where = self.where
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = where + self.reason
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BudgetExceeded(InputError):
    """A project's file or check needs more than the run's budget allows (`tipkg.budget`): exit 2."""

    exit_code = ExitCode.BAD_INPUT


class UsageError(TipkgError):
    """Options that do not fit together, an unknown query name, a malformed --param."""

    exit_code = ExitCode.BAD_INPUT


class CheckFailed(TipkgError):
    """Validation found violations; the report has already been written."""

    exit_code = ExitCode.CHECK_FAILED


class RemoteError(TipkgError):
    """A SPARQL endpoint or Graph Store that is down, times out, refuses, or answers something unusable."""

    exit_code = ExitCode.REMOTE_FAILED


class ToolError(TipkgError):
    """A program tipkg runs (Graphviz `dot`) that is not installed, fails or does not finish in time."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))
