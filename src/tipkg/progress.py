"""Progress on long work, on stderr: a live bar (stage, count, rate) on a terminal, one quiet line per stage
otherwise (CI logs, pipes), so that stdout stays the command's data.

tqdm draws the bar; it is given `disable=True` when stderr is not a terminal, and the stage's line is then
written when the stage ends. Library code takes a `Progress` (or `QUIET`) and never prints itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

Advance = Callable[[int], None]


class Progress:
    """Reports stages of work: `with progress.stage("SHACL", total=22, unit="shapes") as advance: ...`."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.quiet = quiet

    @contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "steps") -> Iterator[Advance]:
        """A stage: the bar while it runs (on a terminal), and one line when it ends: what, how many, how
        fast. `advance(n)` counts n more done."""
        if self.quiet:
            yield ignore
            return
        started = time.perf_counter()
        done = 0
        with tqdm(total=total, desc=f"tipkg: {name}", unit=f" {unit}", file=self.stream,
                  disable=not self.live, leave=False, dynamic_ncols=True, mininterval=0.2) as bar:

            def advance(n: int = 1) -> None:
                nonlocal done
                done += n
                bar.update(n)

            yield advance
        self.line(name, done, unit, time.perf_counter() - started)

    def line(self, name: str, done: int, unit: str, seconds: float) -> None:
        """A stage's closing line; also for one that ran elsewhere (a child process), `seconds` long there."""
        if not self.quiet:
            self.stream.write(summary(name, done, unit, seconds) + "\n")
            self.stream.flush()


def ignore(n: int = 1) -> None:
    """The `advance` of a quiet stage."""


def summary(name: str, done: int, unit: str, seconds: float) -> str:
    """`tipkg: SHACL: 22 shapes in 1.3 s, 17 shapes/s`, or only the time when nothing was counted."""
    if not done:
        return f"tipkg: {name}: {seconds:.1f} s"
    rate = f", {done / seconds:,.0f} {unit}/s" if seconds >= 0.05 else ""
    return f"tipkg: {name}: {done:,} {unit} in {seconds:.1f} s{rate}"


QUIET = Progress(quiet=True)
