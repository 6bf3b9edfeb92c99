"""Helpers of the pipeline tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from click.testing import CliRunner, Result

from tipkg.cli import main

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"
CASES = HERE / "cases"
REPO = HERE.parent.parent


def run(*args: str | Path) -> Result:
    """`tipkg ARGS` in-process; stdout and stderr kept apart (click 8.2+)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a folder by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _shared_conftest():
    """tests/conftest.py as a module (its name, `conftest`, is taken by this folder's own conftest)."""
    spec = importlib.util.spec_from_file_location("tipkg_shared_conftest", HERE.parent / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


require_tool = _shared_conftest().require_tool
