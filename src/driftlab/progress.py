"""Progress for long work: bars on a terminal; where stderr goes to a log, a line per finished piece of
long work (a sweep's trial) instead; nothing under --quiet."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


class Progress:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def bar(self, total: int, desc: str, unit: str = "step") -> tqdm:
        # disable=None lets tqdm hide itself when stderr is not a terminal.
        return tqdm(total=total, desc=desc, unit=unit, disable=True if self.quiet else None,
                    dynamic_ncols=True, leave=False)

    def note(self, line: str) -> None:
        """A line for a log: where stderr is not a terminal the bars hide themselves, so a sweep running for an
        hour under nohup still says how far it got."""
        if not self.quiet and not sys.stderr.isatty():
            print(line, file=sys.stderr, flush=True)
