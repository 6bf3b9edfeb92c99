"""Options and error handling shared by every command (the datasette publish/common.py habit)."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from pathlib import Path

import click

from tipkg.budget import WorkerKilled
from tipkg.errors import TipkgError


def project_option(func):
    return click.option(
        "--project", "project_dir", type=click.Path(path_type=Path), default=None,
        help="Project folder with ontology/, data/, shapes/, queries/. "
             "Default: the current folder if it holds ontology/, else the bundled fact-sheet graph.",
    )(func)


def out_option(default: str = "dist"):
    def decorate(func):
        return click.option("--out", "out_dir", type=click.Path(path_type=Path), default=default,
                            show_default=True, help="Folder to write into.")(func)
    return decorate


def format_option(choices: list[str], default: str, help_text: str = "Output format."):
    def decorate(func):
        return click.option("--format", "output_format", type=click.Choice(choices, case_sensitive=False),
                            default=default, show_default=True, help=help_text)(func)
    return decorate


INTERRUPTED = 130


def reports_errors(func):
    """Turn a TipkgError into 'error: ...' on stderr and its documented exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except TipkgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(int(exc.exit_code))
        except WorkerKilled as exc:  # the `with` blocks have cleaned up; now end as the worker did
            with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
                signal.signal(exc.signal_number, signal.SIG_DFL)
            os.kill(os.getpid(), exc.signal_number)
            raise  # a signal that does not kill (none of those that kill workers)
        except KeyboardInterrupt:  # Ctrl-C: the shell's 128 + SIGINT, not click's exit 1 ("a check failed")
            click.echo("\ntipkg: interrupted; outputs were left as they were", err=True)
            sys.exit(INTERRUPTED)

    return wrapper


def progress(message: str) -> None:
    """One line on stderr about long work, so a user knows the tool is busy (data stays on stdout)."""
    click.echo(f"tipkg: {message}", err=True)
